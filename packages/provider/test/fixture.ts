// A real local network for provider tests: anvil, the Verity contracts, the echo service, one provider node.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Anvil, deployCore, deployService, devnetParams, freePort, readManifest, registerProvider, startAnvil } from "@verity/devkit";
import { echoServiceAbi, echoServiceBytecode } from "@verity/protocol";
import { type FaultyMode, loadConfig, ProviderNode } from "@verity/provider";
import { type Address, createPublicClient, createWalletClient, type Hex, http, parseEther, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

/** anvil's well-known dev keys (public test keys, never for real funds). */
export const DEV_KEYS: readonly Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdbce365",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733f9f8c60f3a3db7d8",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
];

export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const ECHO_DIR = join(ROOT, "programs", "examples", "echo");

/** What a test gets: the chain, the contracts, and a way to start providers. */
export interface Network {
  anvil: Anvil;
  client: PublicClient;
  arbitration: Address;
  echo: Address;
  chainId: number;
  startProvider(keyIndex: number, options?: { faulty?: FaultyMode; dataDir?: string }): Promise<{ node: ProviderNode; url: string; dataDir: string }>;
  stop(): Promise<void>;
}

/** Starts anvil, deploys the contracts and the echo service. */
export async function startNetwork(): Promise<Network> {
  const anvil = await startAnvil();
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
  const nodes: ProviderNode[] = [];
  const dirs: string[] = [];
  return {
    anvil,
    client,
    arbitration: core.arbitration,
    echo,
    chainId: foundry.id,
    async startProvider(keyIndex, options = {}) {
      const port = await freePort();
      const key = DEV_KEYS[keyIndex]!;
      const wallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) });
      const url = `http://127.0.0.1:${port}`;
      await registerProvider(wallet, client, echo, url, parseEther("1"));
      const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "verity-provider-"));
      if (options.dataDir === undefined) dirs.push(dataDir);
      const config = loadConfig(undefined, {}, {
        privateKey: key,
        rpcUrl: anvil.rpcUrl,
        services: [echo],
        arbitration: core.arbitration,
        port,
        dataDir,
        programDirs: [ECHO_DIR],
        workers: 1,
        logLevel: "silent",
        ...(options.faulty !== undefined ? { faulty: options.faulty } : {}),
      });
      const node = new ProviderNode(config);
      nodes.push(node);
      return { node, url: await node.start(), dataDir };
    },
    async stop() {
      for (const node of nodes) await node.stop().catch(() => undefined);
      await anvil.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts one JSON-RPC request and returns the parsed body. */
export async function rpc(url: string, method: string, params: unknown, id = 1): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    signal: AbortSignal.timeout(20_000),
  });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}
