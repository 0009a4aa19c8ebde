// The block compiler (Machine.run with compiled blocks) against the reference `step()`: real programs, every halt
// status, faults in the middle of blocks, step budgets that cut blocks, self-modifying code, snapshot/restore.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Machine, type MachineOptions, restore, Status, snapshot, Trace, toHex } from "@verity/vm";
import { blockSource, compiledBlockCount, scanBlock } from "../src/block-compiler.ts";
import { bytesCall, matmulCall, word } from "./abi.ts";
import { a, CODE, li, program } from "./asm.ts";
import { DEFAULT_OPTS, runChecked } from "./harness.ts";

const ROOT = join(import.meta.dirname, "../../..");
const text = (s: string) => new TextEncoder().encode(s);
const EAGER = { blockCompiler: true, compileThreshold: 0 } as const;
const DEFAULT = { blockCompiler: true } as const;
const INTERPRETER = { blockCompiler: false } as const;

/** A machine of `elf` with `opts` over the test defaults. */
function make(elf: Uint8Array, opts: Partial<MachineOptions>): Machine {
  return Machine.fromElf(elf, { ...DEFAULT_OPTS, ...opts });
}

/** Steps `m` with the reference `step()` `n` times (or until it halts). */
function stepN(m: Machine, n: number): void {
  for (let i = 0; i < n && m.status === Status.Running; i++) m.step();
}

/** State fingerprint compared between engines. */
function fingerprint(m: Machine): string {
  return `${m.status} ${m.stepCount} ${m.pc} ${toHex(m.stateHash())} ${toHex(m.outputData())}`;
}

/**
 * Runs `elf` under the reference (`step()` loop) and under `run(n)` with each engine for the same sequence of budgets,
 * comparing the full state after every chunk. Returns the reference machine.
 */
function compareChunked(elf: Uint8Array, opts: Partial<MachineOptions>, chunks: readonly number[]): Machine {
  const ref = make(elf, { ...opts, ...INTERPRETER });
  const engines = [
    { name: "eager", m: make(elf, { ...opts, ...EAGER }) },
    { name: "default", m: make(elf, { ...opts, ...DEFAULT }) },
    { name: "interpreter", m: make(elf, { ...opts, ...INTERPRETER }) },
  ];
  let i = 0;
  while (ref.status === Status.Running) {
    const n = chunks[i++ % chunks.length];
    stepN(ref, n);
    const want = fingerprint(ref);
    for (const { name, m } of engines) {
      m.run(n);
      assert.equal(fingerprint(m), want, `${name} after chunk ${i} (${n} transitions)`);
    }
  }
  for (const { m } of engines) assert.equal(m.run(5), ref.status);
  return ref;
}

const CHUNKS = [1, 2, 3, 5, 8, 13, 17, 64, 99, 1000, 4093, 7, 65_536] as const;

function example(name: string): { elf: Uint8Array; limits: MachineOptions } | undefined {
  const path = join(ROOT, `programs/${name}/build/${name.split("/")[1]}.elf`);
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(join(ROOT, `programs/${name}/program.json`), "utf8"));
  return { elf: new Uint8Array(readFileSync(path)), limits: manifest.limits };
}

const spin = (n: number) => concatU32("spin(uint32)", n);
function concatU32(sig: string, n: number): Uint8Array {
  const call = bytesCall(sig, new Uint8Array(0)).slice(0, 4);
  return new Uint8Array([...call, ...word(BigInt(n))]);
}

