// Step witnesses (§1.10): the pre-state encoding plus the proofs one step needs, produced by running the reference
// step with a tracer that collects proofs before each access (so they are against the pre-state).
import { concatBytes, u32be } from "./bytes.js";
import { chunkProof, chunkRoot } from "./commitments.js";
import type { Machine } from "./machine.js";
import { OracleKeyType } from "./oracle.js";

/** One step's witness and the post-state hash the interpreter computed. */
export interface StepWitness {
  /** 329-byte pre-state encoding. */
  readonly preState: Uint8Array;
  /** Proof blob: pc leaf proof, oracle witness, data leaf proof, input chunk proof — each only when needed. */
  readonly proof: Uint8Array;
  readonly postHash: Uint8Array;
}

/** Executes one step of `machine` and returns its witness. */
export function stepWithWitness(machine: Machine): StepWitness {
  const preState = machine.encodeState();
  let pcProof: Uint8Array = new Uint8Array(0);
  let oracleWitness: Uint8Array = new Uint8Array(0);
  let dataProof: Uint8Array = new Uint8Array(0);
  let inputProof: Uint8Array = new Uint8Array(0);
  machine.step({
    fetch(pc) {
      pcProof = machine.memory.proof(pc >>> 5);
    },
    data(addr) {
      dataProof = machine.memory.proof(addr >>> 5);
    },
    input(index) {
      inputProof = chunkProof(machine.input, index);
    },
    oracle(key, blob, offset, n) {
      if (key[0] === OracleKeyType.Keccak) oracleWitness = concatBytes(u32be(blob.length), blob);
      else {
        const head = concatBytes(chunkRoot(blob), u32be(blob.length));
        oracleWitness = n > 0 ? concatBytes(head, chunkProof(blob, offset >>> 5)) : head;
      }
    },
  });
  return {
    preState,
    proof: concatBytes(pcProof, oracleWitness, dataProof, inputProof),
    postHash: machine.stateHash(),
  };
}
