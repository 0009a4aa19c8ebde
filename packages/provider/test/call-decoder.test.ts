// CallDecoder against parseOffchainCall of @verity/protocol: the same decoded call (or the same error code) on
// random transactions, on encodings that take the re-serializing path, and on broken ones.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { OffchainCallError, parseOffchainCall, signOffchainCall } from "@verity/protocol";
import { bytesToHex, fromRlp, type Hex, hexToBytes, keccak256, serializeTransaction, toRlp } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { CallDecoder, unsignedPayload } from "../src/call-decoder.ts";

const decoder = new CallDecoder();
const hex = (n: number): Hex => bytesToHex(new Uint8Array(randomBytes(n)));

async function expectSame(tx: Hex, label: string): Promise<void> {
  let expected: unknown;
  try {
    expected = await parseOffchainCall(tx);
  } catch (error) {
    assert.ok(error instanceof OffchainCallError, `${label}: parseOffchainCall threw ${String(error)}`);
    await assert.rejects(
      decoder.decode(tx),
      (e: unknown) => e instanceof OffchainCallError && e.code === error.code,
      `${label}: expected ${error.code}`,
    );
    return;
  }
  assert.deepEqual(await decoder.decode(tx), expected, label);
}

/** Replaces item `index` of a signed type-2 transaction's RLP list (signature kept). */
function withItem(tx: Hex, index: number, value: Hex | Hex[]): Hex {
  const items = fromRlp(`0x${tx.slice(4)}`, "hex") as (Hex | Hex[])[];
  items[index] = value;
  return `0x02${toRlp(items as Hex[]).slice(2)}`;
}

test("equals parseOffchainCall on random calls (fast path: the payload is viem's re-serialization)", {
  timeout: 60_000,
}, async () => {
  const sizes = [4, 5, 31, 32, 51, 52, 55, 56, 100, 1000, 70_000];
  for (let i = 0; i < 120; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    const data = hex(sizes[i % sizes.length]!);
    const tx = await signOffchainCall({
      account,
      service: hex(20),
      offchainChainId: [1, 127, 128, 255, 256, 7_000_001, 2 ** 40][i % 7]!,
      data,
      nonce: [0, 1, 127, 128, 2 ** 31, Date.now(), 2 ** 47][i % 7]!,
      value: [0n, 1n, 128n, 10n ** 30n][i % 4]!,
    });
    const payload = unsignedPayload(hexToBytes(tx));
    assert.ok(payload !== undefined, `call ${i} takes the fast path`);
    assert.equal((await decoder.decode(tx)).requester, account.address);
    await expectSame(tx, `call ${i}`);
    // Upper-case hex digits are valid hex: the same call.
    await expectSame(`0x${tx.slice(2).toUpperCase()}` as Hex, `call ${i} in upper case`);
  }
});

test("non-canonical encodings and access lists take viem's re-serializing path and still agree", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const tx = await signOffchainCall({ account, service: hex(20), offchainChainId: 99, data: "0x12345678", nonce: 5 });
  const variants: [string, Hex][] = [
    ["nonce with a leading zero byte", withItem(tx, 1, "0x0005")],
    ["value 0 written as 0x00", withItem(tx, 6, "0x00")],
    ["gas with a leading zero", withItem(tx, 4, "0x0001")],
    ["access list as an empty string", withItem(tx, 8, "0x")],
    ["access list with an entry", withItem(tx, 8, [[hex(20), [hex(32)]]] as unknown as Hex[])],
    ["nonce wider than 6 bytes", withItem(tx, 1, "0x01000000000000")],
  ];
  for (const [label, variant] of variants) {
    assert.equal(unsignedPayload(hexToBytes(variant)), undefined, `${label}: not the fast path`);
    await expectSame(variant, label);
  }
  // A real signed call with an access list (viem serializes it; the fast path refuses non-empty lists).
  const withList = await account.signTransaction({
    type: "eip1559",
    chainId: 99,
    to: hex(20),
    data: "0xabcdef01",
    nonce: 1,
    gas: 0n,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
    accessList: [{ address: hex(20), storageKeys: [hex(32)] }],
  });
  assert.equal(unsignedPayload(hexToBytes(withList)), undefined);
  assert.equal((await decoder.decode(withList)).requester, account.address);
  await expectSame(withList, "access list");
});

test("the fast payload hashes to what the account signed", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const fields = {
    type: "eip1559",
    chainId: 4242,
    to: hex(20),
    data: hex(60),
    nonce: 77,
    value: 3n,
    gas: 0n,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
  } as const;
  const tx = await account.signTransaction(fields);
  assert.equal(keccak256(unsignedPayload(hexToBytes(tx))!), keccak256(serializeTransaction(fields)));
});

test("broken calls get the same error code as parseOffchainCall", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const tx = await signOffchainCall({ account, service: hex(20), offchainChainId: 99, data: "0x12345678", nonce: 5 });
  const cases: [string, Hex][] = [
    ["not hex", "0xzz" as Hex],
    ["one byte", "0x02"],
    ["odd length", "0x021"],
    ["legacy type", `0x01${tx.slice(4)}`],
    ["truncated", tx.slice(0, -10) as Hex],
    ["trailing byte", `${tx}00`],
    ["unsigned", withItemsCut(tx)],
    ["no target", withItem(tx, 5, "0x")],
    ["short calldata", withItem(tx, 7, "0x123456")],
    ["r = 0", withItem(tx, 10, "0x")],
    ["s >= n", withItem(tx, 11, `0x${"ff".repeat(32)}`)],
    ["yParity 2", withItem(tx, 9, "0x02")],
    ["flipped r", withItem(tx, 10, hex(32))],
  ];
  for (const [label, variant] of cases) await expectSame(variant, label);
});

function withItemsCut(tx: Hex): Hex {
  const items = fromRlp(`0x${tx.slice(4)}`, "hex") as Hex[];
  return `0x02${toRlp(items.slice(0, 9)).slice(2)}`;
}
