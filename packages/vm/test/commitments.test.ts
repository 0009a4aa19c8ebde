import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  chunkDepth,
  chunkProof,
  chunkProofRoot,
  chunkRoot,
  concatBytes,
  inputHash,
  keccak,
  OutputCommitment,
  outputHashOf,
  resultHash,
  Status,
  u32be,
} from "@verity/vm";

/** Independent reference: pad to a power of two of chunks and hash level by level with keccak of concatenations. */
function naiveChunkRoot(b: Uint8Array): Uint8Array {
  const c = Math.max(1, Math.ceil(b.length / 32));
  let n = 1;
  while (n < c) n *= 2;
  const padded = new Uint8Array(n * 32);
  padded.set(b);
  let level: Uint8Array[] = [];
  for (let i = 0; i < n; i++) level.push(padded.slice(32 * i, 32 * i + 32));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak(concatBytes(level[i], level[i + 1])));
    level = next;
  }
  return level[0];
}

/** Naive output hash: chain over complete blocks of the whole stream. */
function naiveOutputHash(out: Uint8Array): Uint8Array {
  let chain: Uint8Array = new Uint8Array(32);
  const full = Math.floor(out.length / 32);
  for (let i = 0; i < full; i++) chain = keccak(concatBytes(chain, out.subarray(32 * i, 32 * i + 32)));
  const tail = new Uint8Array(32);
  tail.set(out.subarray(full * 32));
  return keccak(concatBytes(chain, tail, u32be(out.length)));
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);

describe("chunk roots", () => {
  for (const len of [0, 1, 31, 32, 33, 64, 65, 1000]) {
    it(`length ${len}`, () => {
      const b = bytes(len);
      assert.deepEqual(chunkRoot(b), naiveChunkRoot(b));
      assert.deepEqual(inputHash(b), keccak(concatBytes(naiveChunkRoot(b), u32be(len))));
      const d = chunkDepth(len);
      assert.equal(2 ** d >= Math.max(1, Math.ceil(len / 32)), true);
      for (let i = 0; i < 2 ** d; i++) {
        const p = chunkProof(b, i);
        assert.equal(p.length, 32 * (d + 1));
        assert.deepEqual(chunkProofRoot(p, i), chunkRoot(b));
      }
    });
  }
  it("edge values: empty input is one zero chunk, 32 bytes are their own root", () => {
    assert.deepEqual(chunkRoot(new Uint8Array(0)), new Uint8Array(32));
    assert.deepEqual(chunkRoot(bytes(32)), bytes(32));
    assert.equal(chunkDepth(0), 0);
    assert.equal(chunkDepth(33), 1);
    assert.equal(chunkDepth(65), 2);
    assert.equal(chunkDepth(1000), 5);
  });
});

describe("output commitment", () => {
  it("independent of how writes are split (random splits)", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 50; trial++) {
      const out = bytes(rand(300), trial);
      const c = new OutputCommitment();
      let i = 0;
      while (i < out.length) {
        const n = Math.min(out.length - i, rand(70));
        c.append(out.subarray(i, i + n));
        i += n;
      }
      assert.equal(c.length, out.length);
      assert.deepEqual(c.hash(), naiveOutputHash(out));
      assert.deepEqual(outputHashOf(c.chain, c.tail, c.length), c.hash());
    }
  });
  it("chain and tail after exact blocks", () => {
    const c = new OutputCommitment();
    c.append(bytes(64));
    assert.deepEqual(c.tail, new Uint8Array(32));
    assert.deepEqual(
      c.chain,
      keccak(concatBytes(keccak(concatBytes(new Uint8Array(32), bytes(64).subarray(0, 32))), bytes(64).subarray(32))),
    );
  });
  it("result hash zeroes exit code and output unless Exited", () => {
    const oh = naiveOutputHash(bytes(10));
    assert.deepEqual(resultHash(Status.Exited, 3, oh), keccak(concatBytes(Uint8Array.of(1), u32be(3), oh)));
    assert.deepEqual(
      resultHash(Status.OutputLimit, 3, oh),
      keccak(concatBytes(Uint8Array.of(7), u32be(0), new Uint8Array(32))),
    );
  });
});
