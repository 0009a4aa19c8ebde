// Minimal Solidity ABI encoding for test inputs of the example programs.
import { concatBytes, keccak } from "@verity/vm";

export function selector(sig: string): Uint8Array {
  return keccak(new TextEncoder().encode(sig)).slice(0, 4);
}

export function word(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let x = BigInt.asUintN(256, v);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function padded(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(b.length / 32) * 32);
  out.set(b);
  return out;
}

/** echo(bytes) / hash(bytes) calldata. */
export function bytesCall(sig: string, data: Uint8Array): Uint8Array {
  return concatBytes(selector(sig), word(32n), word(BigInt(data.length)), padded(data));
}

/** multiply(uint32 n, int32[] a, int32[] b) calldata. */
export function matmulCall(n: number, ma: number[], mb: number[]): Uint8Array {
  const arr = (xs: number[]) => concatBytes(word(BigInt(xs.length)), ...xs.map((x) => word(BigInt(x))));
  const ea = arr(ma);
  return concatBytes(
    selector("multiply(uint32,int32[],int32[])"),
    word(BigInt(n)),
    word(96n),
    word(BigInt(96 + ea.length)),
    ea,
    arr(mb),
  );
}
