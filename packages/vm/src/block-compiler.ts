// Basic-block compiler for `Machine.run`: translates a straight-line run of guest instructions (up to and including
// the first jump or loop branch; other conditional branches are side exits; never across a page, never an
// ECALL/EBREAK/illegal word) into a JS function with the guest registers in locals. The generated code follows the
// interpreter (`fastRun`) instruction by instruction: same memLimit and alignment checks, same page table and store
// bookkeeping (`Memory.storeSlow`), so its effect is the reference `step()`'s. Anything that would halt leaves the
// block *before* the instruction with state written back and sets `trap`, so `step()` executes (and halts on) it. A
// block whose last instruction branches back to its own start loops inside the function while the step budget allows
// another full pass.
//
// Generated code is a pure function of the block's pc and instruction words; it takes the machine's state through a
// `BlockContext`, so one compiled function is shared by every machine (cache keyed by the generated source).
import { type Decoded, decode, mulh, mulhsu, mulhu, Op } from "./decode.js";
import { FAST_STORE, type Memory, PAGE_SHIFT, PAGE_SIZE } from "./memory.js";

/** Longest block compiled (instructions); the budget check per block must stay cheap at the end of a run. */
export const MAX_BLOCK_LENGTH = 64;

/**
 * Largest budget passed to one call of a block. A self-looping block returns at least every 2^16 steps, so that a
 * long loop is re-entered through ordinary calls (and optimized normally) instead of living in one on-stack-replaced
 * call, which measured both slower and erratic.
 */
export const MAX_BLOCK_BUDGET = 1 << 16;

/** What compiled blocks read and write: one per machine. */
export class BlockContext {
  /** Next pc after the block (u32), set by every block on exit. */
  pc = 0;
  /** 1 when the block stopped before an instruction that `step()` must execute (it would halt). */
  trap = 0;
  readonly slotOf: Int32Array;
  readonly slotPages: Int32Array[];
  readonly fast: Uint8Array;

  constructor(
    readonly regs: Int32Array,
    readonly mem: Memory,
    readonly memLimit: number,
  ) {
    this.slotOf = mem.slotOf;
    this.slotPages = mem.slotPages;
    this.fast = mem.fast;
  }
}

/** A compiled block: runs at most `budget` (>= its length) steps and returns how many it ran; sets `c.pc`. */
export type BlockFn = (c: BlockContext, budget: number) => number;

/** A block found at some pc: its length (0: the first instruction needs `step()`), hit count and compiled code. */
export class Block {
  hits = 0;
  fn: BlockFn | undefined = undefined;

  constructor(
    readonly len: number,
    /** Its decoded instructions (dropped once compiled). */
    public insns: Decoded[] | undefined,
  ) {}
}

/** Block of length 0: the instruction at this pc goes to `step()` (ECALL, EBREAK, illegal, bad static target). */
export const STEP_BLOCK = new Block(0, undefined);

const WORD_MASK = (PAGE_SIZE >>> 2) - 1;

/** Whether `d` ends a block (a control transfer). */
function isControl(op: Op): boolean {
  return op === Op.Jal || op === Op.Jalr || (op >= Op.Beq && op <= Op.Bgeu);
}

/**
 * Decodes the block starting at `pc` (4-aligned, `pc + 4 <= memLimit`): straight-line instructions up to and
 * including the first jump or the first branch back to `pc`, passing other branches (side exits), stopping before
 * anything `step()` must handle, at the page end, at `memLimit` or at `MAX_BLOCK_LENGTH`.
 */
export function scanBlock(mem: Memory, pc: number, memLimit: number): Decoded[] {
  const insns: Decoded[] = [];
  const pageEnd = ((pc >>> PAGE_SHIFT) + 1) * PAGE_SIZE;
  for (let p = pc; p < pageEnd && p + 4 <= memLimit && insns.length < MAX_BLOCK_LENGTH; p += 4) {
    const d = decode(mem.loadWord(p));
    if (d.op === Op.Ecall || d.op === Op.Ebreak || d.op === Op.Illegal) break;
    // A statically misaligned target halts when taken: leave that to `step()`.
    if ((d.op === Op.Jal || (d.op >= Op.Beq && d.op <= Op.Bgeu)) && ((p + d.imm) & 3) !== 0) break;
    insns.push(d);
    // Conditional branches are side exits (the block continues on the fall-through path) unless they branch back
    // to the block start (a loop); jumps end the block.
    if (d.op === Op.Jal || d.op === Op.Jalr || (isControl(d.op) && ((p + d.imm) | 0) === (pc | 0))) break;
  }
  return insns;
}