describe("block compiler: real programs equal the reference at every chunk boundary", { timeout: 120_000 }, () => {
  const cases: { name: string; input: Uint8Array }[] = [
    { name: "examples/echo", input: bytesCall("echo(bytes)", text("block compiler differential test input")) },
    { name: "examples/matmul", input: matmulCall(3, [1, 2, 3, 4, 5, 6, 7, 8, -9], [9, 8, 7, 6, 5, 4, 3, 2, 1]) },
    {
      name: "examples/keccak",
      input: bytesCall(
        "hash(bytes)",
        Uint8Array.from({ length: 300 }, (_, i) => i * 7),
      ),
    },
    { name: "bench/loop", input: spin(3000) },
    { name: "bench/touch", input: concatU32("touch(uint32)", 16_384) },
    {
      name: "examples/numeric",
      input: (() => {
        const sel = bytesCall("infer(int32[])", new Uint8Array(0)).slice(0, 4);
        const xs = Array.from({ length: 16 }, (_, i) => BigInt((i * 37) % 11) - 5n);
        return new Uint8Array([...sel, ...word(32n), ...word(16n), ...xs.flatMap((x) => [...word(x)])]);
      })(),
    },
  ];
  for (const { name, input } of cases) {
    const ex = example(name);
    it(name, { skip: ex === undefined && "program not built" }, () => {
      if (ex === undefined) return;
      const ref = compareChunked(ex.elf, { ...ex.limits, input }, CHUNKS);
      assert.equal(ref.status, Status.Exited);
      assert.equal(ref.exitCode, 0);
      assert.ok(ref.stepCount > 500, `only ${ref.stepCount} steps`);
    });
  }

  it("the compiler really runs: eager machines compile blocks (shared cache grows or is hit)", () => {
    const ex = example("bench/loop");
    if (ex === undefined) return;
    const m = Machine.fromElf(ex.elf, { ...ex.limits, input: spin(100), ...EAGER });
    assert.equal(m.blockCompiler, true);
    assert.equal(Machine.fromElf(ex.elf, { ...ex.limits, ...INTERPRETER }).blockCompiler, false);
    m.run();
    assert.equal(m.status, Status.Exited);
    assert.ok(compiledBlockCount() > 0);
  });

  it("loop: one long run with the default threshold equals the interpreter (hash, steps, output)", () => {
    const ex = example("bench/loop");
    if (ex === undefined) return;
    const opts = { ...ex.limits, input: spin(200_000) };
    const x = Machine.fromElf(ex.elf, { ...opts, ...DEFAULT });
    const y = Machine.fromElf(ex.elf, { ...opts, ...INTERPRETER });
    x.run();
    y.run();
    assert.equal(fingerprint(x), fingerprint(y));
  });
});

/** Code that exits with code 0 after `body`. */
const withExit = (body: number[]): number[] => [...body, ...li(17, 93), a.addi(10, 0, 0), a.ecall()];

describe("block compiler: budgets and step limits cut blocks exactly", { timeout: 120_000 }, () => {
  // A self-looping block of 5 instructions (the loop branches back to its own start), 40 iterations.
  const loop = program(
    withExit([
      ...li(5, 40),
      a.addi(6, 6, 3), // loop start (index 2)
      a.xor(7, 7, 6),
      a.slli(8, 6, 2),
      a.addi(5, 5, -1),
      a.bne(5, 0, -16),
    ]),
  );

  it("run(n) stops at exactly n steps for every n up to the end", () => {
    const total = (() => {
      const m = make(loop, INTERPRETER);
      m.run();
      return m.stepCount;
    })();
    for (let n = 0; n <= total + 1; n++) {
      const ref = make(loop, INTERPRETER);
      stepN(ref, n);
      const m = make(loop, EAGER);
      m.run(n);
      assert.equal(fingerprint(m), fingerprint(ref), `run(${n})`);
    }
  });

  it("run(k) repeatedly with k not a multiple of the block length", () => {
    for (const k of [1, 2, 3, 4, 6, 7, 11]) compareChunked(loop, {}, [k]);
    compareChunked(loop, {}, [3, 1, 4, 1, 5, 9, 2, 6]);
  });

  it("maxSteps inside a block (and inside a self-loop iteration) halts StepLimit at the exact step", () => {
    for (let max = 0; max <= 60; max++) {
      const ref = make(loop, { ...INTERPRETER, maxSteps: max });
      while (ref.status === Status.Running) ref.step();
      for (const opts of [EAGER, DEFAULT]) {
        const m = make(loop, { ...opts, maxSteps: max });
        m.run();
        assert.equal(fingerprint(m), fingerprint(ref), `maxSteps ${max}`);
        if (max < 100) assert.equal(m.status, Status.StepLimit);
      }
    }
  });

  it("progress callbacks fire at the same step counts as the interpreter", () => {
    const seen = (opts: Partial<MachineOptions>) => {
      const m = make(loop, opts);
      const at: number[] = [];
      m.run(Number.POSITIVE_INFINITY, { onProgress: (x) => at.push(x.stepCount), progressInterval: 7 });
      return at;
    };
    assert.deepEqual(seen(EAGER), seen(INTERPRETER));
    assert.ok(seen(EAGER).length > 10);
  });

  it("Trace.record with compiled blocks equals straight stepping at every index", () => {
    const hashes: string[] = [];
    const ref = make(loop, INTERPRETER);
    hashes.push(toHex(ref.stateHash()));
    while (ref.status === Status.Running) {
      ref.step();
      hashes.push(toHex(ref.stateHash()));
    }
    const trace = Trace.record(make(loop, EAGER), { interval: 23 });
    assert.equal(trace.length, hashes.length - 1);
    for (let i = hashes.length - 1; i >= 0; i -= 3) assert.equal(toHex(trace.stateHashAt(i)), hashes[i], `index ${i}`);
    for (let i = 0; i < hashes.length; i += 5) assert.equal(toHex(trace.stateHashAt(i)), hashes[i], `index ${i}`);
  });
});

