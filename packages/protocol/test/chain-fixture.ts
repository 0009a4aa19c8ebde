// Test helper: a real anvil with the service contracts deployed by viem (no mocks).
import { type Anvil, startAnvil } from "@verity/devkit";
import {
  type Address,
  createTestClient,
  type Hex,
  http,
  keccak256,
  publicActions,
  toFunctionSelector,
  toHex,
  walletActions,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { echoServiceAbi, echoServiceBytecode, programRegistryAbi, programRegistryBytecode } from "../src/index.js";

// anvil's well-known public dev keys (accounts 0..9 of the default mnemonic).
export const DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
] as const satisfies readonly Hex[];

export const accounts = DEV_KEYS.map((k) => privateKeyToAccount(k));

export function testClient(anvil: Anvil) {
  return createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) })
    .extend(publicActions)
    .extend(walletActions);
}
export type TestClient = ReturnType<typeof testClient>;

export { startAnvil };

export interface ServiceDeployment {
  registry: Address;
  service: Address;
  programHash: Hex;
  arbitration: (typeof accounts)[number];
  owner: (typeof accounts)[number];
}

/** Deploys ProgramRegistry and EchoService (owner = account 0, arbitration = account 5) and binds `echo`. */
export async function deployEchoService(client: TestClient, price: bigint): Promise<ServiceDeployment> {
  const [owner] = accounts;
  const arbitration = accounts[5];
  const deploy = async (hash: Hex): Promise<Address> => {
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) throw new Error("deployment failed");
    return receipt.contractAddress;
  };
  const registry = await deploy(
    await client.deployContract({ abi: programRegistryAbi, bytecode: programRegistryBytecode, account: owner }),
  );
  const manifest = [
    keccak256(toHex("echo.elf")),
    keccak256(toHex("echo.wasm")),
    keccak256(toHex("root")),
    0x1000,
    10_000_000n,
    1 << 21,
    65_536,
    65_600,
  ] as const;
  await mined(
    client,
    client.writeContract({
      address: registry,
      abi: programRegistryAbi,
      functionName: "register",
      args: manifest,
      account: owner,
    }),
  );
  const programHash = await client.readContract({
    address: registry,
    abi: programRegistryAbi,
    functionName: "computeProgramHash",
    args: manifest,
  });
  const service = await deploy(
    await client.deployContract({
      abi: echoServiceAbi,
      bytecode: echoServiceBytecode,
      args: [owner.address, arbitration.address, registry, 10n ** 18n, 3600n, 600n],
      account: owner,
    }),
  );
  await mined(
    client,
    client.writeContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "setMethod",
      args: [ECHO_SELECTOR, programHash, price],
      account: owner,
    }),
  );
  return { registry, service, programHash, arbitration, owner };
}

/** `echo(bytes)` selector. */
export const ECHO_SELECTOR: Hex = toFunctionSelector("echo(bytes)");

/** Waits for a sent transaction and fails loudly on revert; returns the receipt. */
export async function mined(client: TestClient, sent: Promise<Hex>) {
  const hash = await sent;
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}