/** Word index of `pc` in its page. */
export function wordIndex(pc: number): number {
  return (pc >>> 2) & WORD_MASK;
}

const cache = new Map<string, BlockFn>();
/** Bound on cached functions: the cache is cleared when it grows beyond this (programs are far smaller). */
const CACHE_LIMIT = 1 << 16;

/** Compiles the block of `insns` starting at `pc` (or returns the cached function of identical source). */
export function compileBlock(pc: number, insns: readonly Decoded[]): BlockFn {
  const src = blockSource(pc, insns);
  let fn = cache.get(src);
  if (fn === undefined) {
    const factory = new Function("mulh", "mulhsu", "mulhu", src) as (
      h: typeof mulh,
      hsu: typeof mulhsu,
      hu: typeof mulhu,
    ) => BlockFn;
    fn = factory(mulh, mulhsu, mulhu);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(src, fn);
  }
  return fn;
}

/** Number of distinct compiled functions held by the shared cache (for tests and benchmarks). */
export function compiledBlockCount(): number {
  return cache.size;
}

const lit = (v: number): string => (v < 0 ? `(${v})` : `${v}`);

/** Source of the factory body that returns the block function (exported for tests that inspect it). */
export function blockSource(pc0: number, insns: readonly Decoded[]): string {
  const len = insns.length;
  if (len === 0) throw new RangeError("blockSource: empty block");
  const used = new Set<number>();
  const written = new Set<number>();
  /** Registers whose first use is a write (an instruction reads before it writes). */
  const writeFirst = new Set<number>();
  /** writtenBefore[k]: registers written by instructions 0..k-1 (what an exit before instruction k writes back). */
  const writtenBefore: number[][] = [];
  let memory = false;
  let stores = false;
  for (const d of insns) {
    writtenBefore.push([...written]);
    const op = d.op;
    const readsRs1 = op !== Op.Lui && op !== Op.Auipc && op !== Op.Jal && op !== Op.Fence;
    const readsRs2 =
      (op >= Op.Beq && op <= Op.Bgeu) || (op >= Op.Sb && op <= Op.Sw) || (op >= Op.Add && op <= Op.And) || op >= Op.Mul;
    const writesRd = !(op >= Op.Beq && op <= Op.Bgeu) && !(op >= Op.Sb && op <= Op.Sw) && op !== Op.Fence;
    if (readsRs1 && d.rs1 !== 0) used.add(d.rs1);
    if (readsRs2 && d.rs2 !== 0) used.add(d.rs2);
    if (writesRd && d.rd !== 0) {
      if (!used.has(d.rd)) writeFirst.add(d.rd);
      used.add(d.rd);
      written.add(d.rd);
    }
    if (op >= Op.Lb && op <= Op.Sw) memory = true;
    if (op >= Op.Sb && op <= Op.Sw) stores = true;
  }
  writtenBefore.push([...written]);
  const x = (r: number): string => (r === 0 ? "0" : `x${r}`);
  const last = insns[len - 1];
  const lastPc = (pc0 + 4 * (len - 1)) >>> 0;
  const selfLoop =
    (last.op === Op.Jal || (last.op >= Op.Beq && last.op <= Op.Bgeu)) && (lastPc + last.imm) >>> 0 === pc0 >>> 0;
  const out: string[] = [];
  out.push('"use strict";');
  out.push(`return function block_${(pc0 >>> 0).toString(16)}(c, budget) {`);
  out.push("const r = c.regs;");
  if (memory)
    out.push("const sp = c.slotPages, so = c.slotOf, ml = c.memLimit, m4 = ml - 4, m2 = ml - 2, m1 = ml - 1;");
  if (stores) out.push("const fa = c.fast, mem = c.mem, ep = mem.codeEpoch; let pj = 0, wj = 0, p = sp[0];");
  out.push(memory ? "let a = 0, w = 0, sh = 0;" : "let a = 0;");
  // A straight block need not load registers it writes before reading: its exits before the end write back only what
  // was written so far. A self-looping block writes back everything it writes (a later pass may exit anywhere).
  const lazy = (reg: number): boolean => !selfLoop && writeFirst.has(reg);
  for (const reg of [...used].sort((p, q) => p - q)) out.push(`let x${reg} = ${lazy(reg) ? "0" : `r[${reg}]`};`);
  const exitBefore = (k: number, pc: number, trap: boolean): string => {
    if (selfLoop) return `{ n += ${k}; npc = ${pc}; ${trap ? "c.trap = 1; " : ""}break out; }`;
    const back = writtenBefore[k].map((reg) => `r[${reg}] = x${reg}; `).join("");
    return `{ ${back}c.pc = ${pc}; ${trap ? "c.trap = 1; " : ""}return ${k}; }`;
  };
  out.push("let n = 0, npc = 0;");
  out.push("out: for (;;) {");
  for (let k = 0; k < len; k++) {
    const d = insns[k];
    const pc = (pc0 + 4 * k) >>> 0;
    const rd = d.rd;
    const s1 = x(d.rs1);
    const s2 = x(d.rs2);
    const imm = d.imm | 0;
    const trap = exitBefore(k, pc, true);
    const set = (expr: string): void => {
      if (rd !== 0) out.push(`x${rd} = ${expr};`);
    };
    const end = (next: string): void => {
      out.push(`n += ${len}; npc = ${next}; break out;`);
    };
    switch (d.op) {
      case Op.Fence:
        break;
      case Op.Lui:
        set(lit(imm));
        break;
      case Op.Auipc:
        set(lit((pc + imm) | 0));
        break;
      case Op.Addi:
        set(`(${s1} + ${lit(imm)}) | 0`);
        break;
      case Op.Slti:
        set(`${s1} < ${lit(imm)} ? 1 : 0`);
        break;
      case Op.Sltiu:
        set(`(${s1} >>> 0) < ${imm >>> 0} ? 1 : 0`);
        break;
      case Op.Xori:
        set(`${s1} ^ ${lit(imm)}`);
        break;
      case Op.Ori:
        set(`${s1} | ${lit(imm)}`);
        break;
      case Op.Andi:
        set(`${s1} & ${lit(imm)}`);
        break;
      case Op.Slli:
        set(`${s1} << ${imm & 31}`);
        break;
      case Op.Srli:
        set(`(${s1} >>> ${imm & 31}) | 0`);
        break;
      case Op.Srai:
        set(`${s1} >> ${imm & 31}`);
        break;
      case Op.Add:
        set(`(${s1} + ${s2}) | 0`);
        break;
      case Op.Sub:
        set(`(${s1} - ${s2}) | 0`);
        break;
      case Op.Sll:
        set(`${s1} << ${s2}`); // JS shifts use the low 5 bits of the count, as RV32 does
        break;
      case Op.Slt:
        set(`${s1} < ${s2} ? 1 : 0`);
        break;
      case Op.Sltu:
        set(`(${s1} >>> 0) < (${s2} >>> 0) ? 1 : 0`);
        break;
      case Op.Xor:
        set(`${s1} ^ ${s2}`);
        break;
      case Op.Srl:
        set(`(${s1} >>> ${s2}) | 0`);
        break;
      case Op.Sra:
        set(`${s1} >> ${s2}`);
        break;
      case Op.Or:
        set(`${s1} | ${s2}`);
        break;
      case Op.And:
        set(`${s1} & ${s2}`);
        break;
      case Op.Mul:
        set(`Math.imul(${s1}, ${s2})`);
        break;
      case Op.Mulh:
        set(`mulh(${s1}, ${s2})`);
        break;
      case Op.Mulhsu:
        set(`mulhsu(${s1}, ${s2})`);
        break;
      case Op.Mulhu:
        set(`mulhu(${s1} >>> 0, ${s2} >>> 0)`);
        break;
      // Division per RISC-V: x/0 = -1 and x%0 = x; INT_MIN/-1 = INT_MIN and INT_MIN%-1 = 0 fall out of `| 0`.
      case Op.Div:
        set(`${s2} === 0 ? -1 : (${s1} / ${s2}) | 0`);
        break;
      case Op.Divu:
        set(`${s2} === 0 ? -1 : ((${s1} >>> 0) / (${s2} >>> 0)) | 0`);
        break;
      case Op.Rem:
        set(`${s2} === 0 ? ${s1} : (${s1} % ${s2}) | 0`);
        break;
      case Op.Remu:
        set(`${s2} === 0 ? ${s1} : ((${s1} >>> 0) % (${s2} >>> 0)) | 0`);
        break;
      case Op.Lw:
      case Op.Lh:
      case Op.Lhu:
      case Op.Lb:
      case Op.Lbu: {
        out.push(`a = (${s1} + ${lit(imm)}) | 0;`);
        if (d.op === Op.Lw) out.push(`if ((a & 3) !== 0 || (a >>> 0) > m4) ${trap}`);
        else if (d.op === Op.Lh || d.op === Op.Lhu) out.push(`if ((a & 1) !== 0 || (a >>> 0) > m2) ${trap}`);
        else out.push(`if ((a >>> 0) > m1) ${trap}`);
        if (rd === 0) break;
        const word = `sp[so[a >>> ${PAGE_SHIFT}]][(a >> 2) & ${WORD_MASK}]`;
        if (d.op === Op.Lw) out.push(`x${rd} = ${word};`);
        else {
          out.push(`w = ${word}; sh = (a & 3) << 3;`);
          if (d.op === Op.Lb) out.push(`x${rd} = (w << (24 - sh)) >> 24;`);
          else if (d.op === Op.Lbu) out.push(`x${rd} = (w >>> sh) & 255;`);
          else if (d.op === Op.Lh) out.push(`x${rd} = (w << (16 - sh)) >> 16;`);
          else out.push(`x${rd} = (w >>> sh) & 65535;`);
        }
        break;
      }
      case Op.Sw:
      case Op.Sh:
      case Op.Sb: {
        out.push(`a = (${s1} + ${lit(imm)}) | 0;`);
        if (d.op === Op.Sw) out.push(`if ((a & 3) !== 0 || (a >>> 0) > m4) ${trap}`);
        else if (d.op === Op.Sh) out.push(`if ((a & 1) !== 0 || (a >>> 0) > m2) ${trap}`);
        else out.push(`if ((a >>> 0) > m1) ${trap}`);
        out.push(`pj = a >>> ${PAGE_SHIFT}; wj = (a >> 2) & ${WORD_MASK};`);
        let write: string;
        if (d.op === Op.Sw) write = `sp[so[pj]][wj] = ${s2};`;
        else {
          const mask = d.op === Op.Sh ? 65535 : 255;
          write = `p = sp[so[pj]]; sh = (a & 3) << 3; p[wj] = (p[wj] & ~(${mask} << sh)) | ((${s2} & ${mask}) << sh);`;
        }
        // Pages holding code (or shared, clean, unallocated) take the bookkeeping path, which also drops compiled
        // blocks covering the word; then this block may be stale and must stop after the store.
        out.push(
          `if (fa[pj] !== ${FAST_STORE}) { mem.storeSlow(pj, wj); ${write} if (mem.codeEpoch !== ep) ${exitBefore(k + 1, (pc + 4) >>> 0, false)} } else { ${write} }`,
        );
        break;
      }
      case Op.Jal: {
        const target = (pc + imm) >>> 0;
        set(lit((pc + 4) | 0));
        if (selfLoop) out.push(`n += ${len}; if (budget - n >= ${len}) continue; npc = ${target}; break out;`);
        else end(`${target}`);
        break;
      }
      case Op.Jalr:
        out.push(`a = (${s1} + ${lit(imm)}) & -2;`);
        out.push(`if ((a & 3) !== 0) ${trap}`);
        set(lit((pc + 4) | 0));
        end("a >>> 0");
        break;
      case Op.Beq:
      case Op.Bne:
      case Op.Blt:
      case Op.Bge:
      case Op.Bltu:
      case Op.Bgeu: {
        const cond =
          d.op === Op.Beq
            ? `${s1} === ${s2}`
            : d.op === Op.Bne
              ? `${s1} !== ${s2}`
              : d.op === Op.Blt
                ? `${s1} < ${s2}`
                : d.op === Op.Bge
                  ? `${s1} >= ${s2}`
                  : d.op === Op.Bltu
                    ? `(${s1} >>> 0) < (${s2} >>> 0)`
                    : `(${s1} >>> 0) >= (${s2} >>> 0)`;
        const target = (pc + imm) >>> 0;
        const fall = (pc + 4) >>> 0;
        if (k < len - 1) {
          // A side exit: leave with the steps executed so far when taken.
          out.push(`if (${cond}) ${exitBefore(k + 1, target, false)}`);
          break;
        }
        out.push(`n += ${len};`);
        if (selfLoop) out.push(`if (${cond}) { if (budget - n >= ${len}) continue; npc = ${target}; break out; }`);
        else out.push(`if (${cond}) { npc = ${target}; break out; }`);
        out.push(`npc = ${fall}; break out;`);
        break;
      }
      default:
        throw new RangeError(`blockSource: op ${d.op} at 0x${pc.toString(16)} cannot be compiled`);
    }
  }
  if (last.op !== Op.Jal && last.op !== Op.Jalr && !(last.op >= Op.Beq && last.op <= Op.Bgeu))
    out.push(`n += ${len}; npc = ${(lastPc + 4) >>> 0}; break out;`);
  out.push("}");
  for (const reg of [...written].sort((p, q) => p - q)) out.push(`r[${reg}] = x${reg};`);
  out.push("c.pc = npc;");
  out.push("return n;");
  out.push("};");
  return out.join("\n");
}
