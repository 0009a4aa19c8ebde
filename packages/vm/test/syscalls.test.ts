import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  chunkRoot,
  concatBytes,
  keccak,
  Machine,
  MapOracle,
  OracleError,
  OutputCommitment,
  Status,
  stepWithWitness,
  u32be,
  verifyStep,
} from "@verity/vm";
import { a, li, program } from "./asm.ts";
import { DEFAULT_OPTS, reg, runChecked } from "./harness.ts";

/** ecall `num` with a0..a2 and copy the result a0 into `save`. */
function sys(num: number, a0: number, a1 = 0, a2 = 0, save = 0): number[] {
  return [
    ...li(17, num),
    ...li(10, a0),
    ...li(11, a1),
    ...li(12, a2),
    a.ecall(),
    ...(save ? [a.addi(save, 10, 0)] : []),
  ];
}
const exit0 = [...li(17, 93), a.addi(10, 0, 0), a.ecall()];
const BUF = 0x2000;

describe("read", () => {
  const input = Uint8Array.from({ length: 70 }, (_, i) => i + 1);
  it("short reads: bounded by len, buffer leaf, input chunk and remaining input", () => {
    const code = [
      ...sys(63, 0, BUF + 30, 100, 5), // buf%32 = 30 -> 2 bytes
      ...sys(63, 0, BUF + 64, 100, 6), // cursor 2 -> 30 bytes (chunk boundary)
      ...sys(63, 0, BUF + 96, 3, 7), // len 3
      ...sys(63, 0, BUF + 128, 100, 8), // cursor 35 -> 29 bytes
      ...sys(63, 0, BUF + 160, 100, 9), // cursor 64 -> 6 bytes (end of input)
      ...sys(63, 0, BUF + 192, 100, 13), // cursor 70 = length -> 0
      ...sys(63, 3, BUF, 100, 14), // bad fd
      ...exit0,
    ];
    const { fast } = runChecked(program(code), { input });
    assert.equal(fast.status, Status.Exited);
    assert.deepEqual(
      [5, 6, 7, 8, 9, 13].map((r) => reg(fast, r)),
      [2, 30, 3, 29, 6, 0],
    );
    assert.equal(fast.regs[14], -9);
    assert.equal(fast.inputCursor, 70);
    assert.deepEqual(fast.memory.readBytes(BUF + 30, 2), input.subarray(0, 2));
    assert.deepEqual(fast.memory.readBytes(BUF + 64, 30), input.subarray(2, 32));
    assert.deepEqual(fast.memory.readBytes(BUF + 128, 29), input.subarray(35, 64));
    assert.deepEqual(fast.memory.readBytes(BUF + 160, 8), Uint8Array.of(65, 66, 67, 68, 69, 70, 0, 0));
  });
  it("a read whose bytes reach memLimit halts MemoryLimit; zero-length reads touch nothing", () => {
    // A short transfer stops at a leaf boundary, so only a limit inside a leaf can cut one.
    const limit = 0x10010;
    const over = runChecked(program([...sys(63, 0, limit - 2, 3), ...exit0]), { input, memLimit: limit }).fast;
    assert.equal(over.status, Status.MemoryLimit);
    assert.equal(over.inputCursor, 0);
    const ok = runChecked(program([...sys(63, 0, limit - 2, 2), ...exit0]), { input, memLimit: limit }).fast;
    assert.equal(ok.status, Status.Exited);
    const zero = runChecked(program([...sys(63, 0, 0xfffffff0, 0, 5), ...exit0]), { input, memLimit: limit }).fast;
    assert.equal(zero.status, Status.Exited);
    assert.equal(reg(zero, 5), 0);
  });
});

describe("write", () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => 200 - i);
  const seg = { vaddr: BUF, bytes: data };
  it("short writes to fd 1 build the output commitment; fd 2 discarded; other fds EBADF", () => {
    const code = [
      ...sys(64, 1, BUF + 5, 100, 5), // buf%32 = 5 -> 27
      ...sys(64, 1, BUF + 32, 100, 6), // outLen 27 -> 5
      ...sys(64, 1, BUF + 37, 100, 7), // buf%32=5 -> 27 (outLen 32 -> 27)
      ...sys(64, 2, BUF, 1000, 8),
      ...sys(64, 7, BUF, 10, 9),
      ...sys(64, 1, BUF, 0, 13),
      ...exit0,
    ];
    const { fast } = runChecked(program(code, seg));
    assert.deepEqual(
      [5, 6, 7, 8, 13].map((r) => reg(fast, r)),
      [27, 5, 27, 1000, 0],
    );
    assert.equal(fast.regs[9], -9);
    const expected = data.subarray(5, 64);
    assert.deepEqual(fast.outputData(), expected);
    const c = new OutputCommitment();
    c.append(expected);
    assert.deepEqual(fast.outputHash(), c.hash());
    assert.equal(fast.output.length, 59);
  });
  it("OutputLimit when the write would exceed maxOutput (exactly reaching it is fine)", () => {
    const code = [...sys(64, 1, BUF, 10, 5), ...sys(64, 1, BUF, 10, 6), ...exit0];
    assert.equal(runChecked(program(code, seg), { maxOutput: 20 }).fast.status, Status.Exited);
    const m = runChecked(program(code, seg), { maxOutput: 19 }).fast;
    assert.equal(m.status, Status.OutputLimit);
    assert.equal(m.output.length, 10);
  });
  it("MemoryLimit when the source bytes reach memLimit", () => {
    const m = runChecked(program([...sys(64, 1, 0x10010 - 1, 2), ...exit0]), { memLimit: 0x10010 }).fast;
    assert.equal(m.status, Status.MemoryLimit);
  });
});

