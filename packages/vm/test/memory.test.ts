import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { concatBytes, keccak, MEMORY_DEPTH, Memory, ZERO_HASHES } from "@verity/vm";

/** Independent sparse reference: root over the given non-zero leaves (leaf index -> 32 bytes) by plain recursion. */
function naiveRoot(leaves: Map<number, Uint8Array>): Uint8Array {
  let level = new Map(leaves);
  for (let h = 0; h < MEMORY_DEPTH; h++) {
    const next = new Map<number, Uint8Array>();
    const z = h === 0 ? new Uint8Array(32) : ZERO_HASHES[h];
    for (const i of level.keys()) {
      const p = i >>> 1;
      if (next.has(p)) continue;
      next.set(p, keccak(concatBytes(level.get(2 * p) ?? z, level.get(2 * p + 1) ?? z)));
    }
    level = next;
  }
  return level.get(0) ?? ZERO_HASHES[MEMORY_DEPTH];
}

function leavesOf(writes: Map<number, number>): Map<number, Uint8Array> {
  const leaves = new Map<number, Uint8Array>();
  for (const [addr, byte] of writes) {
    const li = addr >>> 5;
    let leaf = leaves.get(li);
    if (!leaf) {
      leaf = new Uint8Array(32);
      leaves.set(li, leaf);
    }
    leaf[addr & 31] = byte;
  }
  return leaves;
}

function proofRoot(proof: Uint8Array, index: number): Uint8Array {
  let node = proof.subarray(0, 32);
  for (let h = 0; h < MEMORY_DEPTH; h++) {
    const sib = proof.subarray(32 * (h + 1), 32 * (h + 2));
    node = ((index >>> h) & 1) === 0 ? keccak(concatBytes(node, sib)) : keccak(concatBytes(sib, node));
  }
  return node;
}

describe("memory Merkle tree", () => {
  it("zero hashes and the empty root", () => {
    assert.deepEqual(ZERO_HASHES[1], keccak(new Uint8Array(64)));
    assert.deepEqual(new Memory().root(), ZERO_HASHES[27]);
  });
  it("root and proofs match a naive reference after scattered writes, incrementally", () => {
    const mem = new Memory();
    const writes = new Map<number, number>();
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    const addrs = [0, 31, 32, 4095, 4096, 0x12345, 0xfffffffc, 0xffffffff, 0x80000000];
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 30; k++) {
        const addr = k < addrs.length && round === 0 ? addrs[k] : round % 2 ? rand() >>> 0 : rand() & 0x3fff;
        const v = (rand() & 0xff) | 1;
        // Mix the precise (storeByte) and the whole-page (writeBytes) dirty tracking paths.
        if (k % 3 === 0)
          mem.writeBytes(addr & ~3, Uint8Array.of(v, v, v, v).subarray(0, Math.min(4, 2 ** 32 - (addr & ~3))));
        else mem.storeByte(addr, v);
        if (k % 3 === 0)
          for (let j = 0; j < 4 && (addr & ~3) + j < 2 ** 32; j++) writes.set(((addr & ~3) + j) >>> 0, v);
        else writes.set(addr >>> 0, v);
      }
      const leaves = leavesOf(writes);
      const expected = naiveRoot(leaves);
      assert.deepEqual(mem.root(), expected, `round ${round}`);
      for (const li of [...leaves.keys()].slice(0, 5).concat([0, 1, 2 ** 27 - 1, 12345])) {
        const p = mem.proof(li);
        assert.deepEqual(p.subarray(0, 32), leaves.get(li) ?? new Uint8Array(32));
        assert.deepEqual(proofRoot(p, li), expected, `proof of leaf ${li}`);
      }
    }
  });
  it("snapshot is copy-on-write", () => {
    const mem = new Memory();
    mem.storeWord(0x1000, 5);
    const s = mem.snapshot();
    const r = mem.root();
    mem.storeWord(0x1000, 6);
    mem.storeWord(0x9000, 1);
    assert.notDeepEqual(mem.root(), r);
    const other = new Memory();
    other.restore(s);
    assert.equal(other.loadWord(0x1000), 5);
    assert.equal(other.loadWord(0x9000), 0);
    assert.deepEqual(other.root(), r);
    mem.restore(s);
    assert.deepEqual(mem.root(), r);
  });
});

describe("keccak", () => {
  it("matches @noble/hashes keccak_256 for lengths around the rate", async () => {
    const { keccak_256 } = await import("@noble/hashes/sha3.js");
    for (const n of [0, 1, 31, 32, 63, 64, 65, 135, 136, 137, 271, 272, 273, 329, 1000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 89 + n) & 0xff);
      assert.deepEqual(keccak(data), keccak_256(data), `length ${n}`);
    }
    assert.equal(
      Buffer.from(keccak(new Uint8Array(0))).toString("hex"),
      "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
  });
});
