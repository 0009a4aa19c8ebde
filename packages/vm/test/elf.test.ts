import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ElfError, loadElf } from "@verity/vm";
import { buildElf, words } from "./asm.ts";

const code = words([0x00000013, 0x00000013]);
const opts = { memLimit: 0x100000 };

function rejects(elf: Uint8Array, pattern: RegExp, limit = opts) {
  assert.throws(
    () => loadElf(elf, limit),
    (e: unknown) => e instanceof ElfError && pattern.test(e.message),
  );
}

describe("loadElf", () => {
  it("accepts a valid image, zero-fill via memsz, ignores non-PT_LOAD headers", () => {
    const note = new Uint8Array(32);
    new DataView(note.buffer).setUint32(0, 4, true); // PT_NOTE pointing nowhere sensible
    new DataView(note.buffer).setUint32(4, 0xffffff00, true);
    const elf = buildElf(
      0x1004,
      [
        { vaddr: 0x1000, data: code },
        { vaddr: 0x2000, data: Uint8Array.of(1, 2), memsz: 0x100, flags: 6 },
      ],
      { extraPhdrs: [note] },
    );
    const img = loadElf(elf, opts);
    assert.equal(img.entry, 0x1004);
    assert.equal(img.segments.length, 2);
    assert.equal(img.segments[1].memsz, 0x100);
    assert.deepEqual(img.segments[1].data, Uint8Array.of(1, 2));
    assert.equal(img.segments[0].executable, true);
    assert.equal(img.segments[1].executable, false);
  });
  it("truncated header", () =>
    rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code }]).subarray(0, 40), /truncated ELF header/));
  it("bad magic", () => {
    const e = buildElf(0x1000, [{ vaddr: 0x1000, data: code }]);
    e[1] = 0;
    rejects(e, /magic/);
  });
  it("wrong class", () =>
    rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code }], { cls: 2 }), /class 2.*ELFCLASS32/));
  it("big-endian", () => rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code }], { data: 2 }), /little-endian/));
  it("wrong machine", () =>
    rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code }], { machine: 62 }), /machine 62.*243/));
  it("not ET_EXEC", () => rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code }], { type: 3 }), /type 3.*ET_EXEC/));
  it("overlapping segments", () =>
    rejects(
      buildElf(0x1000, [
        { vaddr: 0x1000, data: code },
        { vaddr: 0x1004, data: code, flags: 6 },
      ]),
      /overlaps/,
    ));
  it("segment beyond memLimit", () => {
    rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code, memsz: 0x100000 }]), /not below memLimit/);
    rejects(buildElf(0xfffffff0, [{ vaddr: 0xfffffff0, data: code, memsz: 0x20 }]), /not below memLimit/, {
      memLimit: 0xffffffff,
    });
  });
  it("entry outside code", () => {
    rejects(buildElf(0x2000, [{ vaddr: 0x1000, data: code }]), /entry 0x2000/);
    rejects(
      buildElf(0x2000, [
        { vaddr: 0x1000, data: code },
        { vaddr: 0x2000, data: code, flags: 6 },
      ]),
      /not inside an executable/,
    );
    rejects(buildElf(0x1006, [{ vaddr: 0x1000, data: code }]), /entry/); // last instruction would overrun
  });
  it("filesz > memsz", () =>
    rejects(buildElf(0x1000, [{ vaddr: 0x1000, data: code, memsz: 4 }]), /filesz 8 > memsz 4/));
  it("segment file range outside the file", () =>
    rejects(
      buildElf(0x1000, [{ vaddr: 0x1000, data: code, offset: 0x100 }]).subarray(0, 0x104),
      /past the end of the file/,
    ));
  it("program header table outside the file", () => {
    const e = buildElf(0x1000, [{ vaddr: 0x1000, data: code }]);
    new DataView(e.buffer).setUint32(28, 0x7fff0000, true);
    rejects(e, /program header table/);
  });
});
