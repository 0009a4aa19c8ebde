// Program manifests, the program hash (docs/protocol.md §2) and the program bundle: one binary blob holding a
// program's manifest, proving image (RV32IM ELF) and native image (wasm), content-addressed by programHash.
import { Machine } from "@verity/vm";
import { bytesToHex, encodeAbiParameters, type Hex, isHex, keccak256 } from "viem";

/** The fields of docs/protocol.md §2 that programHash commits to. */
export type ProgramManifest = {
  elfHash: Hex;
  wasmHash: Hex;
  memRoot: Hex;
  entry: number;
  maxSteps: bigint;
  memLimit: number;
  maxInput: number;
  maxOutput: number;
};

/** Descriptive data carried next to the manifest; not hashed into programHash. */
export type ProgramMetadata = {
  name: string;
  description?: string;
  /** Solidity signatures of the service methods, e.g. "function echo(bytes data) returns (bytes)". */
  methods: string[];
};

/** A manifest with its metadata, as stored in build/manifest.json and in bundles. */
export type ManifestFile = ProgramManifest & ProgramMetadata & { programHash: Hex };

/** A decoded, hash-checked program bundle. */
export type ProgramBundle = { manifest: ManifestFile; elf: Uint8Array; wasm: Uint8Array; programHash: Hex };

export const BUNDLE_MAGIC = new Uint8Array([0x56, 0x52, 0x54, 0x59]); // "VRTY"
export const BUNDLE_VERSION = 1;
/** magic(4) || u32 version || u32 manifestLength || u32 elfLength || u32 wasmLength */
export const BUNDLE_HEADER_SIZE = 20;
export const MAX_MANIFEST_SIZE = 64 * 1024;
export const MAX_ELF_SIZE = 16 * 1024 * 1024;
export const MAX_WASM_SIZE = 16 * 1024 * 1024;
export const MAX_BUNDLE_SIZE = BUNDLE_HEADER_SIZE + MAX_MANIFEST_SIZE + MAX_ELF_SIZE + MAX_WASM_SIZE;

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** A malformed manifest or bundle, or one whose hashes do not match its contents. */
export class ProgramBundleError extends Error {
  override name = "ProgramBundleError";
  constructor(
    readonly code:
      | "TooLarge"
      | "TooShort"
      | "BadMagic"
      | "BadVersion"
      | "BadLength"
      | "BadManifest"
      | "HashMismatch"
      | "ImageMismatch",
    message: string,
  ) {
    super(message);
  }
}

/** programHash = keccak(abi.encode(elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput)). */
export function programHash(m: ProgramManifest): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint32" },
        { type: "uint64" },
        { type: "uint32" },
        { type: "uint32" },
        { type: "uint32" },
      ],
      [m.elfHash, m.wasmHash, m.memRoot, m.entry, m.maxSteps, m.memLimit, m.maxInput, m.maxOutput],
    ),
  );
}

function fail(message: string): never {
  throw new ProgramBundleError("BadManifest", `manifest: ${message}`);
}

function bytes32(v: unknown, field: string): Hex {
  if (typeof v !== "string" || !isHex(v, { strict: true }) || v.length !== 66 || v !== v.toLowerCase())
    fail(`${field} must be a lower-case 0x-prefixed 32-byte hex string, got ${JSON.stringify(v)}`);
  return v as Hex;
}

function u32(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > U32_MAX)
    fail(`${field} must be an integer in [0, 2^32), got ${JSON.stringify(v)}`);
  return v;
}

