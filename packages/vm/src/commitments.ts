// Input chunk roots and chunk proofs (§1.6) and the incremental output commitment (§1.7).
import { concatBytes, u32be } from "./bytes.js";
import { hashPair, keccak, ZERO_HASHES } from "./hash.js";

/** Number of 32-byte chunks of a byte string of length `len`: max(1, ceil(len/32)). */
export function chunkCount(len: number): number {
  return Math.max(1, Math.ceil(len / 32));
}

/** Depth of the chunk tree of a byte string of length `len`: least d with 2^d >= chunkCount(len). */
export function chunkDepth(len: number): number {
  const c = chunkCount(len);
  let d = 0;
  while (2 ** d < c) d++;
  return d;
}

/** Chunk `index` of `bytes`, zero padded to 32 bytes (a zero chunk past the end). */
export function chunkAt(bytes: Uint8Array, index: number): Uint8Array {
  const out = new Uint8Array(32);
  const start = index * 32;
  if (start < bytes.length) out.set(bytes.subarray(start, Math.min(start + 32, bytes.length)));
  return out;
}

/** All levels of the chunk tree, leaves first; missing nodes are zero subtrees (not stored). */
function chunkLevels(bytes: Uint8Array): Uint8Array[][] {
  const c = chunkCount(bytes.length);
  const d = chunkDepth(bytes.length);
  let level: Uint8Array[] = [];
  for (let i = 0; i < c; i++) level.push(chunkAt(bytes, i));
  const levels = [level];
  for (let h = 0; h < d; h++) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i], level[i + 1] ?? ZERO_HASHES[h]));
    level = next;
    levels.push(level);
  }
  return levels;
}

/** Chunk root of `bytes` (§1.6). */
export function chunkRoot(bytes: Uint8Array): Uint8Array {
  const levels = chunkLevels(bytes);
  return levels[levels.length - 1][0];
}

/** Input commitment: keccak(chunkRoot(bytes) || u32(len)). */
export function inputHash(bytes: Uint8Array): Uint8Array {
  return keccak(concatBytes(chunkRoot(bytes), u32be(bytes.length)));
}

/** Chunk proof of chunk `index`: the chunk followed by its chunkDepth(len) siblings, bottom up. */
export function chunkProof(bytes: Uint8Array, index: number): Uint8Array {
  const levels = chunkLevels(bytes);
  const d = levels.length - 1;
  if (index < 0 || index >= 2 ** d) throw new RangeError(`chunk index ${index} out of range for depth ${d}`);
  const out = new Uint8Array(32 * (d + 1));
  out.set(chunkAt(bytes, index), 0);
  let idx = index;
  for (let h = 0; h < d; h++) {
    out.set(levels[h][idx ^ 1] ?? ZERO_HASHES[h], 32 * (h + 1));
    idx >>>= 1;
  }
  return out;
}

/** Root implied by a chunk proof (chunk + siblings) for chunk `index`. */
export function chunkProofRoot(proof: Uint8Array, index: number): Uint8Array {
  let node = proof.subarray(0, 32);
  let idx = index;
  for (let off = 32; off < proof.length; off += 32) {
    const sib = proof.subarray(off, off + 32);
    node = (idx & 1) === 0 ? hashPair(node, sib) : hashPair(sib, node);
    idx >>>= 1;
  }
  return node;
}

/**
 * Incremental output commitment (§1.7): a hash chain over complete 32-byte blocks plus the zero-padded tail. O(1)
 * state; the result does not depend on how the output was split into `append` calls.
 */
export class OutputCommitment {
  /** Hash chain over the complete blocks so far. */
  chain: Uint8Array;
  /** The incomplete block, zero padded (a fresh array on every change, so it can be shared). */
  tail: Uint8Array;
  /** Total bytes appended. */
  length: number;

  constructor(chain: Uint8Array = new Uint8Array(32), tail: Uint8Array = new Uint8Array(32), length = 0) {
    this.chain = chain;
    this.tail = tail;
    this.length = length;
  }

  /** Appends bytes to the output stream. */
  append(bytes: Uint8Array): void {
    let i = 0;
    let tail = this.tail.slice();
    while (i < bytes.length) {
      const pos = this.length % 32;
      const n = Math.min(32 - pos, bytes.length - i);
      tail.set(bytes.subarray(i, i + n), pos);
      i += n;
      this.length += n;
      if (this.length % 32 === 0) {
        this.chain = hashPair(this.chain, tail);
        tail = new Uint8Array(32);
      }
    }
    this.tail = tail;
  }

  /** outputHash = keccak(chain || tail || u32(length)). */
  hash(): Uint8Array {
    return outputHashOf(this.chain, this.tail, this.length);
  }

  /** An independent copy. */
  clone(): OutputCommitment {
    return new OutputCommitment(this.chain, this.tail, this.length);
  }
}

/** outputHash from its parts. */
export function outputHashOf(chain: Uint8Array, tail: Uint8Array, length: number): Uint8Array {
  return keccak(concatBytes(chain, tail, u32be(length)));
}
