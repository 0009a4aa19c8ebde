// Pure one-step verifier (§1.10): recomputes the post-state hash from a pre-state encoding and a proof blob, with no
// Machine. This is the reference for the Solidity one-step verifier; it is kept linear on purpose:
//   1. decode the pre-state; a halted state steps to itself; StepLimit; pc checks;
//   2. read the pc leaf proof, check it against memRoot, take the instruction word, decode it;
//   3. execute on the decoded state, consuming the further proof parts in the order
//      oracle witness, data leaf proof, input chunk proof (each only when the step needs it);
//   4. require the proof to be fully consumed, re-encode, hash.
import { concatBytes, readU32be } from "./bytes.js";
import { chunkDepth, chunkProofRoot } from "./commitments.js";
import { alu, branchTaken, decode, Op } from "./decode.js";
import { hashPair, keccak } from "./hash.js";
import { MEMORY_DEPTH, MEMORY_PROOF_SIZE } from "./memory.js";
import { decodeState, STATE_SIZE, Status, stateHash, type VmState } from "./state.js";

/** A step witness that is malformed or inconsistent with the pre-state. */
export class WitnessError extends Error {
  override readonly name = "WitnessError";
}

const EBADF = -9;
const MAX_KECCAK_BLOB = 1024;

/** Sequential reader over the proof blob. */
class ProofReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(n: number, what: string): Uint8Array {
    if (this.offset + n > this.bytes.length) {
      throw new WitnessError(
        `proof truncated: ${what} needs ${n} bytes at offset ${this.offset}, proof has ${this.bytes.length}`,
      );
    }
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  end(): void {
    if (this.offset !== this.bytes.length) {
      throw new WitnessError(`proof has ${this.bytes.length - this.offset} unused trailing bytes`);
    }
  }
}

/** A verified memory leaf: its 32 bytes (mutable copy) and the 27 siblings to recompute the root after a write. */
interface Leaf {
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly siblings: Uint8Array;
}

/** Root of the memory tree from a leaf and its siblings (bit k of `index` = node at height k is a right child). */
function memoryRootFrom(index: number, leaf: Uint8Array, siblings: Uint8Array): Uint8Array {
  let node = leaf;
  for (let h = 0; h < MEMORY_DEPTH; h++) {
    const sib = siblings.subarray(32 * h, 32 * h + 32);
    node = ((index >>> h) & 1) === 0 ? hashPair(node, sib) : hashPair(sib, node);
  }
  return node;
}

function readLeaf(r: ProofReader, s: VmState, addr: number, what: string): Leaf {
  const raw = r.take(MEMORY_PROOF_SIZE, `${what} memory proof`);
  const index = addr >>> 5;
  const bytes = raw.slice(0, 32);
  const siblings = raw.slice(32);
  const root = memoryRootFrom(index, bytes, siblings);
  if (!equal(root, s.memRoot)) {
    throw new WitnessError(
      `${what} memory proof for leaf ${index} (address 0x${addr.toString(16)}) does not match memRoot`,
    );
  }
  return { index, bytes, siblings };
}

