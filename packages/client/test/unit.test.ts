// Unit tests of the client's pure parts: random choice, header encoding rules, proof edge cases, Helios loading.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  EMPTY_TRIE_ROOT,
  encodeHeader,
  HeliosUnavailableError,
  heliosHeader,
  ProofError,
  randomInt,
  shuffle,
  UntrustedHeaderError,
  verifyAccountProof,
  verifyStorageProof,
} from "@verity/client";
import { createPublicClient, http, keccak256, toHex } from "viem";

describe("random choice", () => {
  test("randomInt stays in range and shuffle is a roughly uniform permutation", { timeout: 10_000 }, () => {
    for (let i = 0; i < 1000; i++) {
      const x = randomInt(7);
      assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
    }
    assert.throws(() => randomInt(0), RangeError);
    // 6000 shuffles of 3 items: each of the 6 orders should appear about 1000 times.
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = shuffle(["a", "b", "c"]).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    for (const [order, n] of counts) assert.ok(n > 800 && n < 1200, `${order} appeared ${n} times`);
  });
});

describe("headers and proofs", () => {
  const header = {
    parentHash: keccak256("0x01"),
    sha3Uncles: keccak256("0x02"),
    miner: "0x0000000000000000000000000000000000000001",
    stateRoot: keccak256("0x03"),
    transactionsRoot: keccak256("0x04"),
    receiptsRoot: keccak256("0x05"),
    logsBloom: toHex(new Uint8Array(256)),
    difficulty: "0x0",
    number: "0x10",
    gasLimit: "0x1c9c380",
    gasUsed: "0x0",
    timestamp: "0x5f5e100",
    extraData: "0x",
    mixHash: keccak256("0x06"),
    nonce: "0x0000000000000000",
  };

  test("a header's optional fork fields must be a prefix of the fork order", () => {
    const london = encodeHeader({ ...header, baseFeePerGas: "0x7" });
    assert.ok(london.length > encodeHeader(header).length);
    assert.throws(() => encodeHeader({ ...header, withdrawalsRoot: keccak256("0x07") }), UntrustedHeaderError);
    assert.throws(() => encodeHeader({ ...header, stateRoot: "0x1234" }), UntrustedHeaderError);
  });

  test("an empty proof is accepted only for an empty trie", async () => {
    assert.equal(await verifyStorageProof(EMPTY_TRIE_ROOT, toHex(1n, { size: 32 }), []), 0n);
    await assert.rejects(verifyStorageProof(keccak256("0x01"), toHex(1n, { size: 32 }), []), ProofError);
    await assert.rejects(
      verifyAccountProof(keccak256("0x01"), "0x0000000000000000000000000000000000000001", []),
      ProofError,
    );
    await assert.rejects(verifyStorageProof(keccak256("0x01"), toHex(1n, { size: 32 }), ["0x1234"]), /does not hash/);
  });

  test("Helios outside a browser is refused before it is loaded, with what to use instead", async () => {
    const rpc = createPublicClient({ transport: http("http://127.0.0.1:9") });
    const error = await heliosHeader({ executionRpc: "http://127.0.0.1:9" })
      .trustedHeader(rpc)
      .catch((e: unknown) => e);
    assert.ok(error instanceof HeliosUnavailableError, String(error));
    assert.match(error.message, /only in a browser or web worker/);
    assert.match(error.message, /pinned block hash/);
  });
});
