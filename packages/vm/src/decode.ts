// RV32IM instruction decoder shared by the interpreter and the witness verifier. Everything not listed in §1.1 decodes
// to `Op.Illegal`. FENCE/FENCE.I (MISC-MEM with funct3 0 or 1, other fields ignored) decode to `Op.Fence`, a no-op.

/** Operation ids of decoded instructions. 0 is reserved for "not decoded yet" in decode caches. */
export const Op = {
  Illegal: 1,
  Lui: 2,
  Auipc: 3,
  Jal: 4,
  Jalr: 5,
  Beq: 6,
  Bne: 7,
  Blt: 8,
  Bge: 9,
  Bltu: 10,
  Bgeu: 11,
  Lb: 12,
  Lh: 13,
  Lw: 14,
  Lbu: 15,
  Lhu: 16,
  Sb: 17,
  Sh: 18,
  Sw: 19,
  Addi: 20,
  Slti: 21,
  Sltiu: 22,
  Xori: 23,
  Ori: 24,
  Andi: 25,
  Slli: 26,
  Srli: 27,
  Srai: 28,
  Add: 29,
  Sub: 30,
  Sll: 31,
  Slt: 32,
  Sltu: 33,
  Xor: 34,
  Srl: 35,
  Sra: 36,
  Or: 37,
  And: 38,
  Fence: 39,
  Ecall: 40,
  Ebreak: 41,
  Mul: 42,
  Mulh: 43,
  Mulhsu: 44,
  Mulhu: 45,
  Div: 46,
  Divu: 47,
  Rem: 48,
  Remu: 49,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** A decoded instruction; `imm` is sign-extended (shift amount for SLLI/SRLI/SRAI). */
export interface Decoded {
  op: Op;
  rd: number;
  rs1: number;
  rs2: number;
  imm: number;
}

const LOADS: readonly (Op | 0)[] = [Op.Lb, Op.Lh, Op.Lw, 0, Op.Lbu, Op.Lhu, 0, 0];
const STORES: readonly (Op | 0)[] = [Op.Sb, Op.Sh, Op.Sw, 0, 0, 0, 0, 0];
const BRANCHES: readonly (Op | 0)[] = [Op.Beq, Op.Bne, 0, 0, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu];
const OP_IMM: readonly Op[] = [Op.Addi, Op.Slli, Op.Slti, Op.Sltiu, Op.Xori, Op.Srli, Op.Ori, Op.Andi];
const OP_BASE: readonly Op[] = [Op.Add, Op.Sll, Op.Slt, Op.Sltu, Op.Xor, Op.Srl, Op.Or, Op.And];
const OP_MUL: readonly Op[] = [Op.Mul, Op.Mulh, Op.Mulhsu, Op.Mulhu, Op.Div, Op.Divu, Op.Rem, Op.Remu];

/** Decodes one 32-bit instruction word. */
export function decode(word: number): Decoded {
  const w = word | 0;
  const opcode = w & 0x7f;
  const rd = (w >>> 7) & 31;
  const f3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const f7 = w >>> 25;
  const immI = w >> 20;
  const d: Decoded = { op: Op.Illegal, rd, rs1, rs2, imm: 0 };
  switch (opcode) {
    case 0x37: // LUI
      d.op = Op.Lui;
      d.imm = w & 0xfffff000;
      break;
    case 0x17: // AUIPC
      d.op = Op.Auipc;
      d.imm = w & 0xfffff000;
      break;
    case 0x6f: // JAL
      d.op = Op.Jal;
      d.imm = ((w >> 11) & ~0xfffff) | (w & 0xff000) | ((w >>> 9) & 0x800) | ((w >>> 20) & 0x7fe);
      break;
    case 0x67: // JALR
      if (f3 === 0) {
        d.op = Op.Jalr;
        d.imm = immI;
      }
      break;
    case 0x63: {
      const op = BRANCHES[f3];
      if (op !== 0) {
        d.op = op;
        d.imm = ((w >> 19) & ~0xfff) | ((w << 4) & 0x800) | ((w >>> 20) & 0x7e0) | ((w >>> 7) & 0x1e);
      }
      break;
    }
    case 0x03: {
      const op = LOADS[f3];
      if (op !== 0) {
        d.op = op;
        d.imm = immI;
      }
      break;
    }
    case 0x23: {
      const op = STORES[f3];
      if (op !== 0) {
        d.op = op;
        d.imm = ((w >> 20) & ~31) | ((w >>> 7) & 31);
      }
      break;
    }
    case 0x13:
      if (f3 === 1) {
        if (f7 === 0) {
          d.op = Op.Slli;
          d.imm = rs2;
        }
      } else if (f3 === 5) {
        if (f7 === 0 || f7 === 0x20) {
          d.op = f7 === 0 ? Op.Srli : Op.Srai;
          d.imm = rs2;
        }
      } else {
        d.op = OP_IMM[f3];
        d.imm = immI;
      }
      break;
    case 0x33:
      if (f7 === 0) d.op = OP_BASE[f3];
      else if (f7 === 1) d.op = OP_MUL[f3];
      else if (f7 === 0x20 && f3 === 0) d.op = Op.Sub;
      else if (f7 === 0x20 && f3 === 5) d.op = Op.Sra;
      break;
    case 0x0f:
      if (f3 === 0 || f3 === 1) d.op = Op.Fence;
      break;
    case 0x73:
      if (w === 0x00000073) d.op = Op.Ecall;
      else if (w === 0x00100073) d.op = Op.Ebreak;
      break;
  }
  return d;
}

/** High 32 bits of the unsigned 64-bit product of two u32 values, without BigInt. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** High 32 bits of the signed × signed product (result as i32). */
export function mulh(a: number, b: number): number {
  return (mulhu(a >>> 0, b >>> 0) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** High 32 bits of the signed `a` × unsigned `b` product (result as i32). */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a >>> 0, b >>> 0) - (a < 0 ? b : 0)) | 0;
}

