// A tiny RV32IM assembler for tests: encoders for the R/I/S/B/U/J formats and a minimal ELF32 writer.

export const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number, opc: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
export const I = (imm: number, rs1: number, f3: number, rd: number, opc: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
export const S = (imm: number, rs2: number, rs1: number, f3: number, opc: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | opc) >>> 0;
export const B = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 12) & 1) << 31) |
    (((imm >> 5) & 0x3f) << 25) |
    (rs2 << 20) |
    (rs1 << 15) |
    (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) |
    (((imm >> 11) & 1) << 7) |
    0x63) >>>
  0;
export const U = (imm: number, rd: number, opc: number): number => ((imm & 0xfffff000) | (rd << 7) | opc) >>> 0;
export const J = (imm: number, rd: number): number =>
  ((((imm >> 20) & 1) << 31) |
    (((imm >> 1) & 0x3ff) << 21) |
    (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) |
    (rd << 7) |
    0x6f) >>>
  0;

const OP = 0x33;
const OPI = 0x13;
export const a = {
  add: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 0, rd, OP),
  sub: (rd: number, rs1: number, rs2: number) => R(0x20, rs2, rs1, 0, rd, OP),
  sll: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 1, rd, OP),
  slt: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 2, rd, OP),
  sltu: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 3, rd, OP),
  xor: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 4, rd, OP),
  srl: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 5, rd, OP),
  sra: (rd: number, rs1: number, rs2: number) => R(0x20, rs2, rs1, 5, rd, OP),
  or: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 6, rd, OP),
  and: (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 7, rd, OP),
  mul: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 0, rd, OP),
  mulh: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 1, rd, OP),
  mulhsu: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 2, rd, OP),
  mulhu: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 3, rd, OP),
  div: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 4, rd, OP),
  divu: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 5, rd, OP),
  rem: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 6, rd, OP),
  remu: (rd: number, rs1: number, rs2: number) => R(1, rs2, rs1, 7, rd, OP),
  addi: (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, OPI),
  slti: (rd: number, rs1: number, imm: number) => I(imm, rs1, 2, rd, OPI),
  sltiu: (rd: number, rs1: number, imm: number) => I(imm, rs1, 3, rd, OPI),
  xori: (rd: number, rs1: number, imm: number) => I(imm, rs1, 4, rd, OPI),
  ori: (rd: number, rs1: number, imm: number) => I(imm, rs1, 6, rd, OPI),
  andi: (rd: number, rs1: number, imm: number) => I(imm, rs1, 7, rd, OPI),
  slli: (rd: number, rs1: number, sh: number) => I(sh, rs1, 1, rd, OPI),
  srli: (rd: number, rs1: number, sh: number) => I(sh, rs1, 5, rd, OPI),
  srai: (rd: number, rs1: number, sh: number) => I(0x400 | sh, rs1, 5, rd, OPI),
  lb: (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x03),
  lh: (rd: number, rs1: number, imm: number) => I(imm, rs1, 1, rd, 0x03),
  lw: (rd: number, rs1: number, imm: number) => I(imm, rs1, 2, rd, 0x03),
  lbu: (rd: number, rs1: number, imm: number) => I(imm, rs1, 4, rd, 0x03),
  lhu: (rd: number, rs1: number, imm: number) => I(imm, rs1, 5, rd, 0x03),
  sb: (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 0, 0x23),
  sh: (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 1, 0x23),
  sw: (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 2, 0x23),
  beq: (rs1: number, rs2: number, off: number) => B(off, rs2, rs1, 0),
  bne: (rs1: number, rs2: number, off: number) => B(off, rs2, rs1, 1),
  blt: (rs1: number, rs2: number, off: number) => B(off, rs2, rs1, 4),
  bge: (rs1: number, rs2: number, off: number) => B(off, rs2, rs1, 5),
  bltu: (rs1: number, rs2: number, off: number) => B(off, rs2, rs1, 6),
  bgeu: (rs1: number, rs2: number, off: number) => B(off, rs2, rs1, 7),
  lui: (rd: number, imm: number) => U(imm, rd, 0x37),
  auipc: (rd: number, imm: number) => U(imm, rd, 0x17),
  jal: (rd: number, off: number) => J(off, rd),
  jalr: (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x67),
  fence: () => 0x0ff0000f,
  ecall: () => 0x00000073,
  ebreak: () => 0x00100073,
};

/** Instructions loading a 32-bit constant into `rd` (lui + addi). */
export function li(rd: number, value: number): number[] {
  const v = value | 0;
  const lo = (v << 20) >> 20;
  const hi = (v - lo) | 0;
  return [a.lui(rd, hi), a.addi(rd, rd, lo)];
}

export interface Segment {
  vaddr: number;
  data: Uint8Array;
  memsz?: number;
  flags?: number;
  offset?: number;
}

/** Builds an ELF32 RISC-V executable with the given PT_LOAD segments (and header fields overridable for tests). */
export function buildElf(
  entry: number,
  segments: Segment[],
  over: { cls?: number; data?: number; type?: number; machine?: number; extraPhdrs?: Uint8Array[] } = {},
): Uint8Array {
  const phnum = segments.length + (over.extraPhdrs?.length ?? 0);
  const phoff = 52;
  let offset = phoff + 32 * phnum;
  const placed = segments.map((s) => {
    const o = s.offset ?? offset;
    if (s.offset === undefined) offset += s.data.length;
    return { ...s, o };
  });
  const size = Math.max(offset, ...placed.map((p) => p.o + p.data.length));
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, over.cls ?? 1, over.data ?? 1, 1]);
  v.setUint16(16, over.type ?? 2, true);
  v.setUint16(18, over.machine ?? 243, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, entry, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, phnum, true);
  placed.forEach((s, i) => {
    const ph = phoff + 32 * i;
    v.setUint32(ph, 1, true);
    v.setUint32(ph + 4, s.o, true);
    v.setUint32(ph + 8, s.vaddr, true);
    v.setUint32(ph + 12, s.vaddr, true);
    v.setUint32(ph + 16, s.data.length, true);
    v.setUint32(ph + 20, s.memsz ?? s.data.length, true);
    v.setUint32(ph + 24, s.flags ?? 5, true);
    if (s.o + s.data.length <= out.length) out.set(s.data, s.o);
  });
  const extra = over.extraPhdrs ?? [];
  for (let i = 0; i < extra.length; i++) out.set(extra[i], phoff + 32 * (segments.length + i));
  return out;
}

/** Little-endian bytes of instruction words. */
export function words(ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < ws.length; i++) v.setUint32(4 * i, ws[i] >>> 0, true);
  return out;
}

export const CODE = 0x1000;

/** An ELF whose code segment at 0x1000 holds `code`, plus an optional RW data segment. */
export function program(code: number[], data?: { vaddr: number; bytes: Uint8Array; memsz?: number }): Uint8Array {
  const segs: Segment[] = [{ vaddr: CODE, data: words(code), flags: 5 }];
  if (data) segs.push({ vaddr: data.vaddr, data: data.bytes, memsz: data.memsz, flags: 6 });
  return buildElf(CODE, segs);
}