describe("block compiler: faults in the middle of a block leave the reference state", { timeout: 120_000 }, () => {
  const D = 0x4000;
  // Each body starts with register writes that must be visible, then faults, then would write more.
  const cases: [string, number[], Partial<MachineOptions>, Status][] = [
    ["misaligned lw", [a.addi(6, 0, 11), a.lw(7, 5, 2), a.addi(8, 0, 1)], {}, Status.MisalignedAccess],
    ["misaligned lh", [a.addi(6, 0, 11), a.lh(7, 5, 1), a.addi(8, 0, 1)], {}, Status.MisalignedAccess],
    ["misaligned lhu", [a.addi(6, 0, 11), a.lhu(7, 5, 3), a.addi(8, 0, 1)], {}, Status.MisalignedAccess],
    ["misaligned sw", [a.addi(6, 0, 11), a.sw(6, 5, 1), a.addi(8, 0, 1)], {}, Status.MisalignedAccess],
    ["misaligned sh", [a.addi(6, 0, 11), a.sh(6, 5, 3), a.addi(8, 0, 1)], {}, Status.MisalignedAccess],
    ["lw at memLimit", [a.addi(6, 0, 11), a.lw(7, 9, 0), a.addi(8, 0, 1)], { memLimit: 0x10000 }, Status.MemoryLimit],
    ["lb at memLimit", [a.addi(6, 0, 11), a.lb(7, 9, 0), a.addi(8, 0, 1)], { memLimit: 0x10000 }, Status.MemoryLimit],
    ["lbu below memLimit", [a.addi(6, 0, 11), a.lbu(7, 9, -1), a.addi(8, 0, 1)], { memLimit: 0x10000 }, Status.Exited],
    [
      "lhu straddling",
      [a.addi(6, 0, 11), a.lhu(7, 9, -1), a.addi(8, 0, 1)],
      { memLimit: 0x10000 },
      Status.MisalignedAccess,
    ],
    [
      "lw x0 at memLimit",
      [a.addi(6, 0, 11), a.lw(0, 9, 0), a.addi(8, 0, 1)],
      { memLimit: 0x10000 },
      Status.MemoryLimit,
    ],
    [
      "sw at memLimit",
      [a.addi(6, 0, 11), a.sw(6, 9, -2 + 2), a.addi(8, 0, 1)],
      { memLimit: 0x10000 },
      Status.MemoryLimit,
    ],
    ["sh at memLimit-1", [a.addi(6, 0, 11), a.sh(6, 9, -2), a.addi(8, 0, 1)], { memLimit: 0x10000 }, Status.Exited],
    ["sb at memLimit", [a.addi(6, 0, 11), a.sb(6, 9, 0), a.addi(8, 0, 1)], { memLimit: 0x10000 }, Status.MemoryLimit],
    ["sw near 2^32", [a.addi(6, 0, 11), a.sw(6, 10, 0), a.addi(8, 0, 1)], {}, Status.MemoryLimit],
    ["misaligned jalr", [a.addi(6, 0, 11), a.jalr(1, 11, 0)], {}, Status.MisalignedAccess],
    ["misaligned taken beq", [a.addi(6, 0, 11), a.beq(0, 0, 6)], {}, Status.MisalignedAccess],
    ["misaligned untaken beq", [a.addi(6, 0, 11), a.beq(6, 0, 6), a.addi(8, 0, 1)], {}, Status.Exited],
    ["misaligned jal", [a.addi(6, 0, 11), a.jal(1, 2)], {}, Status.MisalignedAccess],
    ["illegal word", [a.addi(6, 0, 11), 0xffffffff, a.addi(8, 0, 1)], {}, Status.IllegalInstruction],
    ["ebreak", [a.addi(6, 0, 11), a.ebreak(), a.addi(8, 0, 1)], {}, Status.Breakpoint],
    ["unknown syscall", [a.addi(6, 0, 11), ...li(17, 5), a.ecall()], {}, Status.UnknownSyscall],
  ];
  for (const [name, body, opts, status] of cases) {
    it(name, () => {
      const code = withExit([...li(5, D), ...li(9, 0x10000), ...li(10, 0xfffffffc), ...li(11, CODE + 2), ...body]);
      const { fast, slow } = runChecked(program(code), opts);
      assert.equal(slow.status, status);
      assert.equal(fast.status, status);
      // Eager compiled run against the reference, field by field (runChecked compares the hashes).
      const m = make(program(code), { ...opts, ...EAGER });
      m.run();
      assert.equal(m.pc, slow.pc);
      assert.equal(m.stepCount, slow.stepCount);
      assert.deepEqual([...m.regs.slice(0, 32)], [...slow.regs.slice(0, 32)]);
      if (status !== Status.Exited) assert.equal(m.regs[8], 0, "nothing after the fault ran");
    });
  }

  it("registers a block writes only after the fault keep their values (write-first registers are not loaded)", () => {
    // The jal splits the code: the second block writes x7/x8/x9 first, and faults before some of those writes.
    for (const fault of [a.lw(12, 5, 2), a.sw(6, 5, 1), a.jalr(1, 11, 0), a.lh(12, 5, 1)]) {
      for (const at of [0, 1, 2, 3]) {
        const body = [a.addi(7, 0, 1), a.lui(8, 0x77000), a.add(9, 7, 8)];
        body.splice(at, 0, fault);
        const init = [...li(5, D), ...li(6, 3), ...li(7, 0x1234), ...li(8, 0x5678), ...li(9, -7), ...li(11, CODE + 2)];
        const code = withExit([...init, a.jal(0, 4), ...body]);
        const { slow } = runChecked(program(code));
        const m = make(program(code), EAGER);
        m.run();
        assert.equal(m.status, slow.status, `fault at ${at}`);
        assert.deepEqual([...m.regs.slice(0, 32)], [...slow.regs.slice(0, 32)], `fault at ${at}`);
        assert.equal(m.stepCount, slow.stepCount);
      }
    }
  });

  it("a self-looping block that walks into memLimit halts at the exact iteration and instruction", () => {
    // Store to increasing addresses until the store crosses memLimit (mid-block, after many iterations).
    const code = withExit([...li(5, 0x8000), a.addi(6, 6, 1), a.sw(6, 5, 0), a.addi(5, 5, 4), a.jal(0, -12)]);
    for (const memLimit of [0x8010, 0x9000, 0x9002]) {
      const ref = compareChunked(program(code), { memLimit }, [1_000_000]);
      assert.equal(ref.status, memLimit === 0x9002 ? Status.MemoryLimit : Status.MemoryLimit);
      compareChunked(program(code), { memLimit }, [5, 3, 17]);
    }
  });

  it("one compiled function serves machines with different memLimits (limits are read per machine)", () => {
    const code = withExit([...li(5, 0x9000), a.addi(6, 0, 1), a.lw(7, 5, 0), a.addi(8, 0, 2)]);
    for (const memLimit of [0x9000, 0x9004, 0x20000, 0x9003]) {
      const ref = compareChunked(program(code), { memLimit }, [1000]);
      assert.equal(ref.status, memLimit < 0x9004 ? Status.MemoryLimit : Status.Exited);
    }
  });

  it("running off memLimit at a block end halts MemoryLimit at fetch", () => {
    for (const n of [1, 2, 3, 7]) {
      const elf = program(Array.from({ length: n }, () => a.addi(5, 5, 1)));
      const ref = compareChunked(elf, { memLimit: CODE + 4 * n }, [100]);
      assert.equal(ref.status, Status.MemoryLimit);
      assert.equal(ref.stepCount, n);
    }
  });
});