function u64(v: unknown, field: string): bigint {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) > U64_MAX)
    fail(`${field} must be a decimal string of a u64, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

/** Validates a parsed manifest.json value (maxSteps is a decimal string there) and checks its programHash. */
export function parseManifest(value: unknown): ManifestFile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("expected a JSON object");
  const o = value as Record<string, unknown>;
  if (typeof o.name !== "string" || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(o.name))
    fail(`name must match [a-z0-9][a-z0-9_-]{0,63}, got ${JSON.stringify(o.name)}`);
  if (o.description !== undefined && typeof o.description !== "string") fail("description must be a string");
  if (!Array.isArray(o.methods) || !o.methods.every((m) => typeof m === "string"))
    fail("methods must be an array of Solidity signatures");
  const m: ManifestFile = {
    name: o.name,
    ...(o.description === undefined ? {} : { description: o.description as string }),
    methods: o.methods as string[],
    elfHash: bytes32(o.elfHash, "elfHash"),
    wasmHash: bytes32(o.wasmHash, "wasmHash"),
    memRoot: bytes32(o.memRoot, "memRoot"),
    entry: u32(o.entry, "entry"),
    maxSteps: u64(o.maxSteps, "maxSteps"),
    memLimit: u32(o.memLimit, "memLimit"),
    maxInput: u32(o.maxInput, "maxInput"),
    maxOutput: u32(o.maxOutput, "maxOutput"),
    programHash: bytes32(o.programHash, "programHash"),
  };
  const expected = programHash(m);
  if (m.programHash !== expected)
    throw new ProgramBundleError(
      "HashMismatch",
      `manifest: programHash ${m.programHash} does not match its fields (expected ${expected})`,
    );
  return m;
}

/** The canonical JSON text of a manifest (fixed key order, maxSteps as a decimal string, trailing newline). */
export function manifestJson(m: ManifestFile): string {
  const o = {
    name: m.name,
    ...(m.description === undefined ? {} : { description: m.description }),
    methods: m.methods,
    programHash: m.programHash,
    elfHash: m.elfHash,
    wasmHash: m.wasmHash,
    memRoot: m.memRoot,
    entry: m.entry,
    maxSteps: m.maxSteps.toString(),
    memLimit: m.memLimit,
    maxInput: m.maxInput,
    maxOutput: m.maxOutput,
  };
  return `${JSON.stringify(o, null, 2)}\n`;
}

/** Builds a ManifestFile from images, image facts and limits, computing the hashes. */
export function makeManifest(args: {
  metadata: ProgramMetadata;
  elf: Uint8Array;
  wasm: Uint8Array;
  memRoot: Hex;
  entry: number;
  limits: { maxSteps: bigint; memLimit: number; maxInput: number; maxOutput: number };
}): ManifestFile {
  const fields: ProgramManifest = {
    elfHash: keccak256(args.elf),
    wasmHash: keccak256(args.wasm),
    memRoot: args.memRoot,
    entry: args.entry,
    maxSteps: args.limits.maxSteps,
    memLimit: args.limits.memLimit,
    maxInput: args.limits.maxInput,
    maxOutput: args.limits.maxOutput,
  };
  return parseManifest(
    JSON.parse(manifestJson({ ...args.metadata, ...fields, programHash: programHash(fields) })) as unknown,
  );
}

/** Serializes a bundle: magic, version, the three lengths (u32 big-endian), manifest JSON, ELF, wasm. */
export function encodeBundle(b: { manifest: ManifestFile; elf: Uint8Array; wasm: Uint8Array }): Uint8Array {
  checkImages(b.manifest, b.elf, b.wasm);
  const json = new TextEncoder().encode(manifestJson(b.manifest));
  checkSizes(json.length, b.elf.length, b.wasm.length);
  const out = new Uint8Array(BUNDLE_HEADER_SIZE + json.length + b.elf.length + b.wasm.length);
  const view = new DataView(out.buffer);
  out.set(BUNDLE_MAGIC, 0);
  view.setUint32(4, BUNDLE_VERSION);
  view.setUint32(8, json.length);
  view.setUint32(12, b.elf.length);
  view.setUint32(16, b.wasm.length);
  out.set(json, BUNDLE_HEADER_SIZE);
  out.set(b.elf, BUNDLE_HEADER_SIZE + json.length);
  out.set(b.wasm, BUNDLE_HEADER_SIZE + json.length + b.elf.length);
  return out;
}

/**
 * Parses a bundle and checks that the images hash to the manifest's elfHash/wasmHash and that the manifest's
 * programHash matches its fields (and `expectedHash`, when given: the hash the bundle was fetched under).
 */
export function decodeBundle(bytes: Uint8Array, expectedHash?: Hex): ProgramBundle {
  if (bytes.length > MAX_BUNDLE_SIZE)
    throw new ProgramBundleError("TooLarge", `bundle: ${bytes.length} bytes, at most ${MAX_BUNDLE_SIZE} allowed`);
  if (bytes.length < BUNDLE_HEADER_SIZE)
    throw new ProgramBundleError(
      "TooShort",
      `bundle: ${bytes.length} bytes, shorter than the ${BUNDLE_HEADER_SIZE}-byte header`,
    );
  if (!BUNDLE_MAGIC.every((b, i) => bytes[i] === b))
    throw new ProgramBundleError("BadMagic", 'bundle: bad magic, expected "VRTY"');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4);
  if (version !== BUNDLE_VERSION)
    throw new ProgramBundleError("BadVersion", `bundle: version ${version}, expected ${BUNDLE_VERSION}`);
  const manifestLength = view.getUint32(8);
  const elfLength = view.getUint32(12);
  const wasmLength = view.getUint32(16);
  checkSizes(manifestLength, elfLength, wasmLength);
  const total = BUNDLE_HEADER_SIZE + manifestLength + elfLength + wasmLength;
  if (total !== bytes.length)
    throw new ProgramBundleError(
      "BadLength",
      `bundle: header lengths add up to ${total} bytes but the bundle has ${bytes.length}`,
    );
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(BUNDLE_HEADER_SIZE, BUNDLE_HEADER_SIZE + manifestLength),
    );
    json = JSON.parse(text);
  } catch (e) {
    throw new ProgramBundleError("BadManifest", `bundle: manifest is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  const manifest = parseManifest(json);
  const elfStart = BUNDLE_HEADER_SIZE + manifestLength;
  const elf = bytes.slice(elfStart, elfStart + elfLength);
  const wasm = bytes.slice(elfStart + elfLength, total);
  checkImages(manifest, elf, wasm);
  if (expectedHash !== undefined && manifest.programHash !== expectedHash.toLowerCase())
    throw new ProgramBundleError(
      "HashMismatch",
      `bundle: programHash ${manifest.programHash}, expected ${expectedHash.toLowerCase()}`,
    );
  return { manifest, elf, wasm, programHash: manifest.programHash };
}

