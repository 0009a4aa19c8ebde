// secp256k1 for the provider's hot path through libsecp256k1 (the `secp256k1` package's native addon): ~50-70 µs per
// signature or recovery where viem's pure-JS noble takes ~1-3 ms. Both sign per RFC 6979 without extra entropy and
// normalize to low s, so signatures are byte-identical to viem's (test/fast-crypto.test.ts checks it).
import { createRequire } from "node:module";
import { keccak } from "@verity/vm";
import type * as Secp256k1 from "secp256k1";
import { type Address, bytesToHex, checksumAddress, type Hex } from "viem";

type Secp256k1Api = Pick<typeof Secp256k1, "ecdsaSign" | "ecdsaRecover">;

const require = createRequire(import.meta.url);

function load(): { api: Secp256k1Api; native: boolean; error?: string } {
  try {
    // The package's own index.js swallows a load failure and returns its JS fallback: load the addon explicitly.
    return { api: require("secp256k1/bindings.js") as Secp256k1Api, native: true };
  } catch (error) {
    return {
      api: require("secp256k1/elliptic.js") as Secp256k1Api,
      native: false,
      error: (error as Error).message.split("\n")[0] ?? "unknown error",
    };
  }
}

const loaded = load();

/** Whether libsecp256k1's native addon loaded; false means the ~40× slower JS fallback runs (the node warns). */
export const nativeSecp256k1: boolean = loaded.native;

/** Why the native addon did not load (undefined when it did). */
export const nativeSecp256k1Error: string | undefined = loaded.error;

/** A signature or key that secp256k1 cannot use (wrong size, out of range, no point). */
export class Secp256k1Error extends Error {
  override name = "Secp256k1Error";
}

/** Signs a 32-byte digest: 65 bytes r || s || v (low s, v = 27 + recovery id), as viem's `sign` serializes it. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Hex {
  if (digest.length !== 32) throw new Secp256k1Error(`the digest must be 32 bytes, got ${digest.length}`);
  if (privateKey.length !== 32) throw new Secp256k1Error(`the private key must be 32 bytes, got ${privateKey.length}`);
  const { signature, recid } = loaded.api.ecdsaSign(digest, privateKey);
  const out = new Uint8Array(65);
  out.set(signature, 0);
  out[64] = 27 + recid;
  return bytesToHex(out);
}

/**
 * The checksummed address whose key made the 64-byte compact signature `rs` (r || s, any s) with recovery id
 * `yParity` over `digest`; throws Secp256k1Error when it does not recover.
 */
export function recoverDigestAddress(digest: Uint8Array, rs: Uint8Array, yParity: number): Address {
  if (digest.length !== 32) throw new Secp256k1Error(`the digest must be 32 bytes, got ${digest.length}`);
  if (rs.length !== 64) throw new Secp256k1Error(`the signature must be 64 bytes r || s, got ${rs.length}`);
  if (yParity !== 0 && yParity !== 1) throw new Secp256k1Error(`the recovery id must be 0 or 1, got ${yParity}`);
  let publicKey: Uint8Array;
  try {
    publicKey = loaded.api.ecdsaRecover(rs, yParity, digest, false);
  } catch (error) {
    throw new Secp256k1Error(`the signature does not recover a public key: ${(error as Error).message}`);
  }
  // Uncompressed key: 0x04 || x || y; the address is the last 20 bytes of keccak256(x || y).
  return checksumAddress(bytesToHex(keccak(publicKey.subarray(1)).subarray(12)));
}
