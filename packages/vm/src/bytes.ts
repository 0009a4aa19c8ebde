// Small byte helpers for the big-endian packed encodings of the spec.

/** Big-endian u32 of `v` (taken modulo 2^32). */
export function u32be(v: number): Uint8Array {
  const b = new Uint8Array(4);
  writeU32be(b, 0, v);
  return b;
}

/** Writes big-endian u32 `v` at `off`. */
export function writeU32be(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

/** Reads a big-endian u32 at `off`. */
export function readU32be(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Writes big-endian u64 `v` at `off`. */
export function writeU64be(b: Uint8Array, off: number, v: bigint): void {
  writeU32be(b, off, Number(v >> 32n));
  writeU32be(b, off + 4, Number(v & 0xffffffffn));
}

/** Reads a big-endian u64 at `off`. */
export function readU64be(b: Uint8Array, off: number): bigint {
  return (BigInt(readU32be(b, off)) << 32n) | BigInt(readU32be(b, off + 4));
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lower-case hex with 0x prefix. */
export function toHex(b: Uint8Array): `0x${string}` {
  let s = "0x";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s as `0x${string}`;
}