function checkSizes(manifestLength: number, elfLength: number, wasmLength: number): void {
  if (manifestLength > MAX_MANIFEST_SIZE)
    throw new ProgramBundleError("TooLarge", `bundle: manifest ${manifestLength} bytes, at most ${MAX_MANIFEST_SIZE}`);
  if (elfLength > MAX_ELF_SIZE)
    throw new ProgramBundleError("TooLarge", `bundle: ELF ${elfLength} bytes, at most ${MAX_ELF_SIZE}`);
  if (wasmLength > MAX_WASM_SIZE)
    throw new ProgramBundleError("TooLarge", `bundle: wasm ${wasmLength} bytes, at most ${MAX_WASM_SIZE}`);
}

function checkImages(m: ProgramManifest, elf: Uint8Array, wasm: Uint8Array): void {
  const elfHash = keccak256(elf);
  if (elfHash !== m.elfHash)
    throw new ProgramBundleError("HashMismatch", `bundle: keccak(elf) = ${elfHash}, manifest says ${m.elfHash}`);
  const wasmHash = keccak256(wasm);
  if (wasmHash !== m.wasmHash)
    throw new ProgramBundleError("HashMismatch", `bundle: keccak(wasm) = ${wasmHash}, manifest says ${m.wasmHash}`);
}

/** Loads an ELF as the proving VM does (validated against memLimit) and returns its initial memory root and entry. */
export function elfImage(elf: Uint8Array, memLimit: number): { memRoot: Hex; entry: number } {
  const machine = Machine.fromElf(elf, { memLimit, maxSteps: 0n, maxOutput: 0 });
  return { memRoot: bytesToHex(machine.memory.root()), entry: machine.pc };
}

/**
 * decodeBundle, then reloads the ELF with the proving VM's loader and checks that it reproduces the manifest's
 * memRoot and entry (an honest provider refuses a program whose ELF does not).
 */
export function verifyBundle(bytes: Uint8Array, expectedHash?: Hex): ProgramBundle {
  const bundle = decodeBundle(bytes, expectedHash);
  let image: { memRoot: Hex; entry: number };
  try {
    image = elfImage(bundle.elf, bundle.manifest.memLimit);
  } catch (e) {
    throw new ProgramBundleError("ImageMismatch", `bundle: ELF does not load: ${(e as Error).message}`);
  }
  if (image.memRoot !== bundle.manifest.memRoot)
    throw new ProgramBundleError(
      "ImageMismatch",
      `bundle: ELF loads to memRoot ${image.memRoot}, manifest says ${bundle.manifest.memRoot}`,
    );
  if (image.entry !== bundle.manifest.entry)
    throw new ProgramBundleError(
      "ImageMismatch",
      `bundle: ELF entry 0x${image.entry.toString(16)}, manifest says 0x${bundle.manifest.entry.toString(16)}`,
    );
  return bundle;
}