describe("oracle", () => {
  const small = new TextEncoder().encode("a small keccak blob of fifty-odd bytes, not aligned!");
  const big = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
  const huge = new Uint8Array(1025).fill(9);
  const oracle = new MapOracle();
  const kSmall = oracle.addKeccak(small);
  const kBig = oracle.addMerkle(big);
  const kHuge = oracle.addKeccak(huge);
  const KEYS = 0x3000;
  const keys = concatBytes(kSmall, kBig, kHuge, Uint8Array.of(3, ...new Uint8Array(31)));
  const seg = { vaddr: KEYS, bytes: keys };

  it("keys: type byte then the last 31 bytes of the hash", () => {
    assert.deepEqual(kSmall.subarray(1), keccak(small).subarray(1));
    assert.equal(kSmall[0], 1);
    assert.deepEqual(kBig.subarray(1), keccak(concatBytes(chunkRoot(big), u32be(big.length))).subarray(1));
    assert.equal(kBig[0], 2);
  });
  it("select and short reads of keccak and merkle blobs", () => {
    const code = [
      ...sys(1000, KEYS, 0, 0, 5),
      ...sys(1001, BUF + 10, 100, 0, 6), // dst%32 = 10 -> 22
      ...sys(1001, BUF + 64, 100, 40, 7), // offset%32 = 8 -> 24, but blob has 52-40 = 12 left
      ...sys(1001, BUF + 96, 100, 52, 8), // at end -> 0
      ...sys(1001, BUF + 96, 100, 0xffffff00, 9), // far beyond -> 0
      ...sys(1000, KEYS + 32, 0, 0),
      ...sys(1001, BUF + 128, 100, 250, 13), // offset%32 = 26 -> 6
      ...sys(1001, BUF + 160, 100, 288, 14), // 12 bytes left
      ...sys(1001, BUF + 192, 0, 5, 15), // len 0
      ...exit0,
    ];
    const { fast } = runChecked(program(code, seg), { oracle });
    assert.equal(fast.status, Status.Exited);
    assert.deepEqual(
      [5, 6, 7, 8, 9, 13, 14, 15].map((r) => reg(fast, r)),
      [0, 22, 12, 0, 0, 6, 12, 0],
    );
    assert.deepEqual(fast.memory.readBytes(BUF + 10, 22), small.subarray(0, 22));
    assert.deepEqual(fast.memory.readBytes(BUF + 64, 12), small.subarray(40, 52));
    assert.deepEqual(fast.memory.readBytes(BUF + 128, 6), big.subarray(250, 256));
    assert.deepEqual(fast.memory.readBytes(BUF + 160, 12), big.subarray(288, 300));
    assert.deepEqual(fast.oracleKey, kBig);
  });
  it("BadOracleKey: no key selected, unknown type, keccak blob over 1024 bytes", () => {
    const none = runChecked(program([...sys(1001, BUF, 10, 0), ...exit0]), { oracle }).fast;
    assert.equal(none.status, Status.BadOracleKey);
    const unknown = [...sys(1000, KEYS + 96), ...sys(1001, BUF, 10, 0), ...exit0];
    assert.equal(runChecked(program(unknown, seg), { oracle }).fast.status, Status.BadOracleKey);
    const tooBig = [...sys(1000, KEYS + 64), ...sys(1001, BUF, 10, 0), ...exit0];
    assert.equal(runChecked(program(tooBig, seg), { oracle }).fast.status, Status.BadOracleKey);
  });
  it("misaligned key pointer halts MisalignedAccess; key beyond memLimit halts MemoryLimit", () => {
    assert.equal(runChecked(program([...sys(1000, KEYS + 4), ...exit0], seg)).fast.status, Status.MisalignedAccess);
    const m = runChecked(program([...sys(1000, 0x10000 - 32), ...sys(1000, 0x10000), ...exit0]), {
      memLimit: 0x10000,
    });
    assert.equal(m.fast.status, Status.MemoryLimit);
    assert.equal(m.fast.stepCount, 9 + 8); // the first select (9 instructions), the second halts at its ecall
  });
  it("a missing or wrong blob is an OracleError, not a halt", () => {
    const code = program([...sys(1000, KEYS), ...sys(1001, BUF, 10, 0), ...exit0], seg);
    const m = Machine.fromElf(code, { ...DEFAULT_OPTS });
    assert.throws(() => m.run(), OracleError);
    const liar = { get: () => big };
    assert.throws(() => Machine.fromElf(code, { ...DEFAULT_OPTS, oracle: liar }).run(), /does not match/);
  });
  it("tampered oracle witness is rejected", () => {
    const code = [...sys(1000, KEYS), ...sys(1001, BUF, 10, 3), ...sys(1000, KEYS + 32), ...sys(1001, BUF, 10, 40)];
    const m = Machine.fromElf(program([...code, ...exit0], seg), { ...DEFAULT_OPTS, oracle });
    const witnesses = [];
    while (m.status === 0 && witnesses.length < 200) witnesses.push(stepWithWitness(m));
    // The two oracle_read steps carry oracle witnesses right after the pc proof.
    const reads = witnesses.filter((w) => w.proof.length > 896 * 2);
    assert.equal(reads.length, 2);
    for (const w of reads) {
      assert.deepEqual(verifyStep(w.preState, w.proof), w.postHash);
      const bad = w.proof.slice();
      bad[896 + 40] ^= 1; // inside the blob (type 1) or the chunk root/proof (type 2)
      assert.throws(() => verifyStep(w.preState, bad), { name: "WitnessError" });
    }
  });
});
