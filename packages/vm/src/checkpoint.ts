// Machine snapshots and a checkpointed trace. Snapshots share memory pages copy-on-write with the machine, so a
// snapshot costs O(touched pages) pointers plus, later, one page copy per page the machine writes after it.
import type { OutputCommitment } from "./commitments.js";
import type { Machine } from "./machine.js";
import type { MemorySnapshot } from "./memory.js";
import type { Status } from "./state.js";

/** Everything needed to put a machine back into an earlier state. */
export interface MachineSnapshot {
  readonly memory: MemorySnapshot;
  readonly regs: Int32Array;
  readonly pc: number;
  readonly stepCount: number;
  readonly status: Status;
  readonly exitCode: number;
  readonly inputCursor: number;
  readonly output: OutputCommitment;
  readonly outputData: Uint8Array;
  readonly oracleKey: Uint8Array;
}

/** Captures the machine's state. */
export function snapshot(m: Machine): MachineSnapshot {
  return {
    memory: m.memory.snapshot(),
    regs: m.regs.slice(),
    pc: m.pc,
    stepCount: m.stepCount,
    status: m.status,
    exitCode: m.exitCode,
    inputCursor: m.inputCursor,
    output: m.output.clone(),
    outputData: m.outputData(),
    oracleKey: m.oracleKey,
  };
}

/** Puts `m` into the state of `s`. `m` must be a machine of the same program, input and limits. */
export function restore(m: Machine, s: MachineSnapshot): void {
  m.memory.restore(s.memory);
  m.regs.set(s.regs);
  m.pc = s.pc;
  m.stepCount = s.stepCount;
  m.status = s.status;
  m.exitCode = s.exitCode;
  m.inputCursor = s.inputCursor;
  m.setOutput(s.output, s.outputData);
  m.oracleKey = s.oracleKey;
}

/** Options of `Trace.record`. */
export interface TraceOptions {
  /** Steps between checkpoints (default 2^20). */
  readonly interval?: number;
  /** Stop recording after this many transitions even if the machine has not halted. */
  readonly maxTransitions?: number;
}

/**
 * A run recorded once with checkpoints every `interval` transitions. Transition i takes trace state i to i+1; state
 * i is the machine after i calls of `step()`. A machine that halts after executing S instructions has Running states
 * 0..S and its halted state from index S+1 on (a halted machine steps to itself).
 */
export class Trace {
  private constructor(
    private readonly machine: Machine,
    private readonly checkpoints: MachineSnapshot[],
    readonly interval: number,
    /** Number of transitions until the machine halted (states at index >= length equal the final state). */
    readonly length: number,
    readonly finalHash: Uint8Array,
    readonly halted: boolean,
  ) {}

  /** Runs `machine` from its current state (taken as index 0), checkpointing every `interval` transitions. */
  static record(machine: Machine, opts: TraceOptions = {}): Trace {
    const interval = opts.interval ?? 1 << 20;
    if (!(interval >= 1)) throw new RangeError("interval must be >= 1");
    const max = opts.maxTransitions ?? Number.POSITIVE_INFINITY;
    const checkpoints: MachineSnapshot[] = [];
    let index = 0;
    while (true) {
      checkpoints.push(snapshot(machine));
      if (machine.status !== 0 || index >= max) break;
      const before = machine.stepCount;
      const budget = Math.min(interval, max - index);
      machine.run(budget);
      // A halting transition does not advance the step counter but is one transition.
      const done = machine.stepCount - before + (machine.status !== 0 ? 1 : 0);
      index += done;
      if (machine.status !== 0) break;
    }
    const halted = machine.status !== 0;
    const finalHash = machine.stateHash();
    return new Trace(machine, checkpoints, interval, index, finalHash, halted);
  }

  /** State hash at trace index `i` (restores the nearest checkpoint at or before `i` and runs forward). */
  stateHashAt(i: number): Uint8Array {
    if (i >= this.length && this.halted) return this.finalHash;
    if (i > this.length) throw new RangeError(`index ${i} beyond the recorded ${this.length} transitions`);
    const c = Math.min(Math.floor(i / this.interval), this.checkpoints.length - 1);
    restore(this.machine, this.checkpoints[c]);
    this.machine.run(i - c * this.interval);
    return this.machine.stateHash();
  }

  /** Puts the machine at trace index `i` (for witness generation) and returns it. */
  machineAt(i: number): Machine {
    this.stateHashAt(Math.min(i, this.length));
    return this.machine;
  }
}
