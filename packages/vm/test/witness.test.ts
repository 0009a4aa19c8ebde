import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  decodeState,
  encodeState,
  Machine,
  type MachineOptions,
  Status,
  stepWithWitness,
  toHex,
  verifyStep,
  WitnessError,
} from "@verity/vm";
import { bytesCall, matmulCall, word } from "./abi.ts";
import { a, buildElf, li, program, words } from "./asm.ts";
import { DEFAULT_OPTS } from "./harness.ts";

const ROOT = join(import.meta.dirname, "../../..");
const elfPath = (name: string) => join(ROOT, `programs/examples/${name}/build/${name}.elf`);
const text = (s: string) => new TextEncoder().encode(s);

const REAL: { name: string; input: Uint8Array }[] = [
  { name: "echo", input: bytesCall("echo(bytes)", text("hello verity, this is an echo test of 50 bytes...")) },
  { name: "matmul", input: matmulCall(3, [1, 2, 3, 4, 5, 6, 7, 8, -9], [1, 0, 0, 0, 1, 0, 0, 0, 1]) },
  {
    name: "numeric",
    input: (() => {
      // infer(int32[] x) with 16 values
      const sel = bytesCall("infer(int32[])", new Uint8Array(0)).slice(0, 4);
      const xs = Array.from({ length: 16 }, (_, i) => BigInt((i * 37) % 11) - 5n);
      return new Uint8Array([...sel, ...word(32n), ...word(16n), ...xs.flatMap((x) => [...word(x)])]);
    })(),
  },
];

function realOpts(name: string, input: Uint8Array): MachineOptions {
  const manifest = JSON.parse(readFileSync(join(ROOT, `programs/examples/${name}/program.json`), "utf8"));
  return { input, ...manifest.limits };
}

/** Steps with witnesses, checking each with the verifier; returns all witnesses. */
function verifyAll(m: Machine, max: number) {
  const ws = [];
  while (m.status === Status.Running && ws.length < max) {
    const w = stepWithWitness(m);
    assert.equal(toHex(verifyStep(w.preState, w.proof)), toHex(w.postHash), `step ${ws.length}`);
    ws.push(w);
  }
  return ws;
}

function runQemu(elf: Uint8Array, input: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "vm-qemu-"));
  const path = join(dir, "prog.elf");
  writeFileSync(path, elf);
  try {
    return spawnSync("qemu-riscv32", [path], { input, timeout: 20_000 });
  } finally {
    rmSync(dir, { recursive: true });
  }
}

/** Whether qemu-riscv32 runs a minimal guest (exit 42); sandboxes may forbid its address-space reservation. */
function qemuWorks(): boolean {
  const code = [...li(17, 93), a.addi(10, 0, 42), a.ecall()];
  const elf = buildElf(0x10000, [{ vaddr: 0x10000, data: words(code), offset: 0x1000, flags: 5 }]);
  return runQemu(elf, new Uint8Array(0)).status === 42;
}