describe("block compiler: self-modifying code", { timeout: 120_000 }, () => {
  it("a store patching a later instruction of the same block is executed afterwards", () => {
    // Straight-line block: store `addi x6, x0, 42` over the instruction right after the store.
    const patched = a.addi(6, 0, 42);
    const code = [
      ...li(5, patched),
      ...li(7, CODE + 4 * 5),
      a.sw(5, 7, 0),
      a.addi(6, 0, 1), // index 5, overwritten
      ...li(17, 93),
      a.addi(10, 6, 0),
      a.ecall(),
    ];
    assert.equal(code[5], a.addi(6, 0, 1));
    const { fast } = runChecked(program(code));
    assert.equal(fast.exitCode, 42);
    for (const opts of [EAGER, DEFAULT, INTERPRETER]) {
      const m = make(program(code), opts);
      m.run();
      assert.equal(m.exitCode, 42);
    }
  });

  it("a self-looping block rewriting its own body takes the new code from the next instruction on", () => {
    // Loop body: x6 += 1 (the word at index L), after 5 iterations patch that word to `addi x6, x6, 100`.
    const L = 6;
    const code = withExit([
      ...li(5, a.addi(6, 6, 100)), // 0,1
      ...li(7, CODE + 4 * L), // 2,3
      ...li(9, 20), // 4,5 iterations
      a.addi(6, 6, 1), // 6 = L: loop start
      a.addi(9, 9, -1), // 7
      a.addi(8, 9, -15), // 8
      a.bne(8, 0, 8), // 9: skip the store unless x9 == 15
      a.sw(5, 7, 0), // 10: patch word L
      a.bne(9, 0, -20), // 11 -> 6
    ]);
    const { fast } = runChecked(program(code));
    assert.equal(fast.status, Status.Exited);
    assert.equal(fast.regs[6], 5 + 15 * 100);
    compareChunked(program(code), {}, [1, 4, 9, 2]);
    compareChunked(program(code), {}, [1000]);
  });

  it("patching a compiled block on another page, and a syscall (read) writing over code", () => {
    // Page 1 (CODE) jumps to a routine on page 2 that adds 1 to x6 and returns, patches the routine, calls it again.
    const far = 0x2000;
    const code: number[] = [];
    const callFar = [...li(1, far), a.jalr(1, 1, 0)];
    code.push(...callFar, ...callFar); // compile it
    code.push(...li(5, a.addi(6, 6, 50)), ...li(7, far), a.sw(5, 7, 0), ...callFar);
    // read(0, far, 4): the input holds `addi x6, x6, 7`
    code.push(...li(17, 63), a.addi(10, 0, 0), a.addi(11, 7, 0), a.addi(12, 0, 4), a.ecall(), ...callFar);
    code.push(...li(17, 93), a.addi(10, 6, 0), a.ecall());
    while (code.length < (far - CODE) / 4) code.push(a.ebreak());
    code.push(a.addi(6, 6, 1), a.jalr(0, 1, 0));
    const input = new Uint8Array(new Uint32Array([a.addi(6, 6, 7)]).buffer);
    const { fast } = runChecked(program(code), { input });
    assert.equal(fast.status, Status.Exited);
    assert.equal(fast.exitCode, 1 + 1 + 50 + 7);
    compareChunked(program(code), { input }, [1, 2, 3, 1000]);
  });
});

