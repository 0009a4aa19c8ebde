// `verity vm run`: runs an RV32IM ELF on the proving VM like qemu-riscv32 runs it: output on stdout, the program's
// exit code as the process's exit code; abnormal halts exit with 128 + the VM status.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ElfError, keccak, Machine, MapOracle, OracleError, Status, statusName, toHex } from "@verity/vm";
import { hexBytes, integer, parse, u32 } from "../args.js";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { ProgressBar } from "../progress.js";

/** Default limits when neither flags nor a matching manifest give them. */
export const VM_DEFAULTS = { maxSteps: 10_000_000_000n, memLimit: 0x40_0000, maxOutput: 16 * 1024 * 1024 } as const;

export const VM_HELP = `usage: verity vm run <elf> [options]

Runs an RV32IM ELF on the Verity proving VM (the machine of the fraud-proof game) and writes what the program
writes to fd 1 to stdout. The process exits with the program's own exit code (low 8 bits, like qemu-riscv32).

Limits default to those of build/manifest.json when it sits next to the ELF and its elfHash matches, else to
max-steps ${VM_DEFAULTS.maxSteps}, mem-limit 0x${VM_DEFAULTS.memLimit.toString(16)}, max-output ${VM_DEFAULTS.maxOutput}.

options:
  --input <hex>           input bytes, hex (with or without 0x)
  --input-file <file>     input bytes from a file ("-" reads stdin)
  --oracle-file <file>    a data-oracle blob the program may read (repeatable; keyed by keccak and chunk root)
  --max-steps <n>         step limit (the run halts with StepLimit beyond it)
  --mem-limit <n>         memory limit in bytes (multiple of 4 KiB)
  --max-output <n>        output limit in bytes
  --ignore-manifest       do not take limits from a manifest next to the ELF
  --stats                 print steps, status, exit code, output size, final state hash and speed to stderr
  --progress              draw the progress bar even when stderr is not a terminal
  --quiet                 no progress bar and no abnormal-halt message
  -h, --help              this help

exit codes:
  0..255   the program exited (its exit code & 0xff)
  1        the ELF or an input file could not be read or loaded, or an oracle blob was missing
  2        bad command line
  128+s    abnormal halt with VM status s: 130 IllegalInstruction, 131 MisalignedAccess, 132 MemoryLimit,
           133 StepLimit, 134 UnknownSyscall, 135 OutputLimit, 136 Breakpoint, 137 BadOracleKey
           (a program can also exit with these codes itself: use --stats to tell them apart)`;

const HINTS: Partial<Record<number, string>> = {
  [Status.StepLimit]: "raise --max-steps",
  [Status.MemoryLimit]: "raise --mem-limit, or the program accessed memory it does not own",
  [Status.OutputLimit]: "raise --max-output",
  [Status.UnknownSyscall]: "the program made a system call the VM does not provide (see docs/protocol.md §1)",
};

/** Limits taken from a manifest next to the ELF, when its elfHash matches. */
async function manifestLimits(
  elfPath: string,
  elf: Uint8Array,
): Promise<{ maxSteps: bigint; memLimit: number; maxOutput: number } | undefined> {
  const file = join(dirname(elfPath), "manifest.json");
  if (!existsSync(file)) return undefined;
  try {
    // Loaded only when needed: @verity/protocol pulls in viem and every contract artifact.
    const { parseManifest } = await import("@verity/protocol");
    const m = parseManifest(JSON.parse(readFileSync(file, "utf8")));
    return m.elfHash === toHex(keccak(elf))
      ? { maxSteps: m.maxSteps, memLimit: m.memLimit, maxOutput: m.maxOutput }
      : undefined;
  } catch {
    return undefined;
  }
}

function readInput(values: { input?: string; "input-file"?: string }): Uint8Array {
  if (values.input !== undefined && values["input-file"] !== undefined)
    throw new UsageError("give either --input or --input-file, not both", "vm run");
  if (values.input !== undefined) return hexBytes("vm run", "input", values.input);
  const file = values["input-file"];
  if (file === undefined) return new Uint8Array(0);
  try {
    return new Uint8Array(readFileSync(file === "-" ? 0 : file));
  } catch (error) {
    throw new CliError(`cannot read --input-file ${file}: ${(error as Error).message}`);
  }
}

