// The execution trace a provider defends in a dispute: state hashes at any index of the padded trace, the final
// state's encoding, and step witnesses — honest, or (faulty mode, demos and tests only) the liar's version.
import { decodeState, encodeState, OutputCommitment, stateHashOfEncoding, stepWithWitness, Trace } from "@verity/vm";
import { bytesToHex, type Hex } from "viem";
import type { FaultyMode } from "./config.js";
import { corruptAt, type ExecutionLimits, effectiveCorruption, provingMachine } from "./execute.js";

/** What the dispute bot needs from the run it signed. */
export interface ClaimTrace {
  /** State hash at trace index `i` (indices past the halt repeat the final state). */
  stateHashAt(i: bigint): Hex;
  /** The 329-byte final state the claim commits to. */
  finalState(): Uint8Array;
  /** Pre-state encoding and step proof of the transition from index `i` to `i + 1`. */
  witnessAt(i: bigint): { preState: Uint8Array; proof: Uint8Array };
}

/** Checkpoint spacing: a state hash costs at most this many re-executed steps plus hashing touched memory. */
const CHECKPOINT_INTERVAL = 1 << 16;

class HonestTrace implements ClaimTrace {
  constructor(private readonly trace: Trace) {}

  stateHashAt(i: bigint): Hex {
    return bytesToHex(this.trace.stateHashAt(clamp(i, this.trace.length)));
  }

  finalState(): Uint8Array {
    return this.trace.machineAt(this.trace.length).encodeState();
  }

  witnessAt(i: bigint): { preState: Uint8Array; proof: Uint8Array } {
    const machine = this.trace.machineAt(clamp(i, this.trace.length));
    const { preState, proof } = stepWithWitness(machine);
    return { preState, proof };
  }
}

/** FAULTY: the honest trace, except that the final state carries a flipped last output byte. */
class WrongOutputTrace implements ClaimTrace {
  private readonly fake: Uint8Array;

  constructor(
    private readonly honest: HonestTrace,
    private readonly length: bigint,
    output: Uint8Array,
  ) {
    const state = decodeState(honest.finalState());
    const lie = output.length > 0 ? output.slice() : new Uint8Array(1);
    lie[lie.length - 1] ^= 0xff;
    const commitment = new OutputCommitment();
    commitment.append(lie);
    this.fake = encodeState({
      ...state,
      outputChain: commitment.chain,
      outputTail: commitment.tail,
      outputLength: commitment.length,
    });
  }

  stateHashAt(i: bigint): Hex {
    return i >= this.length ? bytesToHex(stateHashOfEncoding(this.fake)) : this.honest.stateHashAt(i);
  }

  finalState(): Uint8Array {
    return this.fake;
  }

  witnessAt(i: bigint): { preState: Uint8Array; proof: Uint8Array } {
    return this.honest.witnessAt(i);
  }
}

/** FAULTY: honest before step `at`, then the run with one register bit flipped. */
class CorruptStepTrace implements ClaimTrace {
  constructor(
    private readonly honest: HonestTrace,
    private readonly corrupted: HonestTrace,
    private readonly at: bigint,
  ) {}

  stateHashAt(i: bigint): Hex {
    return i < this.at ? this.honest.stateHashAt(i) : this.corrupted.stateHashAt(i - this.at);
  }

  finalState(): Uint8Array {
    return this.corrupted.finalState();
  }

  witnessAt(i: bigint): { preState: Uint8Array; proof: Uint8Array } {
    return i < this.at ? this.honest.witnessAt(i) : this.corrupted.witnessAt(i - this.at);
  }
}

function clamp(i: bigint, length: number): number {
  return i >= BigInt(length) ? length : Number(i);
}

/** Records the trace a provider signed for (program, input): honest unless the node runs in a faulty mode. */
export function recordClaimTrace(
  elf: Uint8Array,
  input: Uint8Array,
  limits: ExecutionLimits,
  traceLength: bigint,
  faulty?: FaultyMode,
): ClaimTrace {
  const honest = new HonestTrace(Trace.record(provingMachine(elf, input, limits), { interval: CHECKPOINT_INTERVAL }));
  if (faulty === undefined) return honest;
  if (faulty.kind === "wrong-output") {
    const machine = provingMachine(elf, input, limits);
    machine.run();
    return new WrongOutputTrace(honest, traceLength, machine.outputData());
  }
  const mask = faulty.mask ?? 1;
  const at = effectiveCorruption(elf, input, limits, faulty.step, faulty.register ?? 10, mask);
  const machine = provingMachine(elf, input, limits);
  corruptAt(machine, at.step, at.register, mask);
  const corrupted = new HonestTrace(Trace.record(machine, { interval: CHECKPOINT_INTERVAL }));
  return new CorruptStepTrace(honest, corrupted, BigInt(at.step));
}
