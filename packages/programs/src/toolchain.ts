// The C toolchains of the two targets, their fixed flags, and clear errors when one is missing.
import { spawnSync } from "node:child_process";

/** A required compiler or library is not installed. */
export class ToolchainMissingError extends Error {
  override name = "ToolchainMissingError";
  constructor(
    readonly tool: string,
    readonly debianPackages: string,
  ) {
    super(`${tool} not found: install the Debian package(s) ${debianPackages} (apt-get install ${debianPackages})`);
  }
}

/** A compiler or linker exited with an error. */
export class CompileError extends Error {
  override name = "CompileError";
  constructor(
    readonly target: "rv32" | "wasm32",
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${target} build failed: ${command}\n${stderr}`);
  }
}

export const RV32_CC = "riscv64-unknown-elf-gcc";
export const WASM_CC = "clang";

/** Flags shared by both targets: same optimisation, strict IEEE (no contraction), no identifying strings. */
export const COMMON_CFLAGS = ["-std=c11", "-O2", "-ffp-contract=off", "-fno-ident", "-Wall", "-Wextra"];

/** RV32IM proving image: soft-float, picolibc, our crt0 and linker script, static, stripped, no build id. */
export const RV32_FLAGS = [
  "-march=rv32im",
  "-mabi=ilp32",
  "--specs=picolibc.specs",
  "-static",
  "-nostartfiles",
  "-ffunction-sections",
  "-fdata-sections",
  "-Wl,--gc-sections",
  "-Wl,--build-id=none",
  "-s",
];

/** wasm32 native image: wasi-libc's libc only (no compiler-rt, no WASI start code), stripped, `_start` exported. */
export const WASM_FLAGS = [
  "--target=wasm32-wasi",
  "-nostartfiles",
  "-nodefaultlibs",
  "-Wl,--no-entry",
  "-Wl,--strip-all",
  "-Wl,--no-export-dynamic",
  // Stack below the data: an overflow leaves linear memory and traps (MemoryLimit) instead of corrupting data.
  "-Wl,--stack-first",
];

/** Environment for compiler processes: fixed locale and timestamp so nothing host-specific leaks in. */
export function buildEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", SOURCE_DATE_EPOCH: "0", TZ: "UTC" };
}

function versionOf(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: buildEnv() });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return r.stdout.split("\n")[0].trim();
}

/** Versions of both compilers; throws ToolchainMissingError naming the Debian package of what is missing. */
export function checkToolchains(): { rv32: string; wasm32: string } {
  const rv32 = versionOf(RV32_CC, ["--version"]);
  if (rv32 === undefined) throw new ToolchainMissingError(RV32_CC, "gcc-riscv64-unknown-elf");
  const multilib = spawnSync(RV32_CC, ["-march=rv32im", "-mabi=ilp32", "-print-multi-directory"], {
    encoding: "utf8",
    env: buildEnv(),
  });
  const specs = spawnSync(RV32_CC, ["-print-file-name=picolibc.specs"], { encoding: "utf8", env: buildEnv() });
  if (multilib.stdout.trim() !== "rv32im/ilp32" || !specs.stdout.trim().startsWith("/"))
    throw new ToolchainMissingError("picolibc rv32im/ilp32 multilib", "picolibc-riscv64-unknown-elf");
  const wasm32 = versionOf(WASM_CC, ["--version"]);
  if (wasm32 === undefined) throw new ToolchainMissingError(WASM_CC, "clang lld");
  const libc = spawnSync(WASM_CC, ["--target=wasm32-wasi", "-print-file-name=libc.a"], {
    encoding: "utf8",
    env: buildEnv(),
  });
  if (libc.status !== 0 || !libc.stdout.includes("wasm32-wasi"))
    throw new ToolchainMissingError("wasi-libc (wasm32-wasi libc.a)", "wasi-libc");
  const lld = versionOf("wasm-ld", ["--version"]);
  if (lld === undefined) throw new ToolchainMissingError("wasm-ld", "lld");
  return { rv32, wasm32 };
}

/** Runs a compiler; throws CompileError with its stderr on failure, ToolchainMissingError if it is absent. */
export function run(target: "rv32" | "wasm32", cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: buildEnv() });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ENOENT")
    throw new ToolchainMissingError(
      cmd,
      target === "rv32" ? "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" : "clang lld wasi-libc",
    );
  if (r.status !== 0) throw new CompileError(target, `${cmd} ${args.join(" ")}`, r.stderr);
}
