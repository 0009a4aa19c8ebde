// Deploys the Verity contracts and example services: the one deployment path used by tests, `verity devnet` and the
// demo, so that what is tested is what users run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  arbitrationAbi,
  arbitrationBytecode,
  type ManifestFile,
  parseManifest,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  programRegistryAbi,
  programRegistryBytecode,
  riscVStepAbi,
  riscVStepBytecode,
  verityServiceAbi,
} from "@verity/protocol";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  parseEther,
  type Transport,
  toFunctionSelector,
  type WalletClient,
} from "viem";

/** Per-deployment parameters (documented in docs/protocol.md). */
export interface DeploymentParams {
  /** Minimum provider stake per service, in wei. */
  minStake: bigint;
  /** Seconds between a provider's exit request and its withdrawal; longer than the longest dispute. */
  unbondingDelay: bigint;
  /** Seconds after which an unanswered on-chain request can be cancelled. */
  requestTimeout: bigint;
  /** Chess-clock budget per side of a dispute match, in seconds. */
  clockBudget: number;
  /** Bond for challenging a single response, in wei. */
  challengeBond: bigint;
  /** Share of slashed stake to the winners, basis points. */
  winnersBps: number;
  /** Share of slashed stake to the requester, basis points. */
  requesterBps: number;
  /** Receives the rest of slashed stake. */
  treasury: Address;
  /** Delay of a payer's channel withdrawal, seconds. */
  withdrawDelay: bigint;
}

/** Defaults for a local devnet: short clocks so a whole dispute plays in seconds. */
export function devnetParams(treasury: Address): DeploymentParams {
  return {
    minStake: parseEther("1"),
    unbondingDelay: 7n * 24n * 3600n,
    requestTimeout: 3600n,
    clockBudget: 3600,
    challengeBond: parseEther("0.1"),
    winnersBps: 5000,
    requesterBps: 2500,
    treasury,
    withdrawDelay: 24n * 3600n,
  };
}

/** Addresses of the core contracts. */
export interface CoreDeployment {
  stepVerifier: Address;
  registry: Address;
  arbitration: Address;
  paymentChannels: Address;
}

type Wallet = WalletClient<Transport, Chain, Account>;

async function deploy(
  wallet: Wallet,
  client: PublicClient,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
  what: string,
): Promise<Address> {
  const hash = await wallet.deployContract({ abi, bytecode, args });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || receipt.contractAddress === null || receipt.contractAddress === undefined) {
    throw new Error(`deploying ${what} failed (transaction ${hash})`);
  }
  return receipt.contractAddress;
}

async function send(client: PublicClient, hash: Hex, what: string): Promise<void> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} failed (transaction ${hash})`);
}

/** Deploys RiscVStep, ProgramRegistry, Arbitration and PaymentChannels. */
export async function deployCore(
  wallet: Wallet,
  client: PublicClient,
  params: DeploymentParams,
): Promise<CoreDeployment> {
  const stepVerifier = await deploy(wallet, client, riscVStepAbi, riscVStepBytecode, [], "RiscVStep");
  const registry = await deploy(wallet, client, programRegistryAbi, programRegistryBytecode, [], "ProgramRegistry");
  const arbitration = await deploy(
    wallet,
    client,
    arbitrationAbi,
    arbitrationBytecode,
    [
      registry,
      stepVerifier,
      params.clockBudget,
      params.challengeBond,
      params.winnersBps,
      params.requesterBps,
      params.treasury,
    ],
    "Arbitration",
  );
  const paymentChannels = await deploy(
    wallet,
    client,
    paymentChannelsAbi,
    paymentChannelsBytecode,
    [params.withdrawDelay],
    "PaymentChannels",
  );
  return { stepVerifier, registry, arbitration, paymentChannels };
}

/** Reads a built program's manifest (`<dir>/build/manifest.json`), checking its program hash. */
export function readManifest(programDir: string): ManifestFile {
  return parseManifest(JSON.parse(readFileSync(join(programDir, "build", "manifest.json"), "utf8")));
}

/** Registers a program in the ProgramRegistry unless it already is; returns its hash. */
export async function registerProgram(
  wallet: Wallet,
  client: PublicClient,
  registry: Address,
  manifest: ManifestFile,
): Promise<Hex> {
  const known = await client.readContract({
    address: registry,
    abi: programRegistryAbi,
    functionName: "isRegistered",
    args: [manifest.programHash],
  });
  if (!known) {
    const hash = await wallet.writeContract({
      address: registry,
      abi: programRegistryAbi,
      functionName: "register",
      args: [
        manifest.elfHash,
        manifest.wasmHash,
        manifest.memRoot,
        manifest.entry,
        manifest.maxSteps,
        manifest.memLimit,
        manifest.maxInput,
        manifest.maxOutput,
      ],
    });
    await send(client, hash, `registering program ${manifest.name}`);
  }
  return manifest.programHash;
}

/** A service contract to deploy: its artifact and the methods to bind. */
export interface ServiceSpec {
  name: string;
  abi: Abi;
  bytecode: Hex;
  /** Each method: a Solidity signature from the ABI, the program's manifest, and the price per call in wei. */
  methods: readonly { signature: string; manifest: ManifestFile; price?: bigint }[];
}

/** Deploys a service contract, registers its programs and binds its methods. */
export async function deployService(
  wallet: Wallet,
  client: PublicClient,
  core: CoreDeployment,
  params: DeploymentParams,
  spec: ServiceSpec,
): Promise<Address> {
  const address = await deploy(
    wallet,
    client,
    spec.abi,
    spec.bytecode,
    [
      wallet.account.address,
      core.arbitration,
      core.registry,
      params.minStake,
      params.unbondingDelay,
      params.requestTimeout,
    ],
    spec.name,
  );
  for (const method of spec.methods) {
    await registerProgram(wallet, client, core.registry, method.manifest);
    const hash = await wallet.writeContract({
      address,
      abi: verityServiceAbi,
      functionName: "setMethod",
      args: [toFunctionSelector(method.signature), method.manifest.programHash, method.price ?? 0n],
    });
    await send(client, hash, `binding ${method.signature} on ${spec.name}`);
  }
  return address;
}

/** Registers `wallet` as a provider of `service` with a stake and a host URL. */
export async function registerProvider(
  wallet: Wallet,
  client: PublicClient,
  service: Address,
  host: string,
  stake: bigint,
): Promise<void> {
  const hash = await wallet.writeContract({
    address: service,
    abi: verityServiceAbi,
    functionName: "register",
    args: [host],
    value: stake,
  });
  await send(client, hash, `registering provider ${wallet.account.address} on ${service}`);
}
