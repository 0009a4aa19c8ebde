// Keccak-256 (Ethereum's, original padding). `hash64Into`/`hashPair` are the Merkle inner-node hashes on the hot
// path of root recomputation; they run the permutation on a reused state and allocate nothing (or only the result).
import { keccakF1600 } from "./keccakf.js";

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
if (!littleEndianHost) throw new Error("@verity/vm requires a little-endian host (typed-array views are used as LE)");

const RATE = 136;
const st = new Uint32Array(50);
const st8 = new Uint8Array(st.buffer);

/** Keccak-256 of `data`. */
export function keccak(data: Uint8Array): Uint8Array {
  st.fill(0);
  let off = 0;
  while (data.length - off >= RATE) {
    for (let i = 0; i < RATE; i++) st8[i] ^= data[off + i];
    keccakF1600(st);
    off += RATE;
  }
  const rest = data.length - off;
  for (let i = 0; i < rest; i++) st8[i] ^= data[off + i];
  st8[rest] ^= 0x01;
  st8[RATE - 1] ^= 0x80;
  keccakF1600(st);
  return st8.slice(0, 32);
}

/** keccak(src[off, off+64)) written to out[outOff, outOff+32). Input and output may be the same array. */
export function hash64Into(src: Uint8Array, off: number, out: Uint8Array, outOff: number): void {
  st.fill(0);
  st8.set(src.subarray(off, off + 64), 0);
  st8[64] = 0x01;
  st8[135] = 0x80;
  keccakF1600(st);
  out.set(st8.subarray(0, 32), outOff);
}

/** keccak(left || right) for two 32-byte nodes, as a new array. */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  st.fill(0);
  st8.set(left, 0);
  st8.set(right, 32);
  st8[64] = 0x01;
  st8[135] = 0x80;
  keccakF1600(st);
  return st8.slice(0, 32);
}

/** Zero-subtree nodes: ZERO_HASHES[h] is the root of an all-zero subtree of height h (h = 0..32). */
export const ZERO_HASHES: readonly Uint8Array[] = (() => {
  const z: Uint8Array[] = [new Uint8Array(32)];
  for (let h = 1; h <= 32; h++) z.push(hashPair(z[h - 1], z[h - 1]));
  return z;
})();
