// Test harness: runs a program both on the fast path (`run`) and step by step with witnesses checked by the pure
// verifier, and asserts that all three agree on every step.
import assert from "node:assert/strict";
import { Machine, type MachineOptions, stepWithWitness, toHex, verifyStep } from "@verity/vm";
import { a, li, program } from "./asm.ts";

export const DEFAULT_OPTS = { maxSteps: 100_000, memLimit: 1 << 20, maxOutput: 1 << 16 } as const;

export interface Checked {
  /** Machine after `run()`. */
  fast: Machine;
  /** Machine after stepping with witnesses. */
  slow: Machine;
  steps: number;
}

/** `run()` configurations compared with the reference: interpreter only, and blocks compiled on first sight. */
export const RUN_MODES: readonly { readonly name: string; readonly opts: Partial<MachineOptions> }[] = [
  { name: "interpreter", opts: { blockCompiler: false } },
  { name: "compiled", opts: { blockCompiler: true, compileThreshold: 0 } },
];

/**
 * Runs `elf` with `run()` (default options, interpreter only, eagerly compiled blocks) and step-by-step with witness
 * verification; asserts that all agree (state hash, step count, output); returns the default-run and stepped machines.
 */
export function runChecked(elf: Uint8Array, opts: Partial<MachineOptions> = {}, maxTransitions = 100_000): Checked {
  const o = { ...DEFAULT_OPTS, ...opts };
  const fast = Machine.fromElf(elf, o);
  fast.run(maxTransitions);
  const others = RUN_MODES.map((mode) => {
    const m = Machine.fromElf(elf, { ...o, ...mode.opts });
    m.run(maxTransitions);
    return { name: mode.name, m };
  });
  const slow = Machine.fromElf(elf, o);
  let steps = 0;
  while (slow.status === 0 && steps < maxTransitions) {
    const w = stepWithWitness(slow);
    const post = verifyStep(w.preState, w.proof);
    assert.equal(toHex(post), toHex(w.postHash), `verifier disagrees with interpreter at step ${steps}`);
    steps++;
  }
  // A halted machine steps to itself, with an empty proof.
  const w = stepWithWitness(slow);
  assert.equal(w.proof.length, 0);
  assert.equal(toHex(verifyStep(w.preState, w.proof)), toHex(w.postHash));
  assert.equal(toHex(fast.stateHash()), toHex(slow.stateHash()), "fast run and step-by-step run disagree");
  for (const { name, m } of others) {
    assert.equal(m.stepCount, slow.stepCount, `${name} run: step count`);
    assert.equal(toHex(m.stateHash()), toHex(slow.stateHash()), `${name} run and step-by-step run disagree`);
    assert.equal(toHex(m.outputData()), toHex(slow.outputData()), `${name} run: output`);
  }
  return { fast, slow, steps };
}

/** Code that sets registers, runs `body`, then exits with code 0 (x17=93, x10 clobbered: use other regs). */
export function withRegs(init: Record<number, number>, body: number[]): number[] {
  const out: number[] = [];
  for (const [r, v] of Object.entries(init)) out.push(...li(Number(r), v));
  return [...out, ...body, ...li(17, 93), a.addi(10, 0, 0), a.ecall()];
}

/** Runs `body` after setting registers; returns the fast machine (checked against the verifier). */
export function exec(init: Record<number, number>, body: number[], opts: Partial<MachineOptions> = {}): Machine {
  return runChecked(program(withRegs(init, body)), opts).fast;
}

/** Register value as u32. */
export function reg(m: Machine, r: number): number {
  return m.regs[r] >>> 0;
}
