// Keccak-256 helpers. `hashPair` is the Merkle inner-node hash on the hot path of root recomputation: it runs the
// Keccak-f permutation directly on a reused state instead of allocating a hasher per call.
import { keccak_256, keccakP } from "@noble/hashes/sha3.js";

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
if (!littleEndianHost) throw new Error("@verity/vm requires a little-endian host (typed-array views are used as LE)");

/** Keccak-256 of `data`. */
export function keccak(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

const st = new Uint32Array(50);
const st8 = new Uint8Array(st.buffer);

/** keccak(bytes[off, off+64)) written to out[outOff, outOff+32). Inputs may alias the output. */
export function hash64Into(src: Uint8Array, off: number, out: Uint8Array, outOff: number): void {
  st.fill(0);
  st8.set(src.subarray(off, off + 64), 0);
  st8[64] = 0x01;
  st8[135] = 0x80;
  keccakP(st, 24);
  out.set(st8.subarray(0, 32), outOff);
}

/** keccak(left || right) for two 32-byte nodes, as a new array. */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  st.fill(0);
  st8.set(left, 0);
  st8.set(right, 32);
  st8[64] = 0x01;
  st8[135] = 0x80;
  keccakP(st, 24);
  return st8.slice(0, 32);
}

/** Zero-subtree nodes: ZERO_HASHES[h] is the root of an all-zero subtree of height h (h = 0..32). */
export const ZERO_HASHES: readonly Uint8Array[] = (() => {
  const z: Uint8Array[] = [new Uint8Array(32)];
  for (let h = 1; h <= 32; h++) z.push(hashPair(z[h - 1], z[h - 1]));
  return z;
})();
