// VM status codes (§1.2), the 329-byte state encoding and state hash (§1.3), and the result hash (§1.8).
import { concatBytes, readU32be, readU64be, u32be, writeU32be, writeU64be } from "./bytes.js";
import { keccak } from "./hash.js";

/** Machine status (§1.2). */
export const Status = {
  Running: 0,
  Exited: 1,
  IllegalInstruction: 2,
  MisalignedAccess: 3,
  MemoryLimit: 4,
  StepLimit: 5,
  UnknownSyscall: 6,
  OutputLimit: 7,
  Breakpoint: 8,
  BadOracleKey: 9,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

const STATUS_NAMES: readonly string[] = Object.keys(Status);

/** Name of a status code, e.g. "MemoryLimit". */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `Unknown(${status})`;
}

/** Size of the state encoding in bytes. */
export const STATE_SIZE = 329;

/** The full VM state of §1.3. `regs[0]` is always 0 and not encoded. */
export interface VmState {
  memRoot: Uint8Array;
  inputRoot: Uint8Array;
  outputChain: Uint8Array;
  outputTail: Uint8Array;
  oracleKey: Uint8Array;
  pc: number;
  step: bigint;
  maxSteps: bigint;
  memLimit: number;
  inputLength: number;
  inputCursor: number;
  outputLength: number;
  maxOutput: number;
  exitCode: number;
  status: Status;
  /** x0..x31 as i32 (x0 = 0). */
  regs: Int32Array;
}

/** A malformed state encoding. */
export class StateEncodingError extends Error {
  override readonly name = "StateEncodingError";
}

/** Packs a state into its 329-byte encoding. */
export function encodeState(s: VmState): Uint8Array {
  const b = new Uint8Array(STATE_SIZE);
  b.set(s.memRoot, 0);
  b.set(s.inputRoot, 32);
  b.set(s.outputChain, 64);
  b.set(s.outputTail, 96);
  b.set(s.oracleKey, 128);
  writeU32be(b, 160, s.pc);
  writeU64be(b, 164, s.step);
  writeU64be(b, 172, s.maxSteps);
  writeU32be(b, 180, s.memLimit);
  writeU32be(b, 184, s.inputLength);
  writeU32be(b, 188, s.inputCursor);
  writeU32be(b, 192, s.outputLength);
  writeU32be(b, 196, s.maxOutput);
  writeU32be(b, 200, s.exitCode);
  b[204] = s.status;
  for (let r = 1; r < 32; r++) writeU32be(b, 205 + 4 * (r - 1), s.regs[r]);
  return b;
}

/** Unpacks a 329-byte state encoding. Throws `StateEncodingError` on a wrong length or unknown status. */
export function decodeState(b: Uint8Array): VmState {
  if (b.length !== STATE_SIZE) {
    throw new StateEncodingError(`state encoding has ${b.length} bytes, expected ${STATE_SIZE}`);
  }
  if (b[204] > Status.BadOracleKey) throw new StateEncodingError(`unknown status ${b[204]}: expected 0..9`);
  const regs = new Int32Array(32);
  for (let r = 1; r < 32; r++) regs[r] = readU32be(b, 205 + 4 * (r - 1));
  return {
    memRoot: b.slice(0, 32),
    inputRoot: b.slice(32, 64),
    outputChain: b.slice(64, 96),
    outputTail: b.slice(96, 128),
    oracleKey: b.slice(128, 160),
    pc: readU32be(b, 160),
    step: readU64be(b, 164),
    maxSteps: readU64be(b, 172),
    memLimit: readU32be(b, 180),
    inputLength: readU32be(b, 184),
    inputCursor: readU32be(b, 188),
    outputLength: readU32be(b, 192),
    maxOutput: readU32be(b, 196),
    exitCode: readU32be(b, 200),
    status: b[204] as Status,
    regs,
  };
}

/** State hash of an encoding: keccak(encoding) with its first byte replaced by the status byte. */
export function stateHashOfEncoding(encoding: Uint8Array): Uint8Array {
  const h = keccak(encoding);
  h[0] = encoding[204];
  return h;
}

/** State hash of a state (§1.3). */
export function stateHash(s: VmState): Uint8Array {
  return stateHashOfEncoding(encodeState(s));
}

/** Result hash (§1.8): keccak(u8(status) || u32(exitCode) || outputHash), exitCode and outputHash zero unless Exited. */
export function resultHash(status: Status, exitCode: number, outputHash: Uint8Array): Uint8Array {
  const exited = status === Status.Exited;
  return keccak(
    concatBytes(Uint8Array.of(status), u32be(exited ? exitCode : 0), exited ? outputHash : new Uint8Array(32)),
  );
}