/** Runs `verity vm run ...`; returns the exit code. */
export async function vmCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    // Asked for: stdout and success; missing subcommand: stderr and a usage error.
    (sub === undefined ? console.error : console.log)(VM_HELP);
    return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (sub !== "run") throw new UsageError(`unknown command "vm ${sub}"`, "vm");
  const cmd = "vm run";
  const args = parse(cmd, rest, {
    input: { type: "string" },
    "input-file": { type: "string" },
    "oracle-file": { type: "string", multiple: true },
    "max-steps": { type: "string" },
    "mem-limit": { type: "string" },
    "max-output": { type: "string" },
    "ignore-manifest": { type: "boolean" },
    stats: { type: "boolean" },
    progress: { type: "boolean" },
    quiet: { type: "boolean" },
  });
  if (args.help) {
    console.log(VM_HELP);
    return ExitCode.Ok;
  }
  if (args.positionals.length !== 1) throw new UsageError("give exactly one ELF file", cmd);
  const v = args.values;
  const elfPath = args.positionals[0]!;
  const input = readInput(v);
  let elf: Uint8Array;
  try {
    elf = new Uint8Array(readFileSync(elfPath));
  } catch (error) {
    throw new CliError(`cannot read ELF ${elfPath}: ${(error as Error).message}`);
  }
  const fromManifest = v["ignore-manifest"] === true ? undefined : await manifestLimits(elfPath, elf);
  const base = fromManifest ?? VM_DEFAULTS;
  const maxSteps = integer(cmd, "max-steps", v["max-steps"], base.maxSteps);
  if (maxSteps >= 1n << 64n) throw new UsageError("--max-steps must be below 2^64", cmd);
  const memLimit = u32(cmd, "mem-limit", v["mem-limit"], base.memLimit);
  const maxOutput = u32(cmd, "max-output", v["max-output"], base.maxOutput);

  const oracle = new MapOracle();
  for (const file of v["oracle-file"] ?? []) {
    let blob: Uint8Array;
    try {
      blob = new Uint8Array(readFileSync(file));
    } catch (error) {
      throw new CliError(`cannot read --oracle-file ${file}: ${(error as Error).message}`);
    }
    if (blob.length <= 1024) oracle.addKeccak(blob);
    oracle.addMerkle(blob);
  }

  let machine: Machine;
  try {
    machine = Machine.fromElf(elf, { input, maxSteps, memLimit, maxOutput, oracle });
  } catch (error) {
    const hint = error instanceof RangeError ? " (raise --mem-limit?)" : "";
    const what = error instanceof ElfError ? "not a loadable RV32IM ELF" : "cannot load";
    throw new CliError(`${elfPath}: ${what}: ${(error as Error).message}${hint}`);
  }

  const quiet = v.quiet === true;
  const showProgress = !quiet && (v.progress === true || process.stderr.isTTY === true);
  const bar = showProgress ? new ProgressBar(Number(maxSteps)) : undefined;
  const started = performance.now();
  try {
    machine.run(
      Number.POSITIVE_INFINITY,
      bar === undefined ? {} : { onProgress: (m) => bar.update(m.stepCount), progressInterval: 1 << 20 },
    );
  } catch (error) {
    bar?.finish();
    if (error instanceof OracleError)
      throw new CliError(`${(error as Error).message}: pass the blob with --oracle-file <file>`);
    throw error;
  }
  bar?.finish();
  const seconds = (performance.now() - started) / 1000;
  const output = machine.outputData();
  if (output.length > 0) process.stdout.write(output);

  if (v.stats === true) {
    const mips = seconds > 0 ? (machine.stepCount / seconds / 1e6).toFixed(1) : "-";
    const exit =
      machine.status === Status.Exited
        ? ` (exit code ${machine.exitCode})`
        : ` at pc 0x${(machine.pc >>> 0).toString(16)}`;
    process.stderr.write(
      [
        `status      ${statusName(machine.status)}${exit}`,
        `steps       ${machine.stepCount}`,
        `state hash  ${toHex(machine.stateHash())}`,
        `output      ${output.length} B`,
        `limits      max-steps ${maxSteps} mem-limit 0x${memLimit.toString(16)} max-output ${maxOutput}${fromManifest === undefined ? "" : " (from manifest)"}`,
        `time        ${seconds.toFixed(3)} s (${mips} M steps/s)`,
      ].join("\n") + "\n",
    );
  }
  if (machine.status === Status.Exited) return machine.exitCode & 0xff;
  if (!quiet) {
    const hint = HINTS[machine.status];
    process.stderr.write(
      `verity vm run: abnormal halt: ${statusName(machine.status)} after ${machine.stepCount} steps at pc 0x${(machine.pc >>> 0).toString(16)}${hint === undefined ? "" : ` (${hint})`}\n`,
    );
  }
  return ExitCode.AbnormalHaltBase + machine.status;
}
