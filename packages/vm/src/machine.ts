// The RV32IM interpreter. `step()` is the reference implementation of one step (§1.2 check order, §1.5 syscalls),
// written plainly; it also reports every touched leaf/chunk to an optional tracer, which is how step witnesses are
// built. `run()` is the fast path: it executes ordinary instructions from per-page decode caches with inline memory
// access and hands every instruction that halts or is a syscall to `step()`, so both share one semantics. Hot basic
// blocks run as compiled JS functions (block-compiler.ts) when the block compiler is on (the default).
import {
  Block,
  BlockContext,
  compileBlock,
  MAX_BLOCK_BUDGET,
  STEP_BLOCK,
  scanBlock,
  wordIndex,
} from "./block-compiler.js";
import { toHex } from "./bytes.js";
import { chunkRoot, OutputCommitment, outputHashOf } from "./commitments.js";
import { alu, branchTaken, decode, div, divu, mulh, mulhsu, mulhu, Op, rem, remu } from "./decode.js";
import { type LoadedElf, loadElf } from "./elf.js";
import { type DecodedPage, FAST_STORE, Memory, PAGE_SHIFT, PAGE_SIZE } from "./memory.js";
import { MAX_KECCAK_BLOB, OracleError, type OracleResolver, oracleKeyMatches } from "./oracle.js";
import { encodeState, resultHash, Status, stateHashOfEncoding, type VmState } from "./state.js";

/** Syscall numbers (§1.5). */
export const Syscall = {
  Exit: 93,
  ExitGroup: 94,
  Read: 63,
  Write: 64,
  OracleSelect: 1000,
  OracleRead: 1001,
} as const;

/** Limits and inputs of a run (from the program manifest and the request). */
export interface MachineOptions {
  /** Input bytes (default empty). */
  readonly input?: Uint8Array;
  readonly maxSteps: bigint | number;
  readonly memLimit: number;
  readonly maxOutput: number;
  /** Blob source for `oracle_read`. Without it, reading a valid key throws `OracleError`. */
  readonly oracle?: OracleResolver;
  /** Run hot basic blocks as compiled JS functions in `run()` (default true; false: interpreter only). */
  readonly blockCompiler?: boolean;
  /** Executions of a block by the interpreter before it is compiled (default 16; 0 compiles on first sight). */
  readonly compileThreshold?: number;
}

/** Observer of the state a step reads, called before the access (so memory is still the pre-state). */
export interface StepTracer {
  /** The instruction fetch at `pc` (after the pc checks passed). */
  fetch(pc: number): void;
  /** The data leaf holding `addr` is about to be read or written. */
  data(addr: number): void;
  /** Input chunk `index` is about to be read. */
  input(index: number): void;
  /** `oracle_read` with a valid key type: the resolved blob, the requested offset and the transfer size `n`. */
  oracle(key: Uint8Array, blob: Uint8Array, offset: number, n: number): void;
}

/** Options of `Machine.run`. */
export interface RunOptions {
  /** Called every `progressInterval` steps (and not otherwise). */
  readonly onProgress?: (machine: Machine) => void;
  readonly progressInterval?: number;
}

const EBADF = -9;
const MAX_SAFE_STEPS = 2 ** 53;

function newDecodedPage(): DecodedPage {
  const n = PAGE_SIZE >>> 2;
  return {
    fields: new Int32Array(n),
    imm: new Int32Array(n),
    blocks: new Array<Block | undefined>(n).fill(undefined),
    covered: new Uint8Array(n),
  };
}

const NO_BLOCKS: (Block | undefined)[] = [];
const DEFAULT_COMPILE_THRESHOLD = 16;

const EMPTY_DECODED = newDecodedPage();

