// The native secp256k1 path against viem (noble) on random keys and digests: byte-identical signatures, equal
// recovered addresses, and the same refusals.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { bytesToHex, hexToBytes, keccak256, recoverAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import {
  nativeSecp256k1,
  nativeSecp256k1Error,
  recoverDigestAddress,
  Secp256k1Error,
  signDigest,
} from "../src/fast-crypto.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

test("the native addon loads on this machine (a fallback would be a silent 40× slowdown)", () => {
  assert.equal(nativeSecp256k1, true, `secp256k1 native addon did not load: ${nativeSecp256k1Error}`);
});

test("signDigest equals viem's sign byte for byte; recoverDigestAddress equals viem's recoverAddress", {
  timeout: 60_000,
}, async () => {
  for (let i = 0; i < 200; i++) {
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    const digest = new Uint8Array(randomBytes(32));
    const ours = signDigest(digest, hexToBytes(privateKey));
    const viems = await sign({ hash: bytesToHex(digest), privateKey, to: "hex" });
    assert.equal(ours, viems, `signature ${i}`);
    const sig = hexToBytes(ours);
    const recovered = recoverDigestAddress(digest, sig.subarray(0, 64), sig[64]! - 27);
    assert.equal(recovered, address);
    assert.equal(recovered, await recoverAddress({ hash: bytesToHex(digest), signature: ours }));
  }
});

test("a high-s twin recovers the same signer in both libraries; out-of-range r or s is refused by both", async () => {
  const privateKey = generatePrivateKey();
  const digest = hexToBytes(keccak256(new Uint8Array([1, 2, 3])));
  const sig = hexToBytes(signDigest(digest, hexToBytes(privateKey)));
  const s = BigInt(bytesToHex(sig.subarray(32, 64)));
  const twin = sig.slice(0, 64);
  twin.set(hexToBytes(`0x${(N - s).toString(16).padStart(64, "0")}`), 32);
  const yParity = (sig[64]! - 27) ^ 1;
  const viemsTwin = await recoverAddress({
    hash: bytesToHex(digest),
    signature: { r: bytesToHex(twin.subarray(0, 32)), s: bytesToHex(twin.subarray(32)), yParity },
  });
  assert.equal(recoverDigestAddress(digest, twin, yParity), viemsTwin);
  assert.equal(viemsTwin, privateKeyToAccount(privateKey).address);

  for (const [r, sv] of [
    [0n, s],
    [N, s],
    [BigInt(bytesToHex(sig.subarray(0, 32))), 0n],
    [BigInt(bytesToHex(sig.subarray(0, 32))), N],
  ] as const) {
    const bad = new Uint8Array(64);
    bad.set(hexToBytes(`0x${r.toString(16).padStart(64, "0")}`), 0);
    bad.set(hexToBytes(`0x${sv.toString(16).padStart(64, "0")}`), 32);
    assert.throws(() => recoverDigestAddress(digest, bad, 0), Secp256k1Error);
    await assert.rejects(
      recoverAddress({
        hash: bytesToHex(digest),
        signature: { r: bytesToHex(bad.subarray(0, 32)), s: bytesToHex(bad.subarray(32)), yParity: 0 },
      }),
    );
  }
});

test("wrong sizes are refused with what was expected", () => {
  assert.throws(() => signDigest(new Uint8Array(31), new Uint8Array(32).fill(1)), /digest must be 32 bytes, got 31/);
  assert.throws(() => signDigest(new Uint8Array(32), new Uint8Array(20)), /private key must be 32 bytes, got 20/);
  assert.throws(() => recoverDigestAddress(new Uint8Array(32), new Uint8Array(65), 0), /64 bytes r \|\| s, got 65/);
  assert.throws(() => recoverDigestAddress(new Uint8Array(32), new Uint8Array(64), 2), /recovery id must be 0 or 1/);
});
