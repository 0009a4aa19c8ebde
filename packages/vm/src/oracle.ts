// Data-oracle keys (§1.9) and the resolver interface through which the machine obtains blobs.
import { concatBytes, toHex, u32be } from "./bytes.js";
import { chunkRoot } from "./commitments.js";
import { keccak } from "./hash.js";

/** Oracle key types. */
export const OracleKeyType = { Keccak: 1, Merkle: 2 } as const;
export type OracleKeyType = (typeof OracleKeyType)[keyof typeof OracleKeyType];

/** Largest blob a keccak (type 1) key may name. */
export const MAX_KECCAK_BLOB = 1024;

/** Resolves an oracle key to its blob; undefined when the blob is not available. */
export interface OracleResolver {
  get(key: Uint8Array): Uint8Array | undefined;
}

/** The blob could not be obtained or does not match its key; the run cannot continue deterministically. */
export class OracleError extends Error {
  override readonly name = "OracleError";
}

function typed(type: OracleKeyType, hash: Uint8Array): Uint8Array {
  const key = hash.slice();
  key[0] = type;
  return key;
}

/** Type-1 key of a blob: 0x01 || keccak(blob)[1..31]. */
export function keccakOracleKey(blob: Uint8Array): Uint8Array {
  return typed(OracleKeyType.Keccak, keccak(blob));
}

/** Type-2 key of a blob: 0x02 || keccak(chunkRoot(blob) || u32(len))[1..31]. */
export function merkleOracleKey(blob: Uint8Array): Uint8Array {
  return typed(OracleKeyType.Merkle, keccak(concatBytes(chunkRoot(blob), u32be(blob.length))));
}

/** Whether `blob` is the blob that `key` names. */
export function oracleKeyMatches(key: Uint8Array, blob: Uint8Array): boolean {
  let expected: Uint8Array;
  if (key[0] === OracleKeyType.Keccak) expected = keccakOracleKey(blob);
  else if (key[0] === OracleKeyType.Merkle) expected = merkleOracleKey(blob);
  else return false;
  for (let i = 0; i < 32; i++) if (expected[i] !== key[i]) return false;
  return true;
}

/** An in-memory blob store keyed by oracle key. */
export class MapOracle implements OracleResolver {
  private readonly blobs = new Map<string, Uint8Array>();

  /** Adds a blob under its type-1 key (blob at most 1024 bytes for it to be readable) and returns the key. */
  addKeccak(blob: Uint8Array): Uint8Array {
    const key = keccakOracleKey(blob);
    this.blobs.set(toHex(key), blob);
    return key;
  }

  /** Adds a blob under its type-2 (chunk Merkle) key and returns the key. */
  addMerkle(blob: Uint8Array): Uint8Array {
    const key = merkleOracleKey(blob);
    this.blobs.set(toHex(key), blob);
    return key;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.blobs.get(toHex(key));
  }
}