/** An RV32IM machine with Merkle memory, input, output and oracle (§1). */
export class Machine {
  readonly memory: Memory;
  /** x0..x31 as i32, plus a scratch slot 32 that the fast path uses as the destination of writes to x0. */
  readonly regs = new Int32Array(33);
  pc: number;
  /** Instructions executed so far (the state's `step`). */
  stepCount = 0;
  readonly maxSteps: bigint;
  readonly memLimit: number;
  readonly maxOutput: number;
  status: Status = Status.Running;
  exitCode = 0;
  readonly input: Uint8Array;
  readonly inputRoot: Uint8Array;
  inputCursor = 0;
  output: OutputCommitment = new OutputCommitment();
  oracleKey: Uint8Array = new Uint8Array(32);
  readonly oracle: OracleResolver | undefined;
  private outputBuf = new Uint8Array(256);
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly stepLimit: number;
  /** Block compiler state; undefined when it is off. */
  private blockCtx: BlockContext | undefined;
  private readonly compileThreshold: number;

  /** Loads an ELF (bytes or an already validated image) into a fresh machine. */
  static fromElf(elf: Uint8Array | LoadedElf, opts: MachineOptions): Machine {
    const image = elf instanceof Uint8Array ? loadElf(elf, { memLimit: opts.memLimit }) : elf;
    return new Machine(image, opts);
  }

  constructor(image: LoadedElf, opts: MachineOptions) {
    this.memory = new Memory();
    for (const seg of image.segments) {
      if (seg.vaddr + seg.memsz > opts.memLimit) throw new RangeError("segment beyond memLimit");
      this.memory.writeBytes(seg.vaddr, seg.data);
    }
    this.pc = image.entry >>> 0;
    this.maxSteps = BigInt(opts.maxSteps);
    if (this.maxSteps < 0n || this.maxSteps >= 1n << 64n) throw new RangeError("maxSteps must be a u64");
    this.stepLimit = this.maxSteps >= BigInt(MAX_SAFE_STEPS) ? MAX_SAFE_STEPS : Number(this.maxSteps);
    this.memLimit = opts.memLimit >>> 0;
    this.maxOutput = opts.maxOutput >>> 0;
    this.input = opts.input ?? new Uint8Array(0);
    this.inputRoot = chunkRoot(this.input);
    this.oracle = opts.oracle;
    this.blockCtx = opts.blockCompiler === false ? undefined : new BlockContext(this.regs, this.memory, this.memLimit);
    this.compileThreshold = opts.compileThreshold ?? DEFAULT_COMPILE_THRESHOLD;
    if (!(this.compileThreshold >= 0)) throw new RangeError("compileThreshold must be >= 0");
  }

  /** Whether `run()` uses the block compiler. */
  get blockCompiler(): boolean {
    return this.blockCtx !== undefined;
  }

  /** The state of §1.3 (computes the memory root). */
  state(): VmState {
    return {
      memRoot: this.memory.root(),
      inputRoot: this.inputRoot,
      outputChain: this.output.chain,
      outputTail: this.output.tail,
      oracleKey: this.oracleKey,
      pc: this.pc,
      step: BigInt(this.stepCount),
      maxSteps: this.maxSteps,
      memLimit: this.memLimit,
      inputLength: this.input.length,
      inputCursor: this.inputCursor,
      outputLength: this.output.length,
      maxOutput: this.maxOutput,
      exitCode: this.exitCode,
      status: this.status,
      regs: this.regs.slice(0, 32),
    };
  }

  /** The 329-byte state encoding. */
  encodeState(): Uint8Array {
    return encodeState(this.state());
  }

  /** The state hash (§1.3). */
  stateHash(): Uint8Array {
    return stateHashOfEncoding(this.encodeState());
  }

  /** The output commitment so far (§1.7). */
  outputHash(): Uint8Array {
    return outputHashOf(this.output.chain, this.output.tail, this.output.length);
  }

  /** The result hash (§1.8). */
  resultHash(): Uint8Array {
    return resultHash(this.status, this.exitCode, this.outputHash());
  }

  /** The bytes written to fd 1 so far. */
  outputData(): Uint8Array {
    return this.outputBuf.slice(0, this.output.length);
  }

  /** Replaces the output (used by checkpoint restore). */
  setOutput(commitment: OutputCommitment, data: Uint8Array): void {
    this.output = commitment.clone();
    this.outputBuf = new Uint8Array(Math.max(256, data.length * 2));
    this.outputBuf.set(data);
  }

  private halt(status: Status): Status {
    this.status = status;
    return status;
  }

