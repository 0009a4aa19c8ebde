// Provider configuration: a JSON file, then environment variables over it (VERITY_*), then defaults.
import { readFileSync } from "node:fs";
import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";

/** Deliberate misbehaviour for demos and tests only: never enabled unless configured. */
export type FaultyMode =
  /** Sign a result whose output has its last byte flipped. */
  (
    | { kind: "wrong-output" }
    /**
     * Run the proving VM with register `register` (default x10) xor-ed with `mask` (default 1) after `step` steps —
     * moved to the first later step or other register where that changes the result — and sign that run's result.
     */
    | { kind: "corrupt-step"; step: number; register?: number; mask?: number }
  ) & {
    /** Lie only on calls of this method selector (default: every call). */
    selector?: Hex;
  };

/** A provider node's settings. */
export interface ProviderConfig {
  /** The provider's signing and staking key. */
  privateKey: Hex;
  /** Ethereum JSON-RPC URL (the operator's own node). */
  rpcUrl: string;
  /** Service contracts to serve. */
  services: Address[];
  /** Arbitration contract (signature domain, disputes). */
  arbitration: Address;
  /** Payment channels contract, when calls are paid. */
  paymentChannels?: Address;
  /** Listen address; loopback by default. */
  host: string;
  port: number;
  /** The public URL registered on chain. */
  publicUrl?: string;
  /** Folder for the SQLite store and the program cache. */
  dataDir: string;
  /** Built program folders to serve. */
  programDirs: string[];
  /** Peers to fetch program bundles from. */
  peers: string[];
  /** Executor workers (default: available parallelism). */
  workers?: number;
  /** Wall time per call in milliseconds. */
  callTimeoutMs: number;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
  /** Log level for pino. */
  logLevel: string;
  /** How often the chain watchers (disputes, on-chain requests) poll, in milliseconds; 0 disables them. */
  disputePollMs: number;
  /** Milliseconds between automatic claims of payment vouchers (0: only on demand). */
  claimIntervalMs: number;
  /** When set, the node registers itself on every served service where it is not registered, staking this (wei). */
  registerStake?: bigint;
  /** Demo/test misbehaviour; absent means honest. */
  faulty?: FaultyMode;
}

/** A configuration value is missing or malformed. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const DEFAULTS = {
  host: "127.0.0.1",
  port: 8547,
  dataDir: ".verity/provider",
  programDirs: [] as string[],
  peers: [] as string[],
  callTimeoutMs: 30_000,
  maxBodyBytes: 2 * 1024 * 1024,
  logLevel: "info",
  disputePollMs: 2000,
  claimIntervalMs: 3_600_000,
};

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

function address(name: string, value: unknown): Address {
  if (typeof value !== "string" || !isAddress(value))
    throw new ConfigError(`${name} must be an address, got ${String(value)}`);
  return getAddress(value);
}

/** Loads the configuration from an optional JSON file and the environment. */
export function loadConfig(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ProviderConfig> = {},
): ProviderConfig {
  let fromFile: Record<string, unknown> = {};
  if (file !== undefined) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`cannot read provider config ${file}: ${(error as Error).message}`);
    }
  }
  const merged: Record<string, unknown> = { ...DEFAULTS, ...fromFile };
  const envMap: Record<string, unknown> = {
    privateKey: env.VERITY_PROVIDER_KEY,
    rpcUrl: env.VERITY_RPC_URL,
    services: list(env.VERITY_SERVICES),
    arbitration: env.VERITY_ARBITRATION,
    paymentChannels: env.VERITY_PAYMENT_CHANNELS,
    host: env.VERITY_HOST,
    port: env.VERITY_PORT === undefined ? undefined : Number(env.VERITY_PORT),
    publicUrl: env.VERITY_PUBLIC_URL,
    dataDir: env.VERITY_DATA_DIR,
    programDirs: list(env.VERITY_PROGRAM_DIRS),
    peers: list(env.VERITY_PEERS),
    logLevel: env.VERITY_LOG_LEVEL,
    disputePollMs: env.VERITY_DISPUTE_POLL_MS === undefined ? undefined : Number(env.VERITY_DISPUTE_POLL_MS),
    claimIntervalMs: env.VERITY_CLAIM_INTERVAL_MS === undefined ? undefined : Number(env.VERITY_CLAIM_INTERVAL_MS),
  };
  for (const [k, v] of Object.entries(envMap)) if (v !== undefined) merged[k] = v;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = v;

  const privateKey = merged.privateKey;
  if (typeof privateKey !== "string" || !isHex(privateKey) || privateKey.length !== 66) {
    throw new ConfigError("privateKey (or VERITY_PROVIDER_KEY) must be a 32-byte hex key");
  }
  if (typeof merged.rpcUrl !== "string") throw new ConfigError("rpcUrl (or VERITY_RPC_URL) is required");
  if (!Array.isArray(merged.services) || merged.services.length === 0) {
    throw new ConfigError("services (or VERITY_SERVICES) must list at least one Service contract address");
  }
  const port = Number(merged.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`port must be 0..65535, got ${String(merged.port)}`);
  const config: ProviderConfig = {
    privateKey: privateKey as Hex,
    rpcUrl: merged.rpcUrl,
    services: merged.services.map((s, i) => address(`services[${i}]`, s)),
    arbitration: address("arbitration", merged.arbitration),
    host: String(merged.host),
    port,
    dataDir: String(merged.dataDir),
    programDirs: (merged.programDirs as unknown[]).map(String),
    peers: (merged.peers as unknown[]).map(String),
    callTimeoutMs: Number(merged.callTimeoutMs),
    maxBodyBytes: Number(merged.maxBodyBytes),
    logLevel: String(merged.logLevel),
    disputePollMs: Number(merged.disputePollMs),
    claimIntervalMs: Number(merged.claimIntervalMs),
  };
  if (merged.paymentChannels !== undefined) config.paymentChannels = address("paymentChannels", merged.paymentChannels);
  if (merged.publicUrl !== undefined) config.publicUrl = String(merged.publicUrl);
  if (merged.workers !== undefined) config.workers = Number(merged.workers);
  if (merged.faulty !== undefined) config.faulty = merged.faulty as FaultyMode;
  const stake = merged.registerStake ?? env.VERITY_REGISTER_STAKE;
  if (stake !== undefined) {
    if (!/^[0-9]+$/.test(String(stake)))
      throw new ConfigError(`registerStake must be an amount in wei, got ${String(stake)}`);
    config.registerStake = BigInt(String(stake));
  }
  return config;
}
