// The result a provider signs, and a client re-executing checks: the native (wasm) image runs first; whenever it
// does not end in a clean exit — a trap, a limit, or a divergence with no RV32IM equivalent — the proving VM runs and
// its result is the answer, because the VM is what a dispute would check and error statuses are where the two images
// can differ.
import { Machine, type OracleResolver, Status } from "@verity/vm";
import { NativeDivergenceError, runNative } from "./run.js";

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

/** The result of a proving machine that has run (to its halt, normally). */
export function machineResult(machine: Machine): ExecutionResult {
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
