// `verity program build|inspect`: builds program folders with @verity/programs and describes built programs or bundles.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { buildProgram } from "@verity/programs";
import { decodeBundle, type ManifestFile, parseManifest } from "@verity/protocol";
import { keccak256, toFunctionSelector } from "viem";
import { parse } from "../args.js";
import { CliError, ExitCode, UsageError } from "../errors.js";

export const PROGRAM_HELP = `usage: verity program <command>

commands:
  build <dir>...          compile program folders (program.json + C sources) to build/<name>.elf,
                          build/<name>.wasm and build/manifest.json; prints each program hash
  inspect <dir|bundle>    describe a built program folder, a manifest.json or a .bundle file:
                          manifest, hashes, limits, methods and selectors, image sizes

Run "verity program <command> --help" for a command's options.`;

const BUILD_HELP = `usage: verity program build <dir>...

Compiles each program folder for both targets (RV32IM proving ELF and wasm32 native image) with the fixed,
reproducible flags, and writes <dir>/build/{<name>.elf,<name>.wasm,manifest.json}.

exit codes: 0 all built, 1 a build failed (the compiler's message is printed), 2 bad command line`;

const INSPECT_HELP = `usage: verity program inspect <dir | manifest.json | file.bundle> [--json]

Reads a built program folder (<dir>/build/manifest.json and its images), a manifest.json, or a program bundle
("VRTY" file, as served by providers at /programs/<hash>), checks every hash, and prints the manifest, hashes,
limits, methods with their selectors, and image sizes.

options:
  --json    print one JSON object instead of text

exit codes: 0 ok, 1 unreadable or inconsistent (hash mismatch, bad bundle), 2 bad command line`;

/** What `program inspect` reports. */
export interface ProgramDescription {
  source: string;
  kind: "folder" | "manifest" | "bundle";
  manifest: ManifestFile;
  methods: { signature: string; selector: string }[];
  elfSize?: number;
  wasmSize?: number;
  bundleSize?: number;
}

function imageSize(path: string, expectedHash: string, what: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const hash = keccak256(bytes);
  if (hash !== expectedHash)
    throw new CliError(
      `${path}: ${what} hash ${hash} does not match the manifest (${expectedHash}); rebuild the program`,
    );
  return bytes.length;
}

function methodsOf(manifest: ManifestFile): ProgramDescription["methods"] {
  return manifest.methods.map((signature) => {
    let selector: string;
    try {
      selector = toFunctionSelector(signature);
    } catch {
      selector = "(not a valid Solidity signature)";
    }
    return { signature, selector };
  });
}

/** Reads and checks a program folder, manifest file or bundle. */
export function describeProgram(target: string): ProgramDescription {
  if (!existsSync(target))
    throw new CliError(`${target} does not exist: give a program folder, a manifest.json or a bundle`);
  try {
    if (statSync(target).isDirectory()) {
      const file = join(target, "build", "manifest.json");
      if (!existsSync(file)) throw new CliError(`${file} is missing: run "verity program build ${target}" first`);
      const manifest = parseManifest(JSON.parse(readFileSync(file, "utf8")));
      const build = join(target, "build");
      const elfSize = imageSize(join(build, `${manifest.name}.elf`), manifest.elfHash, "ELF");
      const wasmSize = imageSize(join(build, `${manifest.name}.wasm`), manifest.wasmHash, "wasm");
      return {
        source: target,
        kind: "folder",
        manifest,
        methods: methodsOf(manifest),
        ...(elfSize === undefined ? {} : { elfSize }),
        ...(wasmSize === undefined ? {} : { wasmSize }),
      };
    }
    const bytes = new Uint8Array(readFileSync(target));
    if (bytes[0] === 0x7b /* "{" */) {
      const manifest = parseManifest(JSON.parse(Buffer.from(bytes).toString("utf8")));
      return { source: target, kind: "manifest", manifest, methods: methodsOf(manifest) };
    }
    const bundle = decodeBundle(bytes);
    return {
      source: target,
      kind: "bundle",
      manifest: bundle.manifest,
      methods: methodsOf(bundle.manifest),
      elfSize: bundle.elf.length,
      wasmSize: bundle.wasm.length,
      bundleSize: bytes.length,
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${target}: ${(error as Error).message}`);
  }
}

function bytes(n: number | undefined): string {
  return n === undefined ? "(not present)" : `${n} B`;
}

/** Text form of a ProgramDescription. */
export function formatDescription(d: ProgramDescription): string {
  const m = d.manifest;
  const lines = [
    `program      ${m.name} (${d.kind} ${d.source})`,
    ...(m.description === undefined ? [] : [`description  ${m.description}`]),
    `programHash  ${m.programHash}`,
    `elfHash      ${m.elfHash}`,
    `wasmHash     ${m.wasmHash}`,
    `memRoot      ${m.memRoot}`,
    `entry        0x${m.entry.toString(16).padStart(8, "0")}`,
    "limits",
    `  maxSteps   ${m.maxSteps}`,
    `  memLimit   ${m.memLimit} B (0x${m.memLimit.toString(16)})`,
    `  maxInput   ${m.maxInput} B`,
    `  maxOutput  ${m.maxOutput} B`,
    "methods",
    ...d.methods.map((x) => `  ${x.selector}  ${x.signature}`),
    "sizes",
    `  elf        ${bytes(d.elfSize)}`,
    `  wasm       ${bytes(d.wasmSize)}`,
    ...(d.bundleSize === undefined ? [] : [`  bundle     ${d.bundleSize} B`]),
  ];
  return lines.join("\n");
}

function jsonOf(d: ProgramDescription): string {
  return JSON.stringify(d, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Runs `verity program ...`; returns the exit code. */
export async function programCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    // Asked for: stdout and success; missing subcommand: stderr and a usage error.
    (sub === undefined ? console.error : console.log)(PROGRAM_HELP);
    return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (sub === "build") {
    const args = parse("program build", rest, {});
    if (args.help) {
      console.log(BUILD_HELP);
      return ExitCode.Ok;
    }
    if (args.positionals.length === 0) throw new UsageError("give at least one program folder", "program build");
    let failed = false;
    for (const dir of args.positionals) {
      try {
        const r = buildProgram(dir);
        console.log(
          `${r.manifest.name}: programHash ${r.programHash} elf ${r.elf.length} B wasm ${r.wasm.length} B memRoot ${r.manifest.memRoot} entry 0x${r.manifest.entry.toString(16)}`,
        );
      } catch (error) {
        console.error(`verity program build: ${basename(dir)}: ${(error as Error).message}`);
        failed = true;
      }
    }
    return failed ? ExitCode.Failure : ExitCode.Ok;
  }
  if (sub === "inspect") {
    const args = parse("program inspect", rest, { json: { type: "boolean" } });
    if (args.help) {
      console.log(INSPECT_HELP);
      return ExitCode.Ok;
    }
    if (args.positionals.length !== 1)
      throw new UsageError("give exactly one program folder, manifest.json or bundle", "program inspect");
    const d = describeProgram(args.positionals[0]!);
    console.log(args.values.json === true ? jsonOf(d) : formatDescription(d));
    return ExitCode.Ok;
  }
  throw new UsageError(`unknown command "program ${sub}"`, "program");
}
