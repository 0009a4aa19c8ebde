// Benchmarks of the proving VM, every ratio against a baseline measured in the same run:
//  1. programs/bench/loop at >= 10^8 steps under Machine.run with the block compiler (the default) and with the plain
//     interpreter (blockCompiler: false; both must end in the same state), qemu-riscv32 and the native wasm image
//     (runNative): MIPS and the per-step time ratios VM/qemu and VM/native (the two fast engines must reproduce the
//     VM's output, then are timed on 10x the rounds so that their runs last long enough to time); the same for
//     programs/examples/keccak;
//  2. the state hash at a checkpoint after touching 64 MiB (programs/bench/touch), snapshot and restore;
//  3. recording a dispute Trace at several checkpoint intervals, against a plain run of the same steps.
// Run: node --import tsx --conditions=source bench/vm/interpreter.ts [--quick] [--steps N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileNative, runNative } from "@verity/native";
import { bytesEqual, Machine, restore, Status, snapshot, statusName, Trace } from "@verity/vm";
import {
  type BuiltProgram,
  callBytes,
  callU32,
  collectGarbage,
  f,
  flag,
  int,
  numberArg,
  qemuAvailable,
  ROOT,
  readBuilt,
  timed,
} from "../lib.ts";

const quick = flag("quick");
const targetSteps = numberArg("steps", quick ? 1e7 : 5e8);
const traceSteps = quick ? 4e6 : 5e7;

const loop = readBuilt(join(ROOT, "programs/bench/loop"));
const touch = readBuilt(join(ROOT, "programs/bench/touch"));
const keccakProgram = readBuilt(join(ROOT, "programs/examples/keccak"));
const spin = (iterations: number) => callU32("spin(uint32)", iterations);