function writeLeaf(s: VmState, leaf: Leaf): void {
  s.memRoot = memoryRootFrom(leaf.index, leaf.bytes, leaf.siblings);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function leafWord(leaf: Uint8Array, off: number): number {
  return leaf[off] | (leaf[off + 1] << 8) | (leaf[off + 2] << 16) | (leaf[off + 3] << 24);
}

/** Verifies one step: returns the post-state hash, or throws `WitnessError`. */
export function verifyStep(preState: Uint8Array, proof: Uint8Array): Uint8Array {
  if (preState.length !== STATE_SIZE) {
    throw new WitnessError(`pre-state has ${preState.length} bytes, expected ${STATE_SIZE}`);
  }
  if (preState[204] > Status.BadOracleKey) throw new WitnessError(`pre-state has unknown status ${preState[204]}`);
  const s = decodeState(preState);
  const r = new ProofReader(proof);
  executeStep(s, r);
  r.end();
  return stateHash(s);
}

/** A halting transition changes only the status (and, for Exited, the exit code set by the caller). */
function halt(s: VmState, status: Status): Status {
  s.status = status;
  return status;
}

function executeStep(s: VmState, r: ProofReader): Status {
  if (s.status !== Status.Running) return s.status;
  if (s.step === s.maxSteps) return halt(s, Status.StepLimit);
  const pc = s.pc;
  if ((pc & 3) !== 0) return halt(s, Status.MisalignedAccess);
  if (pc + 4 > s.memLimit) return halt(s, Status.MemoryLimit);
  const code = readLeaf(r, s, pc, "pc");
  const d = decode(leafWord(code.bytes, pc & 31));
  const regs = s.regs;
  const a = regs[d.rs1];
  const b = regs[d.rs2];
  let next = (pc + 4) >>> 0;
  let result: number | undefined;
  switch (d.op) {
    case Op.Illegal:
      return halt(s, Status.IllegalInstruction);
    case Op.Ebreak:
      return halt(s, Status.Breakpoint);
    case Op.Ecall:
      return syscall(s, r);
    case Op.Fence:
      break;
    case Op.Lui:
      result = d.imm;
      break;
    case Op.Auipc:
      result = (pc + d.imm) | 0;
      break;
    case Op.Jal:
    case Op.Jalr: {
      const target = d.op === Op.Jal ? (pc + d.imm) >>> 0 : ((a + d.imm) & ~1) >>> 0;
      if ((target & 3) !== 0) return halt(s, Status.MisalignedAccess);
      result = (pc + 4) | 0;
      next = target;
      break;
    }
    case Op.Beq:
    case Op.Bne:
    case Op.Blt:
    case Op.Bge:
    case Op.Bltu:
    case Op.Bgeu:
      if (branchTaken(d.op, a, b)) {
        const target = (pc + d.imm) >>> 0;
        if ((target & 3) !== 0) return halt(s, Status.MisalignedAccess);
        next = target;
      }
      break;
    case Op.Lb:
    case Op.Lh:
    case Op.Lw:
    case Op.Lbu:
    case Op.Lhu: {
      const addr = (a + d.imm) >>> 0;
      const size = d.op === Op.Lw ? 4 : d.op === Op.Lh || d.op === Op.Lhu ? 2 : 1;
      if ((addr & (size - 1)) !== 0) return halt(s, Status.MisalignedAccess);
      if (addr + size > s.memLimit) return halt(s, Status.MemoryLimit);
      const leaf = readLeaf(r, s, addr, "load");
      const w = leafWord(leaf.bytes, addr & 28);
      const sh = (addr & 3) << 3;
      if (d.op === Op.Lw) result = w;
      else if (d.op === Op.Lb) result = (w << (24 - sh)) >> 24;
      else if (d.op === Op.Lbu) result = (w >>> sh) & 0xff;
      else if (d.op === Op.Lh) result = (w << (16 - sh)) >> 16;
      else result = (w >>> sh) & 0xffff;
      break;
    }
    case Op.Sb:
    case Op.Sh:
    case Op.Sw: {
      const addr = (a + d.imm) >>> 0;
      const size = d.op === Op.Sw ? 4 : d.op === Op.Sh ? 2 : 1;
      if ((addr & (size - 1)) !== 0) return halt(s, Status.MisalignedAccess);
      if (addr + size > s.memLimit) return halt(s, Status.MemoryLimit);
      const leaf = readLeaf(r, s, addr, "store");
      for (let i = 0; i < size; i++) leaf.bytes[(addr & 31) + i] = (b >>> (8 * i)) & 0xff;
      writeLeaf(s, leaf);
      break;
    }
    default:
      result = alu(d.op, a, d.op >= Op.Add ? b : d.imm);
  }
  if (result !== undefined && d.rd !== 0) regs[d.rd] = result;
  s.step += 1n;
  s.pc = next;
  return Status.Running;
}

function syscall(s: VmState, r: ProofReader): Status {
  const regs = s.regs;
  const num = regs[17] >>> 0;
  const a0 = regs[10] >>> 0;
  const a1 = regs[11] >>> 0;
  const a2 = regs[12] >>> 0;
  let ret: number;
  if (num === 93 || num === 94) {
    s.exitCode = a0;
    return halt(s, Status.Exited);
  } else if (num === 63) {
    // read(fd, buf, len)
    if (a0 !== 0) ret = EBADF;
    else {
      const n = Math.min(a2, 32 - (a1 % 32), 32 - (s.inputCursor % 32), s.inputLength - s.inputCursor);
      if (n > 0) {
        if (a1 + n > s.memLimit) return halt(s, Status.MemoryLimit);
        const leaf = readLeaf(r, s, a1, "read buffer");
        const chunkIndex = s.inputCursor >>> 5;
        const cp = r.take(32 * (chunkDepth(s.inputLength) + 1), "input chunk proof");
        if (!equal(chunkProofRoot(cp, chunkIndex), s.inputRoot)) {
          throw new WitnessError(`input chunk proof for chunk ${chunkIndex} does not match inputRoot`);
        }
        for (let i = 0; i < n; i++) leaf.bytes[(a1 % 32) + i] = cp[(s.inputCursor % 32) + i];
        writeLeaf(s, leaf);
        s.inputCursor += n;
      }
      ret = n;
    }
  } else if (num === 64) {
    // write(fd, buf, len)
    if (a0 === 1) {
      const n = Math.min(a2, 32 - (a1 % 32), 32 - (s.outputLength % 32));
      if (s.outputLength + n > s.maxOutput) return halt(s, Status.OutputLimit);
      if (n > 0) {
        if (a1 + n > s.memLimit) return halt(s, Status.MemoryLimit);
        const leaf = readLeaf(r, s, a1, "write buffer");
        const tail = s.outputTail.slice();
        for (let i = 0; i < n; i++) tail[(s.outputLength % 32) + i] = leaf.bytes[(a1 % 32) + i];
        s.outputLength += n;
        if (s.outputLength % 32 === 0) {
          s.outputChain = hashPair(s.outputChain, tail);
          s.outputTail = new Uint8Array(32);
        } else s.outputTail = tail;
      }
      ret = n;
    } else if (a0 === 2) ret = a2 | 0;
    else ret = EBADF;
  } else if (num === 1000) {
    // oracle_select(keyPtr)
    if ((a0 & 31) !== 0) return halt(s, Status.MisalignedAccess);
    if (a0 + 32 > s.memLimit) return halt(s, Status.MemoryLimit);
    s.oracleKey = readLeaf(r, s, a0, "oracle key").bytes;
    ret = 0;
  } else if (num === 1001) {
    // oracle_read(dst, len, offset)
    const key = s.oracleKey;
    let blobLength: number;
    let source: Uint8Array; // bytes from which `n` bytes at `srcOffset` are copied
    let srcOffset: number;
    if (key[0] === 1) {
      blobLength = readU32be(r.take(4, "oracle blob length"), 0);
      const blob = r.take(blobLength, "oracle blob");
      const h = keccak(blob);
      if (!equal(h.subarray(1), key.subarray(1)))
        throw new WitnessError("oracle blob does not hash to the selected key");
      if (blobLength > MAX_KECCAK_BLOB) return halt(s, Status.BadOracleKey);
      source = blob;
      srcOffset = a2;
    } else if (key[0] === 2) {
      const root = r.take(32, "oracle chunk root");
      const lenBytes = r.take(4, "oracle blob length");
      blobLength = readU32be(lenBytes, 0);
      const h = keccak(concatBytes(root, lenBytes));
      if (!equal(h.subarray(1), key.subarray(1))) {
        throw new WitnessError("oracle chunk root and length do not hash to the selected key");
      }
      source = new Uint8Array(32);
      srcOffset = a2 % 32;
      if (a1 > 0 && a2 < blobLength) {
        const chunkIndex = a2 >>> 5;
        const cp = r.take(32 * (chunkDepth(blobLength) + 1), "oracle chunk proof");
        if (!equal(chunkProofRoot(cp, chunkIndex), root)) {
          throw new WitnessError(`oracle chunk proof for chunk ${chunkIndex} does not match the blob's chunk root`);
        }
        source = cp.subarray(0, 32);
      }
    } else return halt(s, Status.BadOracleKey);
    const n = Math.min(a1, 32 - (a0 % 32), 32 - (a2 % 32), Math.max(0, blobLength - a2));
    if (n > 0) {
      if (a0 + n > s.memLimit) return halt(s, Status.MemoryLimit);
      const leaf = readLeaf(r, s, a0, "oracle destination");
      for (let i = 0; i < n; i++) leaf.bytes[(a0 % 32) + i] = source[srcOffset + i];
      writeLeaf(s, leaf);
    }
    ret = n;
  } else return halt(s, Status.UnknownSyscall);
  regs[10] = ret;
  s.step += 1n;
  s.pc = (s.pc + 4) >>> 0;
  return Status.Running;
}