describe("block compiler: snapshots and restore", { timeout: 120_000 }, () => {
  // Runs a loop 30 times, then rewrites the loop's increment and runs it 30 more times.
  const L = 4;
  const code = withExit([
    ...li(9, 30), // 0,1
    ...li(7, CODE + 4 * L), // 2,3
    a.addi(6, 6, 1), // 4 = L: loop
    a.addi(9, 9, -1),
    a.bne(9, 0, -8),
    ...li(5, a.addi(6, 6, 1000)),
    a.sw(5, 7, 0),
    a.addi(20, 20, 1),
    a.addi(8, 20, -2),
    a.beq(8, 0, 16), // 12: second pass done -> exit (16)
    ...li(9, 30), // 13, 14
    a.jal(0, -4 * 11), // 15: back to the loop (4)
  ]);
  const elf = program(code);

  it("restoring a snapshot taken before a code patch runs the old code again", () => {
    const ref = make(elf, INTERPRETER);
    stepN(ref, 50);
    const h50 = fingerprint(ref);
    while (ref.status === Status.Running) ref.step();
    const m = make(elf, EAGER);
    m.run(50);
    assert.equal(fingerprint(m), h50);
    const s = snapshot(m);
    m.run();
    assert.equal(fingerprint(m), fingerprint(ref));
    assert.equal(m.regs[6], 30 + 30 * 1000);
    // Back before the patch: the blocks compiled from the patched words must not be used.
    restore(m, s);
    assert.equal(fingerprint(m), h50);
    m.run();
    assert.equal(fingerprint(m), fingerprint(ref));
    // Into another machine that compiled the patched code first.
    const other = make(elf, EAGER);
    other.run();
    restore(other, s);
    other.run();
    assert.equal(fingerprint(other), fingerprint(ref));
  });

  it("the machine keeps running correctly after a snapshot is taken mid-run", () => {
    for (const at of [1, 10, 37, 60, 100]) {
      const m = make(elf, EAGER);
      m.run(at);
      const s = snapshot(m);
      m.run(13);
      const x = make(elf, EAGER);
      restore(x, s);
      x.run(13);
      assert.equal(fingerprint(x), fingerprint(m), `snapshot at ${at}`);
    }
    compareChunked(elf, {}, [1, 10, 100]);
  });
});