describe("witness verifier vs interpreter on every step", () => {
  it("assembled program with loads, stores, syscalls, M ops", () => {
    const input = Uint8Array.from({ length: 45 }, (_, i) => i * 3);
    const code = [
      // read up to 40 bytes to 0x2000 in a loop, sum words with mul/div, write the sum and exit.
      ...li(20, 0x2000),
      ...li(21, 0),
      // loop: read(0, x20 + x21, 64)
      ...li(17, 63),
      a.addi(10, 0, 0),
      a.add(11, 20, 21),
      a.addi(12, 0, 64),
      a.ecall(),
      a.add(21, 21, 10),
      a.bne(10, 0, -20),
      a.lw(5, 20, 0),
      a.lw(6, 20, 4),
      a.mul(7, 5, 6),
      a.mulh(8, 5, 6),
      a.divu(9, 7, 6),
      a.rem(13, 8, 5),
      a.sw(7, 20, 64),
      a.sh(8, 20, 70),
      a.sb(9, 20, 73),
      ...li(17, 64),
      a.addi(10, 0, 1),
      a.addi(11, 20, 60),
      a.addi(12, 0, 16),
      a.ecall(),
      ...li(17, 93),
      a.addi(10, 21, 0),
      a.ecall(),
    ];
    const m = Machine.fromElf(program(code), { ...DEFAULT_OPTS, input });
    const ws = verifyAll(m, 10_000);
    assert.equal(m.status, Status.Exited);
    assert.equal(m.exitCode, 45);
    assert.ok(ws.length > 40);
  });

  for (const { name, input } of REAL) {
    const path = elfPath(name);
    // numeric runs ~2M steps: its witnesses are checked on a prefix and a window near the end.
    it(`example ELF ${name}`, { skip: !existsSync(path) && "example ELF not built" }, () => {
      const elf = new Uint8Array(readFileSync(path));
      const opts = realOpts(name, input);
      const fast = Machine.fromElf(elf, opts);
      fast.run();
      assert.equal(fast.status, Status.Exited);
      assert.equal(fast.exitCode, 0);
      const full = fast.stepCount < 20_000;
      const m = Machine.fromElf(elf, opts);
      const ws = verifyAll(m, full ? 200_000 : 1500);
      if (full) {
        assert.equal(ws.length, fast.stepCount + 1); // the exit ecall is the halting transition
      } else {
        m.run(fast.stepCount - 1500 - m.stepCount);
        verifyAll(m, 10_000);
      }
      assert.deepEqual(m.stateHash(), fast.stateHash());
      assert.deepEqual(m.outputData(), fast.outputData());
    });
  }

  it("example ELF keccak: fast path equals reference stepping; witnesses on a prefix", () => {
    const path = elfPath("keccak");
    if (!existsSync(path)) return;
    const elf = new Uint8Array(readFileSync(path));
    const opts = realOpts("keccak", bytesCall("hash(bytes)", text("abc")));
    const fast = Machine.fromElf(elf, opts);
    fast.run();
    const slow = Machine.fromElf(elf, opts);
    while (slow.status === Status.Running) slow.step();
    assert.deepEqual(slow.stateHash(), fast.stateHash());
    assert.equal(toHex(fast.outputData()), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    verifyAll(Machine.fromElf(elf, opts), 3000);
  });

  it("an assembled program behaves the same under qemu-riscv32", (t) => {
    if (!qemuWorks()) return t.skip("qemu-riscv32 is missing or cannot run guest programs here");
    // Reads all input (short reads in the VM, whole reads under Linux), adds 1 to every byte, writes it back in a
    // loop over short writes and exits with the length.
    const BUF = 0x20000;
    const code = [
      ...li(20, BUF), // 0
      ...li(21, 0), // 2
      ...li(17, 63), // 4: read loop
      a.addi(10, 0, 0), // 6
      a.add(11, 20, 21), // 7
      ...li(12, 4096), // 8
      a.ecall(), // 10
      a.add(21, 21, 10), // 11
      a.bne(10, 0, -32), // 12 -> 4
      a.addi(22, 0, 0), // 13
      a.bge(22, 21, 28), // 14 -> 21
      a.add(23, 20, 22), // 15
      a.lbu(24, 23, 0), // 16
      a.addi(24, 24, 1), // 17
      a.sb(24, 23, 0), // 18
      a.addi(22, 22, 1), // 19
      a.jal(0, -24), // 20 -> 14
      ...li(22, 0), // 21
      ...li(17, 64), // 23: write loop
      a.addi(10, 0, 1), // 25
      a.add(11, 20, 22), // 26
      a.sub(12, 21, 22), // 27
      a.ecall(), // 28
      a.add(22, 22, 10), // 29
      a.blt(22, 21, -28), // 30 -> 23
      ...li(17, 93), // 31
      a.addi(10, 21, 0), // 33
      a.ecall(), // 34
    ];
    // Page-congruent file offsets so that qemu can map the segments.
    const elf = buildElf(0x10000, [
      { vaddr: 0x10000, data: words(code), offset: 0x1000, flags: 5 },
      { vaddr: BUF, data: new Uint8Array(0), memsz: 0x2000, offset: 0x1000, flags: 6 },
    ]);
    const input = Uint8Array.from({ length: 200 }, (_, i) => (i * 13) & 0xff);
    const m = Machine.fromElf(elf, { ...DEFAULT_OPTS, input });
    m.run();
    assert.equal(m.status, Status.Exited);
    assert.equal(m.exitCode, 200);
    assert.deepEqual(
      m.outputData(),
      input.map((x) => (x + 1) & 0xff),
    );
    const q = runQemu(elf, input);
    assert.equal(q.status, m.exitCode);
    assert.equal(toHex(new Uint8Array(q.stdout)), toHex(m.outputData()));
  });
});

describe("witness rejection", () => {
  const input = Uint8Array.from({ length: 40 }, (_, i) => i);
  const code = [
    ...li(20, 0x2000),
    ...li(17, 63),
    a.addi(10, 0, 0),
    a.addi(11, 20, 0),
    a.addi(12, 0, 8),
    a.ecall(), // read: pc proof + data proof + input chunk proof
    a.sw(10, 20, 32), // store: pc proof + data proof
    ...li(17, 93),
    a.ecall(),
  ];
  const m = Machine.fromElf(program(code), { ...DEFAULT_OPTS, input });
  const ws = verifyAll(m, 100);
  const readStep = ws.find((w) => w.proof.length > 2 * 896)!;
  const storeStep = ws.find((w) => w.proof.length === 2 * 896)!;
  const aluStep = ws[0];

  it("fixtures have the expected shapes", () => {
    assert.equal(aluStep.proof.length, 896);
    assert.equal(storeStep.proof.length, 2 * 896);
    assert.equal(readStep.proof.length, 2 * 896 + 32 * 2); // 40 bytes of input: 2 chunks, depth 1
  });
  it("tampered memory proofs (leaf and sibling bytes, pc and data proof)", () => {
    for (const w of [aluStep, storeStep, readStep]) {
      for (const off of [0, 5, 32, 31 * 32, 895, 896, 896 + 100, 2 * 896 - 1]) {
        if (off >= w.proof.length) continue;
        const bad = w.proof.slice();
        bad[off] ^= 0x80;
        assert.throws(() => verifyStep(w.preState, bad), WitnessError, `offset ${off}`);
      }
    }
  });
  it("tampered input chunk", () => {
    for (const off of [2 * 896, 2 * 896 + 7, 2 * 896 + 40]) {
      const bad = readStep.proof.slice();
      bad[off] ^= 1;
      assert.throws(() => verifyStep(readStep.preState, bad), /input chunk proof/);
    }
  });
  it("wrong pre-state (another memRoot or pc) is rejected", () => {
    const s = decodeState(storeStep.preState);
    s.memRoot = aluStep.preState.slice(0, 32);
    assert.throws(() => verifyStep(encodeState(s), storeStep.proof), /does not match memRoot/);
    const s2 = decodeState(storeStep.preState);
    s2.pc += 4;
    assert.throws(() => verifyStep(encodeState(s2), storeStep.proof), WitnessError);
    const s3 = decodeState(readStep.preState);
    s3.inputRoot = new Uint8Array(32).fill(1);
    assert.throws(() => verifyStep(encodeState(s3), readStep.proof), /inputRoot/);
  });
  it("truncated or overlong encodings", () => {
    assert.throws(() => verifyStep(storeStep.preState.subarray(0, 328), storeStep.proof), /329/);
    assert.throws(() => verifyStep(storeStep.preState, storeStep.proof.subarray(0, 896 + 500)), /truncated/);
    assert.throws(() => verifyStep(aluStep.preState, new Uint8Array(0)), /truncated/);
    assert.throws(() => verifyStep(aluStep.preState, new Uint8Array([...aluStep.proof, 0])), /trailing/);
    const badStatus = storeStep.preState.slice();
    badStatus[204] = 10;
    assert.throws(() => verifyStep(badStatus, storeStep.proof), /status/);
  });
  it("pre-state of a halted machine needs an empty proof and hashes to itself", () => {
    const last = stepWithWitness(m);
    assert.equal(last.proof.length, 0);
    assert.deepEqual(verifyStep(last.preState, last.proof), last.postHash);
    assert.equal(last.postHash[0], Status.Exited);
    assert.throws(() => verifyStep(last.preState, aluStep.proof), /trailing/);
  });
});
