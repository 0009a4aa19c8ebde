// buildProgram: compiles a program folder to its RV32IM proving ELF and wasm32 native image, reproducibly, and
// writes build/<name>.elf, build/<name>.wasm and build/manifest.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkWasmInterface } from "@verity/native";
import { elfImage, type ManifestFile, makeManifest, manifestJson } from "@verity/protocol";
import type { Hex } from "viem";
import { readProgramConfig } from "./config.js";
import {
  COMMON_CFLAGS,
  CompileError,
  checkToolchains,
  RV32_CC,
  RV32_FLAGS,
  run,
  WASM_CC,
  WASM_FLAGS,
} from "./toolchain.js";

/** The repository's programs/runtime folder (verity.h, verity_abi.h, crt0.S, crt0_wasm.c, link.ld). */
export const RUNTIME_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../programs/runtime");

const WASM_PAGE = 65536;

/** Options of buildProgram. */
export type BuildOptions = {
  /** Where to write the artifacts; default `<dir>/build`. */
  outDir?: string;
  /** Write the artifacts (default true); false only returns them. */
  write?: boolean;
  /** Extra -O level or defines for experiments; changes the artifacts. */
  extraCflags?: string[];
  runtimeDir?: string;
};

/** What buildProgram returns. */
export type BuildResult = { elf: Uint8Array; wasm: Uint8Array; manifest: ManifestFile; programHash: Hex };

/**
 * Compiles C sources to a stripped RV32IM ELF with the runtime (crt0.S, link.ld) and the fixed flags; for tests and
 * tools that need only the proving image (e.g. the qemu differential test). `extraCflags` come last (e.g. "-O0").
 */
export function buildRv32Elf(
  sources: string[],
  opts: { extraCflags?: string[]; runtimeDir?: string } = {},
): Uint8Array {
  const runtime = resolve(opts.runtimeDir ?? RUNTIME_DIR);
  const tmp = mkdtempSync(join(tmpdir(), "verity-elf-"));
  try {
    const out = join(tmp, "a.elf");
    run(
      "rv32",
      RV32_CC,
      [
        ...RV32_FLAGS,
        ...COMMON_CFLAGS,
        `-ffile-prefix-map=${runtime}=/verity/runtime`,
        `-I${runtime}`,
        ...(opts.extraCflags ?? []),
        `-T${join(runtime, "link.ld")}`,
        join(runtime, "crt0.S"),
        ...sources.map((s) => resolve(s)),
        "-o",
        out,
      ],
      tmp,
    );
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Compiles the program folder `dir` (with its program.json) for both targets and computes its manifest. */
export function buildProgram(dir: string, opts: BuildOptions = {}): BuildResult {
  const programDir = resolve(dir);
  const runtime = resolve(opts.runtimeDir ?? RUNTIME_DIR);
  const cfg = readProgramConfig(programDir);
  checkToolchains();
  const tmp = mkdtempSync(join(tmpdir(), `verity-build-${cfg.name}-`));
  try {
    // Paths never reach the stripped images, but map them anyway so __FILE__ and diagnostics are host independent.
    const common = [
      ...COMMON_CFLAGS,
      `-ffile-prefix-map=${programDir}=/verity/program`,
      `-ffile-prefix-map=${runtime}=/verity/runtime`,
      `-frandom-seed=${cfg.name}`,
      `-I${runtime}`,
      ...(opts.extraCflags ?? []),
    ];
    const sources = cfg.sources.map((s) => join(programDir, s));

    const elfPath = join(tmp, `${cfg.name}.elf`);
    const sizes = [
      ...(cfg.heapSize === undefined ? [] : [`-Wl,--defsym=__heap_size=${cfg.heapSize}`]),
      ...(cfg.stackSize === undefined ? [] : [`-Wl,--defsym=__stack_size=${cfg.stackSize}`]),
    ];
    run(
      "rv32",
      RV32_CC,
      [
        ...RV32_FLAGS,
        ...common,
        `-T${join(runtime, "link.ld")}`,
        ...sizes,
        join(runtime, "crt0.S"),
        ...sources,
        "-o",
        elfPath,
      ],
      programDir,
    );

    const wasmPath = join(tmp, `${cfg.name}.wasm`);
    const maxMemory = Math.ceil(cfg.limits.memLimit / WASM_PAGE) * WASM_PAGE;
    run(
      "wasm32",
      WASM_CC,
      [
        ...WASM_FLAGS,
        ...common,
        `-Wl,--max-memory=${maxMemory}`,
        `-Wl,-z,stack-size=${cfg.stackSize ?? 65536}`,
        join(runtime, "crt0_wasm.c"),
        ...sources,
        "-lc",
        "-o",
        wasmPath,
      ],
      programDir,
    );

    const elf = new Uint8Array(readFileSync(elfPath));
    const wasm = new Uint8Array(readFileSync(wasmPath));
    try {
      checkWasmInterface(new WebAssembly.Module(wasm));
    } catch (e) {
      throw new CompileError("wasm32", "import/export check", (e as Error).message);
    }
    // elfImage validates the ELF against memLimit (every segment, heap and stack included, must fit below it).
    const { memRoot, entry } = elfImage(elf, cfg.limits.memLimit);
    const manifest = makeManifest({
      metadata: {
        name: cfg.name,
        ...(cfg.description === undefined ? {} : { description: cfg.description }),
        methods: cfg.methods,
      },
      elf,
      wasm,
      memRoot,
      entry,
      limits: cfg.limits,
    });
    if (opts.write !== false) {
      const out = resolve(opts.outDir ?? join(programDir, "build"));
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `${cfg.name}.elf`), elf);
      writeFileSync(join(out, `${cfg.name}.wasm`), wasm);
      writeFileSync(join(out, "manifest.json"), manifestJson(manifest));
    }
    return { elf, wasm, manifest, programHash: manifest.programHash };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