describe("block compiler: random programs against the reference", { timeout: 120_000 }, () => {
  /** Deterministic PRNG (xorshift32). */
  function rng(seed: number): () => number {
    let s = seed | 1;
    return () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s >>> 0;
    };
  }
  const R3 = [a.add, a.sub, a.sll, a.slt, a.sltu, a.xor, a.srl, a.sra, a.or, a.and];
  const M3 = [a.mul, a.mulh, a.mulhsu, a.mulhu, a.div, a.divu, a.rem, a.remu];
  const I2 = [a.addi, a.slti, a.sltiu, a.xori, a.ori, a.andi];
  const SH = [a.slli, a.srli, a.srai];
  const LD = [a.lb, a.lh, a.lw, a.lbu, a.lhu];
  const ST = [a.sb, a.sh, a.sw];
  const BR = [a.beq, a.bne, a.blt, a.bge, a.bltu, a.bgeu];
  const VALUES = [0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 0x80, 3, 0x12345678];

  /** A random program: register setup, a body looped `x30` times, exit. x31 is the memory base, x30 the counter. */
  function randomProgram(seed: number, intoCode: boolean): number[] {
    const next = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length];
    const reg = () => 1 + (next() % 12); // x1..x12
    const code: number[] = [];
    for (let r = 1; r <= 12; r++) code.push(...li(r, pick(VALUES) ^ (next() % 3 === 0 ? next() : 0)));
    code.push(...li(31, intoCode ? CODE + 4 * 40 : 0x8000), ...li(30, 1 + (next() % 6)));
    const start = code.length;
    const n = 20 + (next() % 40);
    const body: number[] = [];
    for (let k = 0; k < n; k++) {
      const kind = next() % 10;
      const left = n - k; // instructions until the loop tail
      if (kind < 3) body.push(pick(R3)(reg(), reg(), reg()));
      else if (kind < 4) body.push(pick(M3)(reg(), reg(), reg()));
      else if (kind < 5) body.push(pick(I2)(reg(), reg(), ((next() % 4096) << 20) >> 20));
      else if (kind < 6) body.push(pick(SH)(reg(), reg(), next() % 32));
      else if (kind < 7) body.push(pick(LD)(reg(), 31, (next() % 128) - 64));
      else if (kind < 8) body.push(pick(ST)(reg(), 31, (next() % 128) - 64));
      else if (kind < 9 && left > 1) body.push(pick(BR)(reg(), reg(), 4 * (1 + (next() % Math.min(left, 8)))));
      else body.push(next() % 2 === 0 ? a.lui(reg(), next() & 0xfffff000) : a.auipc(reg(), next() & 0xfffff000));
    }
    code.push(...body, a.addi(30, 30, -1), a.bne(30, 0, -4 * (body.length + 1)));
    code.push(...li(17, 93), a.addi(10, 1, 0), a.ecall());
    void start;
    return code;
  }

  it("200 random programs (ALU, M, loads, stores, branches, loops)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const elf = program(randomProgram(seed * 7919, false));
      compareChunked(elf, { maxSteps: 20_000 }, seed % 2 === 0 ? [100_000] : [1, 3, 7, 50]);
    }
  });

  it("60 random programs whose stores hit their own code", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const elf = program(randomProgram(seed * 104_729, true));
      compareChunked(elf, { maxSteps: 20_000 }, [1, 5, 100_000]);
    }
  });
});

