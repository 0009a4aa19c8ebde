// @verity/vm: the RV32IM proving VM of docs/protocol.md §1.
export { bytesEqual, concatBytes, toHex, u32be } from "./bytes.js";
export { type MachineSnapshot, restore, snapshot, Trace, type TraceOptions } from "./checkpoint.js";
export {
  chunkAt,
  chunkCount,
  chunkDepth,
  chunkProof,
  chunkProofRoot,
  chunkRoot,
  inputHash,
  OutputCommitment,
  outputHashOf,
} from "./commitments.js";
export { type Decoded, decode, Op } from "./decode.js";
export { ElfError, type ElfSegment, type LoadElfOptions, type LoadedElf, loadElf } from "./elf.js";
export { keccak, ZERO_HASHES } from "./hash.js";
export {
  initialMemRoot,
  Machine,
  type MachineOptions,
  type RunOptions,
  type StepTracer,
  Syscall,
} from "./machine.js";
export { MEMORY_DEPTH, MEMORY_PROOF_SIZE, Memory, type MemorySnapshot } from "./memory.js";
export {
  keccakOracleKey,
  MAX_KECCAK_BLOB,
  MapOracle,
  merkleOracleKey,
  OracleError,
  OracleKeyType,
  type OracleResolver,
  oracleKeyMatches,
} from "./oracle.js";
export {
  decodeState,
  encodeState,
  resultHash,
  STATE_SIZE,
  StateEncodingError,
  Status,
  stateHash,
  stateHashOfEncoding,
  statusName,
  type VmState,
} from "./state.js";
export { verifyStep, WitnessError } from "./verify.js";
export { type StepWitness, stepWithWitness } from "./witness.js";