/** Signed division per RISC-V: x/0 = -1, INT_MIN/-1 = INT_MIN, truncating. Operands and result are i32. */
export function div(a: number, b: number): number {
  if (b === 0) return -1;
  if (a === -0x80000000 && b === -1) return a;
  return (a / b) | 0;
}

/** Unsigned division per RISC-V: x/0 = 2^32-1. Operands are i32 bit patterns, result i32. */
export function divu(a: number, b: number): number {
  if (b === 0) return -1;
  return ((a >>> 0) / (b >>> 0)) | 0;
}

/** Signed remainder per RISC-V: x%0 = x, INT_MIN%-1 = 0; sign follows the dividend. */
export function rem(a: number, b: number): number {
  if (b === 0) return a;
  return (a % b) | 0;
}

/** Unsigned remainder per RISC-V: x%0 = x. */
export function remu(a: number, b: number): number {
  if (b === 0) return a;
  return ((a >>> 0) % (b >>> 0)) | 0;
}

/** Whether a branch `op` with operands `a`, `b` (i32) is taken. */
export function branchTaken(op: Op, a: number, b: number): boolean {
  switch (op) {
    case Op.Beq:
      return a === b;
    case Op.Bne:
      return a !== b;
    case Op.Blt:
      return a < b;
    case Op.Bge:
      return a >= b;
    case Op.Bltu:
      return a >>> 0 < b >>> 0;
    default:
      return a >>> 0 >= b >>> 0;
  }
}

/** Register-immediate and register-register arithmetic; `b` is rs2 or the immediate. Result as i32. */
export function alu(op: Op, a: number, b: number): number {
  switch (op) {
    case Op.Addi:
    case Op.Add:
      return (a + b) | 0;
    case Op.Sub:
      return (a - b) | 0;
    case Op.Slti:
    case Op.Slt:
      return a < b ? 1 : 0;
    case Op.Sltiu:
    case Op.Sltu:
      return a >>> 0 < b >>> 0 ? 1 : 0;
    case Op.Xori:
    case Op.Xor:
      return a ^ b;
    case Op.Ori:
    case Op.Or:
      return a | b;
    case Op.Andi:
    case Op.And:
      return a & b;
    case Op.Slli:
    case Op.Sll:
      return a << (b & 31);
    case Op.Srli:
    case Op.Srl:
      return (a >>> (b & 31)) | 0;
    case Op.Srai:
    case Op.Sra:
      return a >> (b & 31);
    case Op.Mul:
      return Math.imul(a, b);
    case Op.Mulh:
      return mulh(a, b);
    case Op.Mulhsu:
      return mulhsu(a, b);
    case Op.Mulhu:
      return mulhu(a >>> 0, b >>> 0);
    case Op.Div:
      return div(a, b);
    case Op.Divu:
      return divu(a, b);
    case Op.Rem:
      return rem(a, b);
    case Op.Remu:
      return remu(a, b);
    default:
      throw new Error(`alu: not an arithmetic op ${op}`);
  }
}
