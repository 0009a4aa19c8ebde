// Benchmarks of the proving VM: interpreter speed on a CPU-bound loop and on the example ELFs (vs qemu-riscv32 when
// it can run here), the cost of a state hash after touching 64 MiB, and of checkpoint snapshot/restore.
// Run: node --import tsx --conditions=source bench/vm/interpreter.ts [loopSteps]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak, Machine, restore, Status, snapshot, statusName } from "@verity/vm";
import { a, buildElf, li, words } from "../../packages/vm/test/asm.ts";

const ROOT = join(import.meta.dirname, "../..");
const loopSteps = Number(process.argv[2] ?? 1e8);

function elfOf(code: number[], bss = 0x10000): Uint8Array {
  // Page-congruent offsets so that qemu-riscv32 can map the segments too.
  return buildElf(0x10000, [
    { vaddr: 0x10000, data: words(code), offset: 0x1000, flags: 5 },
    { vaddr: 0x100000, data: new Uint8Array(0), memsz: bss, offset: 0x1000, flags: 6 },
  ]);
}

function qemu(elf: Uint8Array, input: Uint8Array): { ms: number; status: number | null } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "vm-bench-"));
  const path = join(dir, "p.elf");
  writeFileSync(path, elf);
  try {
    const t = performance.now();
    const r = spawnSync("qemu-riscv32", [path], { input, timeout: 600_000 });
    const ms = performance.now() - t;
    if (r.error) return undefined;
    return { ms, status: r.status };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const probe = qemu(elfOf([...li(17, 93), a.addi(10, 0, 42), a.ecall()]), new Uint8Array(0));
const qemuOk = probe?.status === 42;
console.log(`qemu-riscv32: ${qemuOk ? "available" : "cannot run guest programs here (exits before executing)"}`);

function timeRun(label: string, elf: Uint8Array, input: Uint8Array, maxSteps: number, memLimit: number) {
  const m = Machine.fromElf(elf, { input, maxSteps, memLimit, maxOutput: 1 << 20 });
  const t = performance.now();
  m.run();
  const ms = performance.now() - t;
  const mips = m.stepCount / ms / 1000;
  let line = `${label}: ${m.stepCount.toLocaleString()} steps in ${ms.toFixed(0)} ms = ${mips.toFixed(1)} MIPS (${statusName(m.status)} ${m.exitCode})`;
  if (qemuOk) {
    const q = qemu(elf, input);
    if (q) line += `; qemu ${q.ms.toFixed(0)} ms (exit ${q.status}), VM/qemu time ratio ${(ms / q.ms).toFixed(1)}x`;
  }
  console.log(line);
  return m;
}

// 1. CPU-bound loop: ALU, multiply, load/store and a branch (9 instructions per iteration).
{
  const iters = Math.ceil(loopSteps / 9);
  const code = [
    ...li(5, iters),
    ...li(6, 0x100000),
    ...li(7, 0x9e3779b9),
    a.add(8, 8, 7), // loop
    a.xor(9, 9, 8),
    a.slli(28, 9, 3),
    a.mul(29, 28, 7),
    a.andi(30, 5, 0x3fc),
    a.add(30, 30, 6),
    a.sw(29, 30, 0),
    a.addi(5, 5, -1),
    a.bne(5, 0, -32),
    ...li(17, 93),
    a.andi(10, 9, 0xff),
    a.ecall(),
  ];
  timeRun("CPU loop", elfOf(code), new Uint8Array(0), 2 * loopSteps + 100, 0x200000);
}

// 2. Example ELFs (keccak over 16 KiB of input), if built.
{
  const path = join(ROOT, "programs/examples/keccak/build/keccak.elf");
  if (existsSync(path)) {
    const data = Uint8Array.from({ length: 16384 }, (_, i) => (i * 7) & 0xff);
    const sel = keccak(new TextEncoder().encode("hash(bytes)")).subarray(0, 4);
    const word = (n: number) => {
      const w = new Uint8Array(32);
      new DataView(w.buffer).setUint32(28, n);
      return w;
    };
    const input = new Uint8Array([...sel, ...word(32), ...word(data.length), ...data]);
    timeRun("keccak.elf (16 KiB input)", new Uint8Array(readFileSync(path)), input, 2e9, 0x200000);
  } else console.log("keccak.elf not built: skipped");
}

// 3. State hash after touching 64 MiB (one word written in every 32-byte leaf), then checkpoint costs.
{
  const MiB64 = 64 << 20;
  const code = [
    ...li(5, 0x100000),
    ...li(6, 0x100000 + MiB64),
    a.sw(5, 5, 0), // loop
    a.addi(5, 5, 32),
    a.bne(5, 6, -8),
    ...li(17, 93),
    a.ecall(),
  ];
  const m = Machine.fromElf(elfOf(code, MiB64), { maxSteps: 1e9, memLimit: 0x8000000, maxOutput: 0 });
  let t = performance.now();
  m.run();
  console.log(`touch 64 MiB: ${m.stepCount.toLocaleString()} steps in ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  m.stateHash();
  console.log(
    `state hash after touching 64 MiB (${m.memory.pageCount} pages, full rehash): ${(performance.now() - t).toFixed(0)} ms`,
  );
  t = performance.now();
  m.memory.storeWord(0x100040, 7);
  m.stateHash();
  console.log(`state hash after one more store: ${(performance.now() - t).toFixed(2)} ms`);
  t = performance.now();
  const s = snapshot(m);
  console.log(`snapshot (copy-on-write, ${m.memory.pageCount} pages): ${(performance.now() - t).toFixed(1)} ms`);
  const other = Machine.fromElf(elfOf(code, MiB64), { maxSteps: 1e9, memLimit: 0x8000000, maxOutput: 0 });
  t = performance.now();
  restore(other, s);
  const restoreMs = performance.now() - t;
  t = performance.now();
  other.stateHash();
  console.log(
    `restore: ${restoreMs.toFixed(1)} ms, then state hash ${(performance.now() - t).toFixed(1)} ms (${other.status === Status.Exited ? "exited state" : "?"})`,
  );
  t = performance.now();
  other.memory.proof(12345);
  console.log(
    `first memory proof in a page after restore (page subtree rebuilt): ${(performance.now() - t).toFixed(2)} ms`,
  );
  const mu = process.memoryUsage();
  console.log(
    `process memory: rss ${(mu.rss / 2 ** 20).toFixed(0)} MiB, array buffers ${(mu.arrayBuffers / 2 ** 20).toFixed(0)} MiB`,
  );
}
