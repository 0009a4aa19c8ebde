import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { concatHex, type Hex, keccak256, numberToHex, padHex } from "viem";
import {
  BUNDLE_HEADER_SIZE,
  decodeBundle,
  elfImage,
  encodeBundle,
  MAX_BUNDLE_SIZE,
  type ManifestFile,
  makeManifest,
  manifestJson,
  ProgramBundleError,
  parseManifest,
  programHash,
  verifyBundle,
} from "../src/program.js";

const EXAMPLES = join(import.meta.dirname, "../../../programs/examples");

function example(name: string): { manifest: ManifestFile; elf: Uint8Array; wasm: Uint8Array } {
  const dir = join(EXAMPLES, name, "build");
  return {
    manifest: parseManifest(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))),
    elf: new Uint8Array(readFileSync(join(dir, `${name}.elf`))),
    wasm: new Uint8Array(readFileSync(join(dir, `${name}.wasm`))),
  };
}

function rejects(fn: () => unknown, code: ProgramBundleError["code"], pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ProgramBundleError, `expected ProgramBundleError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("programHash", () => {
  it("is keccak of the ABI encoding of the eight static fields (each a 32-byte big-endian word)", () => {
    const m = {
      elfHash: keccak256("0x01"),
      wasmHash: keccak256("0x02"),
      memRoot: keccak256("0x03"),
      entry: 0x10000,
      maxSteps: (1n << 64n) - 1n,
      memLimit: 0x200000,
      maxInput: 65536,
      maxOutput: 0xffffffff,
    };
    // abi.encode of static types is the concatenation of left-padded 32-byte words.
    const words: Hex[] = [
      m.elfHash,
      m.wasmHash,
      m.memRoot,
      padHex(numberToHex(m.entry), { size: 32 }),
      padHex(numberToHex(m.maxSteps), { size: 32 }),
      padHex(numberToHex(m.memLimit), { size: 32 }),
      padHex(numberToHex(m.maxInput), { size: 32 }),
      padHex(numberToHex(m.maxOutput), { size: 32 }),
    ];
    assert.equal(programHash(m), keccak256(concatHex(words)));
    assert.notEqual(programHash({ ...m, maxSteps: m.maxSteps - 1n }), programHash(m));
  });

  it("committed example manifests carry their programHash and reproduce memRoot and entry from the ELF", () => {
    for (const name of ["echo", "keccak", "matmul", "numeric", "oracle"]) {
      const { manifest, elf } = example(name);
      assert.equal(manifest.programHash, programHash(manifest));
      const image = elfImage(elf, manifest.memLimit);
      assert.equal(image.memRoot, manifest.memRoot, name);
      assert.equal(image.entry, manifest.entry, name);
    }
  });
});

describe("manifest", () => {
  const { manifest } = example("echo");

  it("round-trips through its canonical JSON", () => {
    assert.deepEqual(parseManifest(JSON.parse(manifestJson(manifest))), manifest);
  });

  it("rejects wrong types, ranges and a programHash that does not match the fields", () => {
    const json = JSON.parse(manifestJson(manifest)) as Record<string, unknown>;
    rejects(() => parseManifest({ ...json, entry: -1 }), "BadManifest", /entry must be an integer/);
    rejects(() => parseManifest({ ...json, memLimit: 2 ** 32 }), "BadManifest", /memLimit/);
    rejects(() => parseManifest({ ...json, maxSteps: 5 }), "BadManifest", /maxSteps must be a decimal string/);
    rejects(() => parseManifest({ ...json, maxSteps: "18446744073709551616" }), "BadManifest", /u64/);
    rejects(() => parseManifest({ ...json, elfHash: "0x12" }), "BadManifest", /elfHash must be/);
    rejects(() => parseManifest({ ...json, name: "Bad Name" }), "BadManifest", /name must match/);
    rejects(() => parseManifest([]), "BadManifest", /JSON object/);
    rejects(() => parseManifest({ ...json, maxInput: 1 }), "HashMismatch", /does not match its fields/);
  });
});

describe("bundle", () => {
  const ex = example("keccak");
  const bundle = encodeBundle(ex);

  it("round-trips and verifies against the VM's loader", () => {
    const decoded = verifyBundle(bundle, ex.manifest.programHash);
    assert.deepEqual(decoded.elf, ex.elf);
    assert.deepEqual(decoded.wasm, ex.wasm);
    assert.deepEqual(decoded.manifest, ex.manifest);
    assert.equal(decoded.programHash, ex.manifest.programHash);
    assert.equal(bundle.length, BUNDLE_HEADER_SIZE + manifestJson(ex.manifest).length + ex.elf.length + ex.wasm.length);
  });

  it("rejects malformed headers and lengths", () => {
    rejects(() => decodeBundle(bundle.subarray(0, 10)), "TooShort", /shorter than the 20-byte header/);
    const badMagic = bundle.slice();
    badMagic[0] ^= 1;
    rejects(() => decodeBundle(badMagic), "BadMagic", /magic/);
    const badVersion = bundle.slice();
    badVersion[7] = 2;
    rejects(() => decodeBundle(badVersion), "BadVersion", /version 2, expected 1/);
    rejects(() => decodeBundle(bundle.subarray(0, bundle.length - 1)), "BadLength", /add up to/);
    const extra = new Uint8Array(bundle.length + 1);
    extra.set(bundle);
    rejects(() => decodeBundle(extra), "BadLength", /add up to/);
    const hugeElf = bundle.slice();
    new DataView(hugeElf.buffer).setUint32(12, 0xffffffff);
    rejects(() => decodeBundle(hugeElf), "TooLarge", /ELF 4294967295 bytes/);
    rejects(() => decodeBundle(new Uint8Array(MAX_BUNDLE_SIZE + 1)), "TooLarge", /at most/);
  });

  it("rejects tampered images, manifests and an unexpected programHash", () => {
    const elfStart = BUNDLE_HEADER_SIZE + new DataView(bundle.buffer).getUint32(8);
    const tamperedElf = bundle.slice();
    tamperedElf[elfStart + 100] ^= 0xff;
    rejects(() => decodeBundle(tamperedElf), "HashMismatch", /keccak\(elf\)/);
    const tamperedWasm = bundle.slice();
    tamperedWasm[tamperedWasm.length - 1] ^= 0xff;
    rejects(() => decodeBundle(tamperedWasm), "HashMismatch", /keccak\(wasm\)/);
    const notJson = bundle.slice();
    notJson[BUNDLE_HEADER_SIZE] = 0x7b + 1;
    rejects(() => decodeBundle(notJson), "BadManifest", /not valid UTF-8 JSON/);
    rejects(() => decodeBundle(bundle, keccak256("0x")), "HashMismatch", /expected/);
  });

  it("verifyBundle rejects a self-consistent manifest whose memRoot or entry the ELF does not reproduce", () => {
    const other = example("echo");
    const lying = makeManifest({
      metadata: { name: "keccak", methods: [] },
      elf: ex.elf,
      wasm: ex.wasm,
      memRoot: other.manifest.memRoot,
      entry: ex.manifest.entry,
      limits: ex.manifest,
    });
    const b = encodeBundle({ manifest: lying, elf: ex.elf, wasm: ex.wasm });
    assert.equal(decodeBundle(b).programHash, lying.programHash); // hashes alone are consistent
    rejects(() => verifyBundle(b), "ImageMismatch", /memRoot/);
    const wrongEntry = makeManifest({
      metadata: { name: "keccak", methods: [] },
      elf: ex.elf,
      wasm: ex.wasm,
      memRoot: ex.manifest.memRoot,
      entry: ex.manifest.entry + 4,
      limits: ex.manifest,
    });
    rejects(
      () => verifyBundle(encodeBundle({ manifest: wrongEntry, elf: ex.elf, wasm: ex.wasm })),
      "ImageMismatch",
      /entry/,
    );
    const tooSmall = makeManifest({
      metadata: { name: "keccak", methods: [] },
      elf: ex.elf,
      wasm: ex.wasm,
      memRoot: ex.manifest.memRoot,
      entry: ex.manifest.entry,
      limits: { ...ex.manifest, memLimit: 0x20000 },
    });
    rejects(
      () => verifyBundle(encodeBundle({ manifest: tooSmall, elf: ex.elf, wasm: ex.wasm })),
      "ImageMismatch",
      /does not load/,
    );
  });
});
