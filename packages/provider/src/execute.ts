// Computes the result a provider signs: the native (wasm) image runs first; whenever it does not end in a clean exit
// — a trap, a limit, or a divergence with no RV32IM equivalent — the proving VM runs and its result is the answer,
// because the VM is what a dispute would check and error statuses are where the two images can differ.
import { NativeDivergenceError, runNative } from "@verity/native";
import { bytesEqual, Machine, type OracleResolver, OutputCommitment, resultHash, Status } from "@verity/vm";

/** What an execution needs to know about a program (from its manifest). */
export interface ExecutionLimits {
  maxSteps: bigint;
  memLimit: number;
  maxOutput: number;
}

/** The outcome a provider signs. */
export interface ExecutionResult {
  status: Status;
  exitCode: number;
  output: Uint8Array;
  outputHash: Uint8Array;
  resultHash: Uint8Array;
  /** Which image produced the result. */
  engine: "native" | "vm";
  /** Proving-VM steps when the VM ran. */
  steps?: number;
}

/** Runs a program on an input and returns the result to sign. */
export function executeProgram(
  images: { elf: Uint8Array; wasm: Uint8Array | WebAssembly.Module },
  input: Uint8Array,
  limits: ExecutionLimits,
  oracle?: OracleResolver,
): ExecutionResult {
  try {
    const native = runNative(images.wasm, {
      input,
      maxOutput: limits.maxOutput,
      memoryLimitPages: Math.max(1, Math.ceil(limits.memLimit / 65536)),
      ...(oracle !== undefined ? { oracle } : {}),
    });
    if (native.status === Status.Exited) return { ...native, engine: "native" };
  } catch (error) {
    if (!(error instanceof NativeDivergenceError)) throw error;
  }
  return executeProving(images.elf, input, limits, oracle);
}

/** A fresh proving machine for a program and input. */
export function provingMachine(
  elf: Uint8Array,
  input: Uint8Array,
  limits: ExecutionLimits,
  oracle?: OracleResolver,
): Machine {
  return Machine.fromElf(elf, {
    input,
    maxSteps: limits.maxSteps,
    memLimit: limits.memLimit,
    maxOutput: limits.maxOutput,
    ...(oracle !== undefined ? { oracle } : {}),
  });
}

/** Runs the proving VM to its halt (the authoritative result of a run). */
export function executeProving(
  elf: Uint8Array,
  input: Uint8Array,
  limits: ExecutionLimits,
  oracle?: OracleResolver,
): ExecutionResult {
  const machine = provingMachine(elf, input, limits, oracle);
  machine.run();
  return machineResult(machine);
}

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

function machineResult(machine: Machine): ExecutionResult {
  const exited = machine.status === Status.Exited;
  return {
    status: machine.status,
    exitCode: machine.exitCode,
    output: exited ? machine.outputData() : new Uint8Array(0),
    outputHash: exited ? machine.outputHash() : new Uint8Array(32),
    resultHash: machine.resultHash(),
    engine: "vm",
    steps: machine.stepCount,
  };
}
