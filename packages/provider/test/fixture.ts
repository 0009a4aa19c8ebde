// A real local network for provider tests: anvil, the Verity contracts, the echo service, one provider node.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Anvil,
  deployCore,
  deployService,
  devKey,
  devnetParams,
  freePort,
  readManifest,
  registerProvider,
  startAnvil,
} from "@verity/devkit";
import { echoServiceAbi, echoServiceBytecode } from "@verity/protocol";
import { type FaultyMode, loadConfig, type ProviderConfig, ProviderNode } from "@verity/provider";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

/** anvil's funded dev keys (public test keys, never for real funds). */
export const DEV_KEYS: readonly Hex[] = Array.from({ length: 20 }, (_, i) => devKey(i));

/** Price per call of the paid echo service, in wei. */
export const PAID_PRICE = 1_000_000n;

export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const ECHO_DIR = join(ROOT, "programs", "examples", "echo");

/** What a test gets: the chain, the contracts, and a way to start providers. */
export interface Network {
  anvil: Anvil;
  client: PublicClient;
  arbitration: Address;
  echo: Address;
  /** The same echo program on a second service that charges PAID_PRICE wei per call. */
  paidEcho: Address;
  paymentChannels: Address;
  chainId: number;
  startProvider(
    keyIndex: number,
    options?: { faulty?: FaultyMode; dataDir?: string; disputePollMs?: number },
  ): Promise<{ node: ProviderNode; url: string; dataDir: string }>;
  /** Registers provider `keyIndex` on chain and returns the config a provider process or node needs. */
  providerConfig(
    keyIndex: number,
    options?: { faulty?: FaultyMode; dataDir?: string; disputePollMs?: number },
  ): Promise<ProviderConfig>;
  stop(): Promise<void>;
}

/** Starts anvil, deploys the contracts and the echo service. */
export async function startNetwork(): Promise<Network> {
  const anvil = await startAnvil({ args: ["--accounts", String(DEV_KEYS.length)] });
  const transport = http(anvil.rpcUrl);
  const client = createPublicClient({ chain: foundry, transport });
  const deployer = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(DEV_KEYS[0]!) });
  const params = devnetParams(deployer.account.address);
  const core = await deployCore(deployer, client, params);
  const echo = await deployService(deployer, client, core, params, {
    name: "EchoService",
    abi: echoServiceAbi,
    bytecode: echoServiceBytecode,
    methods: [{ signature: "function echo(bytes data) returns (bytes)", manifest: readManifest(ECHO_DIR) }],
  });
  const paidEcho = await deployService(deployer, client, core, params, {
    name: "EchoService (paid)",
    abi: echoServiceAbi,
    bytecode: echoServiceBytecode,
    methods: [
      { signature: "function echo(bytes data) returns (bytes)", manifest: readManifest(ECHO_DIR), price: PAID_PRICE },
    ],
  });
  const nodes: ProviderNode[] = [];
  const dirs: string[] = [];
  const providerConfig: Network["providerConfig"] = async (keyIndex, options = {}) => {
    const port = await freePort();
    const key = DEV_KEYS[keyIndex]!;
    const wallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) });
    const url = `http://127.0.0.1:${port}`;
    await registerProvider(wallet, client, echo, url, parseEther("1"));
    await registerProvider(wallet, client, paidEcho, url, parseEther("1"));
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "verity-provider-"));
    if (options.dataDir === undefined) dirs.push(dataDir);
    return loadConfig(
      undefined,
      {},
      {
        privateKey: key,
        rpcUrl: anvil.rpcUrl,
        services: [echo, paidEcho],
        arbitration: core.arbitration,
        paymentChannels: core.paymentChannels,
        port,
        dataDir,
        programDirs: [ECHO_DIR],
        workers: 1,
        logLevel: process.env.VERITY_TEST_LOG ?? "silent",
        disputePollMs: options.disputePollMs ?? 200,
        ...(options.faulty !== undefined ? { faulty: options.faulty } : {}),
      },
    );
  };

  return {
    anvil,
    client,
    arbitration: core.arbitration,
    echo,
    paidEcho,
    paymentChannels: core.paymentChannels,
    chainId: foundry.id,
    async startProvider(keyIndex, options = {}) {
      const node = new ProviderNode(await providerConfig(keyIndex, options));
      nodes.push(node);
      return { node, url: await node.start(), dataDir: node.config.dataDir };
    },
    providerConfig,
    async stop() {
      for (const node of nodes) await node.stop().catch(() => undefined);
      await anvil.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts one JSON-RPC request and returns the parsed body. */
export async function rpc(
  url: string,
  method: string,
  params: unknown,
  id = 1,
): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    signal: AbortSignal.timeout(20_000),
  });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}