describe("block compiler: scanning and source", { timeout: 120_000 }, () => {
  it("blocks end at the first control transfer, before ECALL/EBREAK/illegal words, at the page end", () => {
    const elf = program([a.addi(5, 5, 1), a.addi(6, 6, 1), a.bne(5, 6, -8), a.addi(7, 7, 1), a.ecall()]);
    const m = make(elf, EAGER);
    assert.equal(scanBlock(m.memory, CODE, m.memLimit).length, 3);
    assert.equal(scanBlock(m.memory, CODE + 12, m.memLimit).length, 1);
    assert.equal(scanBlock(m.memory, CODE + 16, m.memLimit).length, 0);
    assert.equal(scanBlock(m.memory, CODE + 8, CODE + 8).length, 0);
    // At the page end: the last word of the page only.
    assert.equal(scanBlock(m.memory, 0x1ffc, m.memLimit).length, 0); // zero word: illegal
    m.memory.storeWord(0x1ffc, a.addi(5, 5, 1));
    m.memory.storeWord(0x2000, a.addi(5, 5, 1));
    assert.equal(scanBlock(m.memory, 0x1ffc, m.memLimit).length, 1);
  });

  it("forward and backward branches to other pcs are side exits; a jump or a branch to the start ends the block", () => {
    const elf = program([
      a.addi(5, 5, 1), // 0
      a.beq(5, 6, 12), // 1: forward side exit
      a.addi(6, 6, 1), // 2
      a.bne(5, 7, -4), // 3: backward to 2, side exit
      a.blt(5, 6, -16), // 4: back to the start: ends the block
      a.addi(7, 7, 1), // 5
      a.jal(0, 8), // 6: ends the block
      a.addi(8, 8, 1), // 7
    ]);
    const m = make(elf, EAGER);
    assert.equal(scanBlock(m.memory, CODE, m.memLimit).length, 5);
    assert.equal(scanBlock(m.memory, CODE + 4, m.memLimit).length, 6);
    assert.equal(scanBlock(m.memory, CODE + 8, m.memLimit).length, 2); // the bne at 3 branches to its block start
    const src = blockSource(CODE + 4, scanBlock(m.memory, CODE + 4, m.memLimit));
    assert.match(src, /return 1; \}/, "the taken side exit at index 0 reports one step");
  });

  it("the generated source keeps registers in locals and loops on a self-branch", () => {
    const insns = scanBlock(make(program([a.addi(5, 5, 1), a.bne(5, 6, -4)]), EAGER).memory, CODE, 1 << 20);
    const src = blockSource(CODE, insns);
    assert.match(src, /let x5 = r\[5\];/);
    assert.match(src, /continue;/);
    assert.match(src, /r\[5\] = x5;/);
    assert.doesNotMatch(src, /r\[6\] = /, "registers only read are not written back");
  });
});
