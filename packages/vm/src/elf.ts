// ELF32 loader for the proving VM: validates the header and PT_LOAD program headers strictly (§1.1) and returns the
// segments to copy into memory. Section headers and non-PT_LOAD program headers are ignored.

/** A loadable segment: `data` (filesz bytes) at `vaddr`, followed by `memsz - filesz` zero bytes. */
export interface ElfSegment {
  readonly vaddr: number;
  readonly memsz: number;
  readonly data: Uint8Array;
  readonly executable: boolean;
}

/** The validated loadable image of an ELF file. */
export interface LoadedElf {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
}

/** Options of `loadElf`. */
export interface LoadElfOptions {
  /** First address a segment may not touch. */
  readonly memLimit: number;
}

/** A malformed or unsupported ELF file. */
export class ElfError extends Error {
  override readonly name = "ElfError";
}

const PT_LOAD = 1;
const PF_X = 1;
const EM_RISCV = 243;
const ET_EXEC = 2;
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;

/** Parses and validates an RV32 executable. Throws `ElfError` naming the first problem found. */
export function loadElf(bytes: Uint8Array, opts: LoadElfOptions): LoadedElf {
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError(`truncated ELF header: file has ${bytes.length} bytes, expected at least ${EHDR_SIZE}`);
  }
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError("bad ELF magic: expected 7f 45 4c 46");
  }
  if (bytes[4] !== 1) throw new ElfError(`wrong ELF class ${bytes[4]}: expected 1 (ELFCLASS32)`);
  if (bytes[5] !== 1) throw new ElfError(`wrong ELF data encoding ${bytes[5]}: expected 1 (little-endian)`);
  if (bytes[6] !== 1) throw new ElfError(`wrong ELF ident version ${bytes[6]}: expected 1`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  if (type !== ET_EXEC) throw new ElfError(`wrong ELF type ${type}: expected 2 (ET_EXEC)`);
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) throw new ElfError(`wrong ELF machine ${machine}: expected 243 (EM_RISCV)`);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phnum === 0) throw new ElfError("ELF has no program headers: expected at least one PT_LOAD segment");
  if (phentsize !== PHDR_SIZE) throw new ElfError(`program header size ${phentsize}: expected ${PHDR_SIZE}`);
  if (phoff + phnum * PHDR_SIZE > bytes.length) {
    throw new ElfError(
      `program header table [${phoff}, ${phoff + phnum * PHDR_SIZE}) extends past the end of the file (${bytes.length} bytes)`,
    );
  }
  const memLimit = opts.memLimit;
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * PHDR_SIZE;
    if (view.getUint32(ph, true) !== PT_LOAD) continue;
    const offset = view.getUint32(ph + 4, true);
    const vaddr = view.getUint32(ph + 8, true);
    const filesz = view.getUint32(ph + 16, true);
    const memsz = view.getUint32(ph + 20, true);
    const flags = view.getUint32(ph + 24, true);
    if (filesz > memsz) throw new ElfError(`segment ${i}: filesz ${filesz} > memsz ${memsz}`);
    if (offset + filesz > bytes.length) {
      throw new ElfError(
        `segment ${i}: file range [${offset}, ${offset + filesz}) extends past the end of the file (${bytes.length} bytes)`,
      );
    }
    if (vaddr + memsz > memLimit) {
      throw new ElfError(
        `segment ${i}: memory range [0x${hex(vaddr)}, 0x${hex(vaddr + memsz)}) is not below memLimit 0x${hex(memLimit)}`,
      );
    }
    if (memsz === 0) continue;
    for (const s of segments) {
      if (vaddr < s.vaddr + s.memsz && s.vaddr < vaddr + memsz) {
        throw new ElfError(
          `segment ${i}: memory range [0x${hex(vaddr)}, 0x${hex(vaddr + memsz)}) overlaps segment at [0x${hex(s.vaddr)}, 0x${hex(s.vaddr + s.memsz)})`,
        );
      }
    }
    segments.push({ vaddr, memsz, data: bytes.slice(offset, offset + filesz), executable: (flags & PF_X) !== 0 });
  }
  if (segments.length === 0) throw new ElfError("ELF has no non-empty PT_LOAD segment");
  const inCode = segments.some((s) => s.executable && entry >= s.vaddr && entry + 4 <= s.vaddr + s.memsz);
  if (!inCode) throw new ElfError(`entry 0x${hex(entry)} is not inside an executable PT_LOAD segment`);
  return { entry, segments };
}

function hex(v: number): string {
  return v.toString(16);
}
