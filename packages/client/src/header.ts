// Block headers and where trust in them comes from. The state root of a trusted header anchors every verified read.
import { RLP } from "@ethereumjs/rlp";
import { type Hex, hexToBytes, isHex, keccak256, type PublicClient, toHex } from "viem";
import { HeliosUnavailableError, UntrustedHeaderError } from "./errors.js";

/** A header whose hash has been checked by a trust source. */
export interface TrustedHeader {
  number: bigint;
  hash: Hex;
  stateRoot: Hex;
  /** The source's kind, for the report. */
  source: string;
}

/** Where the client gets a header it trusts. `rpc` is the untrusted node the proofs come from. */
export interface HeaderSource {
  readonly kind: string;
  /** Returns the header the reads are anchored to. */
  trustedHeader(rpc: PublicClient): Promise<TrustedHeader>;
}

/** A block as JSON-RPC returns it (the header fields). */
export type RpcBlock = Record<string, unknown>;

type FieldKind = "hash" | "address" | "int" | "bytes";

// Header fields in RLP order. The optional tail grew fork by fork (London, Shanghai, Cancun, Prague); a header
// carries a prefix of it.
const REQUIRED: ReadonlyArray<[string, FieldKind]> = [
  ["parentHash", "hash"],
  ["sha3Uncles", "hash"],
  ["miner", "address"],
  ["stateRoot", "hash"],
  ["transactionsRoot", "hash"],
  ["receiptsRoot", "hash"],
  ["logsBloom", "bytes"],
  ["difficulty", "int"],
  ["number", "int"],
  ["gasLimit", "int"],
  ["gasUsed", "int"],
  ["timestamp", "int"],
  ["extraData", "bytes"],
  ["mixHash", "hash"],
  ["nonce", "bytes"],
];
const OPTIONAL: ReadonlyArray<[string, FieldKind]> = [
  ["baseFeePerGas", "int"], // London
  ["withdrawalsRoot", "hash"], // Shanghai
  ["blobGasUsed", "int"], // Cancun
  ["excessBlobGas", "int"], // Cancun
  ["parentBeaconBlockRoot", "hash"], // Cancun
  ["requestsHash", "hash"], // Prague
];

const SIZES: Record<FieldKind, number | undefined> = { hash: 32, address: 20, int: undefined, bytes: undefined };

