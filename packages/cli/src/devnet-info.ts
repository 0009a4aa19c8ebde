// The devnet description `verity devnet` writes to .verity/devnet.json and other commands read by default.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { CliError } from "./errors.js";

/** A service deployed on the devnet. */
export interface DevnetService {
  /** Example program name, e.g. "echo". */
  name: string;
  contract: string;
  address: Address;
  methods: { signature: string; selector: Hex; programHash: Hex }[];
}

/** A dev account (anvil's public test keys: never for real funds). */
export interface DevnetAccount {
  address: Address;
  privateKey: Hex;
}

/** A provider process of the devnet. */
export interface DevnetProvider extends DevnetAccount {
  url: string;
  pid: number;
  dataDir: string;
  configFile: string;
  logFile: string;
  /** Present only on a deliberately faulty provider (demo/test): its FaultyMode. */
  faulty?: Record<string, unknown>;
}

/** Everything a developer or another command needs to use a running devnet. */
export interface DevnetInfo {
  version: 1;
  /** The process running the devnet (stopping it stops everything). */
  pid: number;
  startedAt: string;
  rpcUrl: string;
  chainId: number;
  anvilPid: number;
  contracts: { stepVerifier: Address; registry: Address; arbitration: Address; paymentChannels: Address };
  services: DevnetService[];
  accounts: { deployer: DevnetAccount; user: DevnetAccount };
  providers: DevnetProvider[];
  /** Deployment parameters, integers as decimal strings. */
  params: Record<string, string | number>;
}

/** Default state folder (relative to the working directory) and the info file inside it. */
export const DEFAULT_STATE_DIR = ".verity";
export const DEVNET_INFO_FILE = "devnet.json";

/** Path of the devnet info file in `stateDir`. */
export function devnetInfoPath(stateDir = DEFAULT_STATE_DIR): string {
  return join(stateDir, DEVNET_INFO_FILE);
}

/** Reads a devnet info file, or returns undefined when there is none. */
export function readDevnetInfo(file = devnetInfoPath()): DevnetInfo | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as DevnetInfo;
    if (info.version !== 1 || typeof info.rpcUrl !== "string" || !Array.isArray(info.services))
      throw new Error("not a version-1 devnet description");
    return info;
  } catch (error) {
    throw new CliError(`${file} is unreadable (${(error as Error).message}): delete it or restart "verity devnet"`);
  }
}

/** Resolves a service given as an address or as a devnet service name ("echo"). */
export function resolveService(value: string, info: DevnetInfo | undefined, command: string): Address {
  if (isAddress(value, { strict: false })) return getAddress(value);
  const found = info?.services.find((s) => s.name === value || s.contract === value);
  if (found !== undefined) return found.address;
  const known =
    info === undefined
      ? "no devnet is running (.verity/devnet.json not found)"
      : `devnet services: ${info.services.map((s) => s.name).join(", ")}`;
  throw new CliError(
    `${command}: --service must be a Service contract address or a devnet service name; "${value}" is neither (${known})`,
  );
}