  /** Executes one step with the reference semantics; returns the status after it. */
  step(tracer?: StepTracer): Status {
    if (this.status !== Status.Running) return this.status;
    if (this.stepCount >= this.stepLimit) return this.halt(Status.StepLimit);
    const pc = this.pc;
    if ((pc & 3) !== 0) return this.halt(Status.MisalignedAccess);
    if (pc + 4 > this.memLimit) return this.halt(Status.MemoryLimit);
    tracer?.fetch(pc);
    const d = decode(this.memory.loadWord(pc));
    const regs = this.regs;
    const a = regs[d.rs1];
    const b = regs[d.rs2];
    let next = (pc + 4) >>> 0;
    let result: number | undefined;
    switch (d.op) {
      case Op.Illegal:
        return this.halt(Status.IllegalInstruction);
      case Op.Ebreak:
        return this.halt(Status.Breakpoint);
      case Op.Ecall:
        return this.syscall(tracer);
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
        if ((target & 3) !== 0) return this.halt(Status.MisalignedAccess);
        result = (pc + 4) | 0;
        next = target;
        break;
      }
      case Op.Beq:
      case Op.Bne:
      case Op.Blt:
      case Op.Bge:
      case Op.Bltu:
      case Op.Bgeu: {
        if (branchTaken(d.op, a, b)) {
          const target = (pc + d.imm) >>> 0;
          if ((target & 3) !== 0) return this.halt(Status.MisalignedAccess);
          next = target;
        }
        break;
      }
      case Op.Lb:
      case Op.Lh:
      case Op.Lw:
      case Op.Lbu:
      case Op.Lhu: {
        const addr = (a + d.imm) >>> 0;
        const size = d.op === Op.Lw ? 4 : d.op === Op.Lh || d.op === Op.Lhu ? 2 : 1;
        if ((addr & (size - 1)) !== 0) return this.halt(Status.MisalignedAccess);
        if (addr + size > this.memLimit) return this.halt(Status.MemoryLimit);
        tracer?.data(addr);
        const w = this.memory.loadWord(addr & ~3);
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
        if ((addr & (size - 1)) !== 0) return this.halt(Status.MisalignedAccess);
        if (addr + size > this.memLimit) return this.halt(Status.MemoryLimit);
        tracer?.data(addr);
        const sh = (addr & 3) << 3;
        const mask = size === 4 ? -1 : size === 2 ? 0xffff << sh : 0xff << sh;
        const w = this.memory.loadWord(addr & ~3);
        this.memory.storeWord(addr & ~3, (w & ~mask) | ((b << sh) & mask));
        break;
      }
      default:
        result = alu(d.op, a, d.op >= Op.Add ? b : d.imm);
    }
    if (result !== undefined && d.rd !== 0) regs[d.rd] = result;
    this.stepCount++;
    this.pc = next;
    return Status.Running;
  }

  private syscall(tracer: StepTracer | undefined): Status {
    const regs = this.regs;
    const num = regs[17] >>> 0;
    const a0 = regs[10] >>> 0;
    const a1 = regs[11] >>> 0;
    const a2 = regs[12] >>> 0;
    let ret: number;
    switch (num) {
      case Syscall.Exit:
      case Syscall.ExitGroup:
        this.exitCode = a0;
        return this.halt(Status.Exited);
      case Syscall.Read: {
        if (a0 !== 0) {
          ret = EBADF;
          break;
        }
        const cursor = this.inputCursor;
        const n = Math.min(a2, 32 - (a1 % 32), 32 - (cursor % 32), this.input.length - cursor);
        if (n > 0) {
          if (a1 + n > this.memLimit) return this.halt(Status.MemoryLimit);
          tracer?.data(a1);
          tracer?.input(cursor >>> 5);
          for (let i = 0; i < n; i++) this.memory.storeByte(a1 + i, this.input[cursor + i]);
          this.inputCursor = cursor + n;
        }
        ret = n;
        break;
      }
      case Syscall.Write: {
        if (a0 === 1) {
          const n = Math.min(a2, 32 - (a1 % 32), 32 - (this.output.length % 32));
          if (this.output.length + n > this.maxOutput) return this.halt(Status.OutputLimit);
          if (n > 0) {
            if (a1 + n > this.memLimit) return this.halt(Status.MemoryLimit);
            tracer?.data(a1);
            this.appendOutput(this.memory.readBytes(a1, n));
          }
          ret = n;
        } else if (a0 === 2) ret = a2 | 0;
        else ret = EBADF;
        break;
      }
      case Syscall.OracleSelect: {
        if ((a0 & 31) !== 0) return this.halt(Status.MisalignedAccess);
        if (a0 + 32 > this.memLimit) return this.halt(Status.MemoryLimit);
        tracer?.data(a0);
        this.oracleKey = this.memory.readBytes(a0, 32);
        ret = 0;
        break;
      }
      case Syscall.OracleRead: {
        const key = this.oracleKey;
        if (key[0] !== 1 && key[0] !== 2) return this.halt(Status.BadOracleKey);
        const blob = this.resolve(key);
        const n = Math.min(a1, 32 - (a0 % 32), 32 - (a2 % 32), Math.max(0, blob.length - a2));
        tracer?.oracle(key, blob, a2, n);
        if (key[0] === 1 && blob.length > MAX_KECCAK_BLOB) return this.halt(Status.BadOracleKey);
        if (n > 0) {
          if (a0 + n > this.memLimit) return this.halt(Status.MemoryLimit);
          tracer?.data(a0);
          for (let i = 0; i < n; i++) this.memory.storeByte(a0 + i, blob[a2 + i]);
        }
        ret = n;
        break;
      }
      default:
        return this.halt(Status.UnknownSyscall);
    }
    regs[10] = ret;
    this.stepCount++;
    this.pc = (this.pc + 4) >>> 0;
    return Status.Running;
  }

  private appendOutput(bytes: Uint8Array): void {
    const len = this.output.length;
    if (len + bytes.length > this.outputBuf.length) {
      const grown = new Uint8Array(Math.max(this.outputBuf.length * 2, len + bytes.length));
      grown.set(this.outputBuf.subarray(0, len));
      this.outputBuf = grown;
    }
    this.outputBuf.set(bytes, len);
    this.output.append(bytes);
  }

  /** The blob of `key`, fetched once from the resolver and checked against the key. */
  blobOf(key: Uint8Array): Uint8Array {
    return this.resolve(key);
  }

  private resolve(key: Uint8Array): Uint8Array {
    const id = toHex(key);
    const cached = this.blobs.get(id);
    if (cached !== undefined) return cached;
    const blob = this.oracle?.get(key);
    if (blob === undefined) throw new OracleError(`oracle blob for key ${id} is not available`);
    if (!oracleKeyMatches(key, blob)) throw new OracleError(`oracle blob for key ${id} does not match the key`);
    this.blobs.set(id, blob);
    return blob;
  }

  /**
   * Runs until the machine halts or `budget` more transitions have been applied (a halting transition counts as one,
   * like a call of `step()`); returns the status. Ordinary instructions run on the fast path; syscalls and anything
   * that halts go through `step()`.
   */
  run(budget = Number.POSITIVE_INFINITY, opts: RunOptions = {}): Status {
    const interval = opts.onProgress === undefined ? Number.POSITIVE_INFINITY : (opts.progressInterval ?? 1 << 24);
    let nextProgress = this.stepCount + interval;
    let remaining = budget;
    while (this.status === Status.Running && remaining > 0) {
      if (this.stepCount >= this.stepLimit) {
        this.step();
        break;
      }
      const before = this.stepCount;
      const end = Math.min(before + remaining, this.stepLimit, nextProgress);
      const ok = this.blockCtx !== undefined ? this.blockRun(end, this.blockCtx) : this.fastRun(end);
      remaining -= this.stepCount - before;
      if (!ok && remaining > 0) {
        this.step();
        remaining--;
      }
      if (this.stepCount >= nextProgress) {
        nextProgress = this.stepCount + interval;
        opts.onProgress?.(this);
      }
    }
    return this.status;
  }

  /**
   * Like `fastRun`, but runs compiled blocks: a block runs only when at least its length remains before `end`, and
   * blocks seen fewer than `compileThreshold` times, or cut by `end`, run on `fastRun`. Returns false when the next
   * instruction needs `step()`. The loop holds only the hot path (rare cases are methods), so that V8 keeps it
   * optimized.
   */
  private blockRun(end: number, c: BlockContext): boolean {
    const lastPc = this.memLimit - 4;
    let pc = this.pc;
    let steps = this.stepCount;
    let curPage = -1;
    let blocks = NO_BLOCKS;
    if ((pc & 3) !== 0) return false;
    while (steps < end) {
      if (pc > lastPc) break;
      const pi = pc >>> PAGE_SHIFT;
      if (pi !== curPage) {
        blocks = this.memory.decodedPage(pi, newDecodedPage).blocks;
        curPage = pi;
      }
      const b = blocks[wordIndex(pc)] ?? this.findBlock(pc);
      const left = end - steps;
      const fn = b.fn;
      if (fn !== undefined && left >= b.len) {
        steps += fn(c, Math.min(left, MAX_BLOCK_BUDGET));
        pc = c.pc;
        if (c.trap !== 0) {
          c.trap = 0;
          break;
        }
        continue;
      }
      this.pc = pc;
      this.stepCount = steps;
      if (!this.coldBlock(b, end)) return false;
      pc = this.pc;
      steps = this.stepCount;
    }
    this.pc = pc;
    this.stepCount = steps;
    return steps >= end;
  }

  /** Scans the block at `pc` (4-aligned, in memLimit) into its page's block table and returns it. */
  private findBlock(pc: number): Block {
    const dp = this.memory.decodedPage(pc >>> PAGE_SHIFT, newDecodedPage);
    const insns = scanBlock(this.memory, pc, this.memLimit);
    const b = insns.length === 0 ? STEP_BLOCK : new Block(insns.length, insns);
    const wi = wordIndex(pc);
    dp.blocks[wi] = b;
    dp.covered.fill(1, wi, wi + Math.max(1, insns.length));
    return b;
  }

  /**
   * The block `b` at `this.pc` is not compiled or longer than the budget left: compiles it once hot enough (it runs
   * at the next dispatch), else interprets it, or up to `end` if that comes first. Returns false when the next
   * instruction needs `step()`.
   */
  private coldBlock(b: Block, end: number): boolean {
    const len = b.len;
    if (len === 0) return false;
    const left = end - this.stepCount;
    const insns = b.insns;
    if (left >= len && b.fn === undefined && b.hits >= this.compileThreshold && insns !== undefined) {
      b.insns = undefined;
      try {
        b.fn = compileBlock(this.pc, insns);
        return true;
      } catch {
        // Code generation refused (e.g. a content security policy forbids `new Function`): interpret from now on.
        this.blockCtx = undefined;
      }
    }
    b.hits++;
    return this.fastRun(left < len ? end : this.stepCount + len);
  }

  /** Executes ordinary instructions until `end` steps; returns false when the next instruction needs `step()`. */
  private fastRun(end: number): boolean {
    const mem = this.memory;
    const slotOf = mem.slotOf;
    const slotPages = mem.slotPages;
    const fast = mem.fast;
    const regs = this.regs;
    const memLimit = this.memLimit;
    let pc = this.pc;
    let steps = this.stepCount;
    let curPage = -1;
    let dp: DecodedPage = EMPTY_DECODED;
    let fields = dp.fields;
    let imms = dp.imm;
    let ok = true;
    // pc stays 4-aligned inside the loop: every jump target is checked before it is taken.
    if ((pc & 3) !== 0) return false;
    const lastPc = memLimit - 4;
    loop: while (steps < end) {
      if (pc > lastPc) {
        ok = false;
        break;
      }
      const pi = pc >>> PAGE_SHIFT;
      if (pi !== curPage) {
        dp = mem.decodedPage(pi, newDecodedPage);
        fields = dp.fields;
        imms = dp.imm;
        curPage = pi;
      }
      const wi = (pc & (PAGE_SIZE - 1)) >>> 2;
      let f = fields[wi];
      if (f === 0) {
        const d = decode(slotPages[slotOf[pi]][wi]);
        f = d.op | ((d.rd === 0 ? 32 : d.rd) << 8) | (d.rs1 << 16) | (d.rs2 << 24);
        fields[wi] = f;
        imms[wi] = d.imm;
      }
      const op = f & 0xff;
      const rd = (f >>> 8) & 0xff;
      const imm = imms[wi];
      switch (op) {
        case Op.Addi:
          regs[rd] = regs[(f >>> 16) & 31] + imm;
          pc += 4;
          break;
        case Op.Add:
          regs[rd] = regs[(f >>> 16) & 31] + regs[f >>> 24];
          pc += 4;
          break;
        case Op.Sub:
          regs[rd] = regs[(f >>> 16) & 31] - regs[f >>> 24];
          pc += 4;
          break;
        case Op.Lui:
          regs[rd] = imm;
          pc += 4;
          break;
        case Op.Auipc:
          regs[rd] = pc + imm;
          pc += 4;
          break;
        case Op.Jal: {
          const t = (pc + imm) >>> 0;
          if ((t & 3) !== 0) {
            ok = false;
            break loop;
          }
          regs[rd] = pc + 4;
          pc = t;
          break;
        }
        case Op.Jalr: {
          const t = ((regs[(f >>> 16) & 31] + imm) & ~1) >>> 0;
          if ((t & 3) !== 0) {
            ok = false;
            break loop;
          }
          regs[rd] = pc + 4;
          pc = t;
          break;
        }
        case Op.Beq:
        case Op.Bne:
        case Op.Blt:
        case Op.Bge:
        case Op.Bltu:
        case Op.Bgeu: {
          const x = regs[(f >>> 16) & 31];
          const y = regs[f >>> 24];
          let taken: boolean;
          if (op === Op.Beq) taken = x === y;
          else if (op === Op.Bne) taken = x !== y;
          else if (op === Op.Blt) taken = x < y;
          else if (op === Op.Bge) taken = x >= y;
          else if (op === Op.Bltu) taken = x >>> 0 < y >>> 0;
          else taken = x >>> 0 >= y >>> 0;
          if (taken) {
            const t = (pc + imm) >>> 0;
            if ((t & 3) !== 0) {
              ok = false;
              break loop;
            }
            pc = t;
          } else pc += 4;
          break;
        }
        case Op.Lw: {
          const a = (regs[(f >>> 16) & 31] + imm) >>> 0;
          if ((a & 3) !== 0 || a + 4 > memLimit) {
            ok = false;
            break loop;
          }
          regs[rd] = slotPages[slotOf[a >>> PAGE_SHIFT]][(a & (PAGE_SIZE - 1)) >>> 2];
          pc += 4;
          break;
        }
        case Op.Lb:
        case Op.Lbu:
        case Op.Lh:
        case Op.Lhu: {
          const a = (regs[(f >>> 16) & 31] + imm) >>> 0;
          const half = op === Op.Lh || op === Op.Lhu;
          if ((half && (a & 1) !== 0) || a + (half ? 2 : 1) > memLimit) {
            ok = false;
            break loop;
          }
          const w = slotPages[slotOf[a >>> PAGE_SHIFT]][(a & (PAGE_SIZE - 1)) >>> 2];
          const sh = (a & 3) << 3;
          if (op === Op.Lb) regs[rd] = (w << (24 - sh)) >> 24;
          else if (op === Op.Lbu) regs[rd] = (w >>> sh) & 0xff;
          else if (op === Op.Lh) regs[rd] = (w << (16 - sh)) >> 16;
          else regs[rd] = (w >>> sh) & 0xffff;
          pc += 4;
          break;
        }
        case Op.Sw: {
          const a = (regs[(f >>> 16) & 31] + imm) >>> 0;
          if ((a & 3) !== 0 || a + 4 > memLimit) {
            ok = false;
            break loop;
          }
          const pj = a >>> PAGE_SHIFT;
          const wj = (a & (PAGE_SIZE - 1)) >>> 2;
          if (fast[pj] !== FAST_STORE) mem.storeSlow(pj, wj);
          slotPages[slotOf[pj]][wj] = regs[f >>> 24];
          pc += 4;
          break;
        }
        case Op.Sb:
        case Op.Sh: {
          const a = (regs[(f >>> 16) & 31] + imm) >>> 0;
          const half = op === Op.Sh;
          if ((half && (a & 1) !== 0) || a + (half ? 2 : 1) > memLimit) {
            ok = false;
            break loop;
          }
          const pj = a >>> PAGE_SHIFT;
          const wj = (a & (PAGE_SIZE - 1)) >>> 2;
          if (fast[pj] !== FAST_STORE) mem.storeSlow(pj, wj);
          const p = slotPages[slotOf[pj]];
          const sh = (a & 3) << 3;
          const mask = (half ? 0xffff : 0xff) << sh;
          p[wj] = (p[wj] & ~mask) | ((regs[f >>> 24] << sh) & mask);
          pc += 4;
          break;
        }
        case Op.Slti:
          regs[rd] = regs[(f >>> 16) & 31] < imm ? 1 : 0;
          pc += 4;
          break;
        case Op.Sltiu:
          regs[rd] = regs[(f >>> 16) & 31] >>> 0 < imm >>> 0 ? 1 : 0;
          pc += 4;
          break;
        case Op.Xori:
          regs[rd] = regs[(f >>> 16) & 31] ^ imm;
          pc += 4;
          break;
        case Op.Ori:
          regs[rd] = regs[(f >>> 16) & 31] | imm;
          pc += 4;
          break;
        case Op.Andi:
          regs[rd] = regs[(f >>> 16) & 31] & imm;
          pc += 4;
          break;
        case Op.Slli:
          regs[rd] = regs[(f >>> 16) & 31] << imm;
          pc += 4;
          break;
        case Op.Srli:
          regs[rd] = regs[(f >>> 16) & 31] >>> imm;
          pc += 4;
          break;
        case Op.Srai:
          regs[rd] = regs[(f >>> 16) & 31] >> imm;
          pc += 4;
          break;
        case Op.Sll:
          regs[rd] = regs[(f >>> 16) & 31] << regs[f >>> 24];
          pc += 4;
          break;
        case Op.Slt:
          regs[rd] = regs[(f >>> 16) & 31] < regs[f >>> 24] ? 1 : 0;
          pc += 4;
          break;
        case Op.Sltu:
          regs[rd] = regs[(f >>> 16) & 31] >>> 0 < regs[f >>> 24] >>> 0 ? 1 : 0;
          pc += 4;
          break;
        case Op.Xor:
          regs[rd] = regs[(f >>> 16) & 31] ^ regs[f >>> 24];
          pc += 4;
          break;
        case Op.Srl:
          regs[rd] = regs[(f >>> 16) & 31] >>> regs[f >>> 24];
          pc += 4;
          break;
        case Op.Sra:
          regs[rd] = regs[(f >>> 16) & 31] >> regs[f >>> 24];
          pc += 4;
          break;
        case Op.Or:
          regs[rd] = regs[(f >>> 16) & 31] | regs[f >>> 24];
          pc += 4;
          break;
        case Op.And:
          regs[rd] = regs[(f >>> 16) & 31] & regs[f >>> 24];
          pc += 4;
          break;
        case Op.Mul:
          regs[rd] = Math.imul(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Mulh:
          regs[rd] = mulh(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Mulhsu:
          regs[rd] = mulhsu(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Mulhu:
          regs[rd] = mulhu(regs[(f >>> 16) & 31] >>> 0, regs[f >>> 24] >>> 0);
          pc += 4;
          break;
        case Op.Div:
          regs[rd] = div(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Divu:
          regs[rd] = divu(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Rem:
          regs[rd] = rem(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Remu:
          regs[rd] = remu(regs[(f >>> 16) & 31], regs[f >>> 24]);
          pc += 4;
          break;
        case Op.Fence:
          pc += 4;
          break;
        default:
          // ECALL, EBREAK, illegal: the reference step handles them.
          ok = false;
          break loop;
      }
      steps++;
    }
    this.pc = pc;
    this.stepCount = steps;
    return ok;
  }
}

/** Memory root after loading an ELF: the manifest's `memRoot` (§2). */
export function initialMemRoot(elf: Uint8Array | LoadedElf, memLimit: number): Uint8Array {
  const image = elf instanceof Uint8Array ? loadElf(elf, { memLimit }) : elf;
  const memory = new Memory();
  for (const seg of image.segments) memory.writeBytes(seg.vaddr, seg.data);
  return memory.root();
}