function field(block: RpcBlock, name: string, kind: FieldKind): Uint8Array {
  const value = block[name];
  if (typeof value !== "string" || !isHex(value, { strict: true })) {
    throw new UntrustedHeaderError(`header field ${name} must be 0x-hex, got ${JSON.stringify(value)}`);
  }
  if (kind === "int") {
    // RLP integers are minimal big-endian: zero is the empty string.
    const n = BigInt(value);
    return n === 0n ? new Uint8Array() : hexToBytes(toHex(n));
  }
  const bytes = hexToBytes(value);
  const size = SIZES[kind];
  if (size !== undefined && bytes.length !== size) {
    throw new UntrustedHeaderError(`header field ${name} must be ${size} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** RLP encoding of a block header from its JSON-RPC form (pre-London through Prague). */
export function encodeHeader(block: RpcBlock): Uint8Array {
  const items = REQUIRED.map(([name, kind]) => field(block, name, kind));
  let missing: string | undefined;
  for (const [name, kind] of OPTIONAL) {
    if (block[name] === undefined || block[name] === null) {
      missing ??= name;
      continue;
    }
    if (missing !== undefined) {
      throw new UntrustedHeaderError(`header has ${name} but not ${missing}, which an earlier fork introduced`);
    }
    items.push(field(block, name, kind));
  }
  return RLP.encode(items);
}

/** keccak256 of the header's RLP: the block hash the header really has. */
export function headerHash(block: RpcBlock): Hex {
  return keccak256(encodeHeader(block));
}

function checked(block: RpcBlock | null, expected: Hex | undefined, source: string): TrustedHeader {
  if (block === null || typeof block !== "object") throw new UntrustedHeaderError(`the RPC has no block ${expected}`);
  const hash = headerHash(block);
  const claimed = block.hash;
  if (typeof claimed !== "string" || claimed.toLowerCase() !== hash) {
    throw new UntrustedHeaderError(`the RPC's block claims hash ${String(claimed)} but its header hashes to ${hash}`);
  }
  if (expected !== undefined && expected.toLowerCase() !== hash) {
    throw new UntrustedHeaderError(`the header served for pinned block ${expected} hashes to ${hash}`);
  }
  return {
    number: BigInt(block.number as Hex),
    hash,
    stateRoot: (block.stateRoot as Hex).toLowerCase() as Hex,
    source,
  };
}

/** Trusts one pinned block hash (a checkpoint the user got out of band): reads are anchored to that block. */
export function pinnedHeader(blockHash: Hex): HeaderSource {
  if (!isHex(blockHash, { strict: true }) || blockHash.length !== 66) {
    throw new UntrustedHeaderError(`a pinned block hash must be 32 bytes of 0x-hex, got ${blockHash}`);
  }
  return {
    kind: "pinned",
    async trustedHeader(rpc) {
      const block = (await rpc.request({
        method: "eth_getBlockByHash",
        params: [blockHash, false],
      })) as RpcBlock | null;
      return checked(block, blockHash, "pinned");
    },
  };
}

/**
 * Trusts the RPC node's own latest header. Only for a local devnet you run yourself: a lying node can then lie
 * about everything. Warns loudly once.
 */
export function nodeHeader(options: { warn?: (message: string) => void } = {}): HeaderSource {
  let warned = false;
  const warn = options.warn ?? ((m: string) => console.warn(m));
  return {
    kind: "node",
    async trustedHeader(rpc) {
      if (!warned) {
        warned = true;
        warn(
          "WARNING: @verity/client trusts the RPC node's own block headers (trust: 'node'). This is safe ONLY on a local devnet you run yourself; use a pinned block hash or Helios on a public network.",
        );
      }
      const block = (await rpc.request({
        method: "eth_getBlockByNumber",
        params: ["latest", false],
      })) as RpcBlock | null;
      return checked(block, undefined, "node");
    },
  };
}

/** The part of an EIP-1193 provider the Helios source uses. */
interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Configuration passed through to `createHeliosProvider` of `@a16z/helios` (see its docs). */
export interface HeliosConfig {
  executionRpc: string;
  consensusRpc?: string;
  checkpoint?: Hex;
  network?: "mainnet" | "sepolia" | "holesky";
  [key: string]: unknown;
}

/**
 * Trusts headers verified by a Helios light client (`@a16z/helios`, optional, not bundled): mainnet, sepolia,
 * holesky; browsers and web workers only. Throws HeliosUnavailableError when the package is not installed or the
 * environment is not a browser.
 */
export function heliosHeader(config: HeliosConfig): HeaderSource {
  let provider: Promise<Eip1193> | undefined;
  const load = async (): Promise<Eip1193> => {
    // @a16z/helios 0.11's wasm timer looks for a Window or WorkerGlobalScope; elsewhere (Node) it panics with an
    // uncaught error that ends the process, so refuse before loading it.
    const scope = globalThis as { Window?: unknown; WorkerGlobalScope?: unknown };
    if (scope.Window === undefined && scope.WorkerGlobalScope === undefined) {
      throw new HeliosUnavailableError(
        "no Window or WorkerGlobalScope in this JavaScript environment",
        "not-a-browser",
      );
    }
    // A variable specifier keeps bundlers and tsc from requiring the optional package.
    const specifier = "@a16z/helios";
    let mod: { createHeliosProvider?: (c: HeliosConfig, kind: string) => Promise<Eip1193> | Eip1193 };
    try {
      mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
    } catch (error) {
      throw new HeliosUnavailableError((error as Error).message);
    }
    if (typeof mod.createHeliosProvider !== "function") {
      throw new HeliosUnavailableError("the installed package exports no createHeliosProvider");
    }
    const p = await mod.createHeliosProvider(config, "ethereum");
    const waitSynced = (p as { waitSynced?: () => Promise<void> }).waitSynced;
    if (typeof waitSynced === "function") await waitSynced.call(p);
    return p;
  };
  return {
    kind: "helios",
    async trustedHeader() {
      provider ??= load();
      const helios = await provider;
      const block = (await helios.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as RpcBlock;
      return checked(block, undefined, "helios");
    },
  };
}