const tmp = mkdtempSync(join(tmpdir(), "verity-bench-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const hasQemu = qemuAvailable();

/** A benchmark failed its own sanity check (wrong status or diverging output): the numbers would be meaningless. */
class BenchCheckError extends Error {
  override name = "BenchCheckError";
}

function machine(p: BuiltProgram, input: Uint8Array, blockCompiler = true): Machine {
  const { maxSteps, memLimit, maxOutput } = p;
  return Machine.fromElf(p.elf, { input, maxSteps, memLimit, maxOutput, blockCompiler });
}

interface VmRun {
  readonly ms: number;
  readonly steps: number;
  readonly output: Uint8Array;
  readonly stateHash: Uint8Array;
}

/** Runs `p` on our VM (compiled blocks unless `blockCompiler` is false); throws unless it exits with code 0. */
function runVm(p: BuiltProgram, input: Uint8Array, blockCompiler = true): VmRun {
  const m = machine(p, input, blockCompiler);
  const { ms } = timed(() => m.run());
  if (m.status !== Status.Exited || m.exitCode !== 0)
    throw new BenchCheckError(`${p.name}: VM halted with ${statusName(m.status)} ${m.exitCode}, expected Exited 0`);
  return { ms, steps: m.stepCount, output: m.outputData(), stateHash: m.stateHash() };
}

/** Runs `p` under qemu-riscv32 (wall time including process start) and returns the time and its output. */
function qemuRaw(p: BuiltProgram, input: Uint8Array): { ms: number; output: Uint8Array } {
  const path = join(tmp, `${p.name}.elf`);
  writeFileSync(path, p.elf, { mode: 0o755 }); // qemu-user refuses files without the execute bit
  const t = performance.now();
  const r = spawnSync("qemu-riscv32", [path], { input, timeout: 600_000, maxBuffer: 1 << 24 });
  const ms = performance.now() - t;
  if (r.error !== undefined || r.status !== 0)
    throw new BenchCheckError(`${p.name}: qemu-riscv32 failed (${r.error?.message ?? `exit ${r.status} ${r.signal}`})`);
  return { ms, output: new Uint8Array(r.stdout) };
}

/** Best wall time of `runs` qemu-riscv32 runs; throws unless every output equals `expected`. */
function runQemu(p: BuiltProgram, input: Uint8Array, expected: Uint8Array, runs = 1): number {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < runs; k++) {
    const r = qemuRaw(p, input);
    if (!bytesEqual(r.output, expected)) throw new BenchCheckError(`${p.name}: qemu-riscv32 output differs`);
    best = Math.min(best, r.ms);
  }
  return best;
}

/** Runs `p`'s native image (compiled beforehand); throws unless the output matches `expected` (if given). */
function runWasm(p: BuiltProgram, input: Uint8Array, expected?: Uint8Array): { ms: number; output: Uint8Array } {
  const module = compileNative(p.wasm);
  const opts = { input, maxOutput: p.maxOutput, memoryLimitPages: Math.ceil(p.memLimit / 65536) };
  const { value: r, ms } = timed(() => runNative(module, opts));
  if (r.status !== Status.Exited || r.exitCode !== 0 || (expected !== undefined && !bytesEqual(r.output, expected)))
    throw new BenchCheckError(`${p.name}: native run gave ${statusName(r.status)} ${r.exitCode} or a different output`);
  return { ms, output: r.output };
}

/** A longer input for the two fast engines, whose runs would otherwise be too short to time, and its step count. */
interface Scaled {
  readonly input: Uint8Array;
  readonly steps: number;
}

/**
 * Times one input under the three engines and prints MIPS (VM steps per wall second) and the time-per-step ratios.
 * qemu and the native image first run `input` to check their output against the VM's; with `scaled` they are then
 * timed on the longer input (outputs checked against each other), otherwise on `input` itself.
 */
function compare(label: string, p: BuiltProgram, input: Uint8Array, scaled?: Scaled): void {
  const vm = runVm(p, input);
  const plain = runVm(p, input, false);
  if (plain.steps !== vm.steps || !bytesEqual(plain.stateHash, vm.stateHash))
    throw new BenchCheckError(`${p.name}: compiled and interpreted runs end in different states`);
  // A second compiled run in the same process: its block functions come from the shared cache, already optimized.
  const warm = runVm(p, input);
  const perStepVm = vm.ms / vm.steps;
  const perStepWarm = warm.ms / warm.steps;
  const perStepPlain = plain.ms / plain.steps;
  console.log(`${label}: ${int(vm.steps)} VM steps (compiled and interpreted runs end in the same state hash)`);
  console.log(
    `  compiled blocks (Machine.run)     ${f(vm.ms, 0).padStart(7)} ms  ${f(vm.steps / vm.ms / 1000).padStart(7)} MIPS   ${f(perStepPlain / perStepVm, 1)}x the interpreter`,
  );
  console.log(
    `  compiled, again (warm code cache)  ${f(warm.ms, 0).padStart(6)} ms  ${f(warm.steps / warm.ms / 1000).padStart(7)} MIPS   ${f(perStepPlain / perStepWarm, 1)}x the interpreter`,
  );
  console.log(
    `  interpreter (blockCompiler: false) ${f(plain.ms, 0).padStart(6)} ms  ${f(plain.steps / plain.ms / 1000).padStart(7)} MIPS`,
  );
  const timedInput = scaled?.input ?? input;
  const timedSteps = scaled?.steps ?? vm.steps;
  const native = runWasm(p, input, vm.output);
  const w = scaled === undefined ? native : runWasm(p, timedInput);
  if (hasQemu) {
    runQemu(p, input, vm.output);
    // Process start is not execution: subtract the best of three empty runs; time the best of two runs.
    const raw = runQemu(p, timedInput, w.output, 2);
    const q = Math.max(raw - qemuStartup, 1);
    console.log(
      `  qemu-riscv32 (net of start)       ${f(q, 0).padStart(7)} ms  ${f(timedSteps / q / 1000).padStart(7)} MIPS   time per step: compiled/qemu ${f(perStepVm / (q / timedSteps), 1)} (warm ${f(perStepWarm / (q / timedSteps), 1)}), interpreter/qemu ${f(perStepPlain / (q / timedSteps), 1)} (${int(timedSteps)} steps; raw ${f(raw, 0)} ms)`,
    );
  } else console.log("  qemu-riscv32: not installed, skipped");
  console.log(
    `  native wasm (runNative)           ${f(w.ms, 0).padStart(7)} ms  ${f(timedSteps / w.ms / 1000).padStart(7)} MIPS   time per step: compiled/native ${f(perStepVm / (w.ms / timedSteps), 1)} (warm ${f(perStepWarm / (w.ms / timedSteps), 1)}), interpreter/native ${f(perStepPlain / (w.ms / timedSteps), 1)} (${int(timedSteps)} steps)`,
  );
}

/** Wall time of a qemu-riscv32 process that runs 0 rounds of the loop (best of three). */
const qemuStartup = hasQemu ? Math.min(...[0, 1, 2].map(() => runQemu(loop, spin(0), runVm(loop, spin(0)).output))) : 0;

console.log(`node ${process.version}, ${quick ? "--quick" : "default"} run, loop target ${int(targetSteps)} steps`);

// ---- 1. CPU-bound loop and keccak under the three engines.
{
  // Steps per round and fixed overhead, from two short runs of the same image.
  const a = runVm(loop, spin(1000)).steps;
  const b = runVm(loop, spin(2000)).steps;
  const perRound = (b - a) / 1000;
  const rounds = Math.ceil((targetSteps - (a - 1000 * perRound)) / perRound);
  console.log(`\nloop: ${perRound} steps per round, ${int(rounds)} rounds`);
  if (hasQemu) console.log(`qemu-riscv32 process start + exit (0 rounds, best of 3): ${f(qemuStartup, 1)} ms`);
  // qemu and wasm are timed on 10x the rounds (u32 permitting); steps = perRound per round + the same fixed part.
  const fixed = a - 1000 * perRound;
  const scale = Math.max(1, Math.min(10, Math.floor(0xffff_ffff / rounds)));
  compare("loop", loop, spin(rounds), { input: spin(rounds * scale), steps: fixed + perRound * rounds * scale });

  const data = Uint8Array.from({ length: 60_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
  compare(`\nkeccak.elf (${int(data.length)} B input)`, keccakProgram, callBytes("hash(bytes)", data));
}

// ---- 2. State hash at a checkpoint after touching 64 MiB; snapshot and restore.
{
  const bytes = 64 << 20;
  const input = callU32("touch(uint32)", bytes);
  console.log(`\ntouch: one word in every 32-byte leaf of 64 MiB (${int(bytes / 32)} leaves)`);
  const m = machine(touch, input);
  const run = timed(() => m.run());
  if (m.status !== Status.Exited) throw new BenchCheckError(`touch halted with ${statusName(m.status)}`);
  console.log(`  run: ${int(m.stepCount)} steps in ${f(run.ms, 0)} ms, ${int(m.memory.pageCount)} pages resident`);
  const full = timed(() => m.stateHash());
  console.log(`  state hash (rehash of every dirty page and the tree above): ${f(full.ms, 0)} ms`);
  const again = timed(() => m.stateHash());
  console.log(`  state hash again, nothing changed: ${f(again.ms, 3)} ms`);
  m.memory.storeWord(0x100040, 7);
  const one = timed(() => m.stateHash());
  console.log(`  state hash after one more store: ${f(one.ms, 3)} ms`);
  const snap = timed(() => snapshot(m));
  console.log(`  snapshot (copy-on-write page table): ${f(snap.ms, 2)} ms`);
  const other = machine(touch, input);
  const rest = timed(() => restore(other, snap.value));
  const after = timed(() => other.stateHash());
  if (!bytesEqual(after.value, m.stateHash())) throw new BenchCheckError("restored machine has a different state hash");
  console.log(
    `  restore into a fresh machine: ${f(rest.ms, 2)} ms, then its state hash: ${f(after.ms, 1)} ms (equal to the source's)`,
  );
  const proof = timed(() => other.memory.proof(0x100040 >>> 5));
  console.log(`  first memory proof after restore: ${f(proof.ms, 3)} ms`);
  const mu = process.memoryUsage();
  console.log(
    `  process memory: rss ${int(mu.rss / 2 ** 20)} MiB, array buffers ${int(mu.arrayBuffers / 2 ** 20)} MiB`,
  );
}

// ---- 3. Recording a dispute trace: checkpoint interval vs plain run, and the cost of one bisection query.
{
  const perRound = (runVm(loop, spin(2000)).steps - runVm(loop, spin(1000)).steps) / 1000;
  const input = spin(Math.ceil(traceSteps / perRound));
  runVm(loop, input); // warm-up, so that the baseline and the recordings run equally hot code
  const base = runVm(loop, input);
  console.log(`\nTrace.record of loop, ${int(base.steps)} steps; plain Machine.run of the same: ${f(base.ms, 0)} ms`);
  console.log(
    "  interval   checkpoints   record ms   run ms   record/run   stateHashAt (mean of 8) ms   trace memory (with its machine)",
  );
  const used = () => {
    collectGarbage(); // twice: array buffers of pages freed by the first pass are released by the second
    collectGarbage();
    const mu = process.memoryUsage();
    return mu.heapUsed + mu.arrayBuffers;
  };
  /** Live memory added by one recorded trace (its checkpoints), measured with nothing else of it alive. */
  const traceMemory = (interval: number): number => {
    const before = used();
    const trace = Trace.record(machine(loop, input), { interval });
    const after = used();
    return trace.length >= 0 ? after - before : 0; // reads `trace` so that it stays alive until `after`
  };
  /** Records one trace at `interval` and returns its row: memory first, while nothing else of a trace is alive. */
  const row = (interval: number): string => {
    const held = traceMemory(interval);
    const plainMs = runVm(loop, input).ms; // baseline right before the recording, against drift in machine load
    const t0 = performance.now();
    const trace = Trace.record(machine(loop, input), { interval });
    const recordMs = performance.now() - t0;
    const checkpoints = Math.floor(trace.length / interval) + 1;
    let total = 0;
    for (let k = 1; k <= 8; k++) {
      const i = Math.floor((trace.length * k) / 9) + 12345;
      total += timed(() => trace.stateHashAt(i)).ms;
    }
    return `  2^${String(Math.log2(interval)).padEnd(7)} ${int(checkpoints).padStart(11)} ${f(recordMs, 0).padStart(11)} ${f(plainMs, 0).padStart(8)} ${f(recordMs / plainMs, 2).padStart(12)}   ${f(total / 8, 2).padStart(10)}                  ${f(held / 2 ** 20, 1).padStart(6)} MiB`;
  };
  for (const interval of [1 << 12, 1 << 16, 1 << 20, 1 << 22]) {
    Trace.record(machine(loop, spin(10)), { interval }); // warm-up
    console.log(row(interval));
  }

  const bytes = 64 << 20;
  const touchInput = callU32("touch(uint32)", bytes);
  const plain = timed(() => {
    const m = machine(touch, touchInput);
    m.run();
    return m.stateHash();
  });
  const rec = timed(() => Trace.record(machine(touch, touchInput), { interval: 1 << 20 }));
  if (!bytesEqual(rec.value.finalHash, plain.value))
    throw new BenchCheckError("trace final hash differs from the run's");
  console.log(
    `Trace.record of touch (64 MiB, ${int(rec.value.length)} steps, interval 2^20, final state hash included): ${f(rec.ms, 0)} ms vs plain run + state hash ${f(plain.ms, 0)} ms (ratio ${f(rec.ms / plain.ms, 2)})`,
  );
  const q = timed(() => rec.value.stateHashAt(Math.floor(rec.value.length / 2)));
  console.log(`  one stateHashAt in the middle (restore + replay + rehash of the touched pages): ${f(q.ms, 0)} ms`);
}
