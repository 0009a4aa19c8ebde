// Faulty modes for demos and tests only: how a lying provider computes the result it signs. The honest execution
// (native first, proving VM when needed) lives in @verity/native and is shared with clients that re-execute.
import {
  type ExecutionLimits,
  type ExecutionResult,
  executeProving,
  machineResult,
  provingMachine,
} from "@verity/native";
import { bytesEqual, type Machine, OutputCommitment, resultHash, Status } from "@verity/vm";

export {
  type ExecutionLimits,
  type ExecutionResult,
  executeProgram,
  executeProving,
  provingMachine,
} from "@verity/native";

/**
 * FAULTY MODE (demos and tests only): the proving run with register `register` xor-ed with `mask` once `step` steps have
 * run — a liar whose trace departs from the truth at one instruction, which the dispute game must find.
 */
export function executeCorrupted(
  elf: Uint8Array,
  input: Uint8Array,
  limits: ExecutionLimits,
  step: number,
  register: number,
  mask = 1,
): ExecutionResult {
  const at = effectiveCorruption(elf, input, limits, step, register, mask);
  const machine = provingMachine(elf, input, limits);
  corruptAt(machine, at.step, at.register, mask);
  machine.run();
  return machineResult(machine);
}

/**
 * FAULTY MODE: the first (step, register) at or after the requested ones whose bit flip changes the run's result —
 * a flip of a dead register would be no lie at all. Deterministic, so the signer and its dispute bot agree.
 */
export function effectiveCorruption(
  elf: Uint8Array,
  input: Uint8Array,
  limits: ExecutionLimits,
  step: number,
  register: number,
  mask = 1,
): { step: number; register: number } {
  const honest = executeProving(elf, input, limits).resultHash;
  const registers = [register, ...Array.from({ length: 31 }, (_, i) => i + 1).filter((r) => r !== register)];
  for (let s = step; s < step + 64; s++) {
    for (const r of registers) {
      const machine = provingMachine(elf, input, limits);
      corruptAt(machine, s, r, mask);
      if (machine.status !== Status.Running) break;
      machine.run();
      if (!bytesEqual(machine.resultHash(), honest)) return { step: s, register: r };
    }
  }
  throw new Error(`no single-bit register corruption near step ${step} changes this run's result`);
}

/** Runs `machine` to `step` steps and xors a register with `mask` there (the faulty trace's single departure). */
export function corruptAt(machine: Machine, step: number, register: number, mask = 1): void {
  if (register < 1 || register > 31) throw new RangeError(`register must be x1..x31, got x${register}`);
  if (mask === 0) throw new RangeError("mask must be non-zero");
  machine.run(step);
  machine.regs[register] ^= mask;
}

/** FAULTY MODE (demos and tests only): the honest result with the output's last byte flipped (or one byte added). */
export function corruptOutput(honest: ExecutionResult): ExecutionResult {
  const output = honest.output.length > 0 ? honest.output.slice() : new Uint8Array(1);
  output[output.length - 1] ^= 0xff;
  const commitment = new OutputCommitment();
  commitment.append(output);
  const outputHash = commitment.hash();
  return {
    ...honest,
    status: Status.Exited,
    output,
    outputHash,
    resultHash: resultHash(Status.Exited, honest.exitCode, outputHash),
  };
}
