#!/usr/bin/env node
// The `verity` command line.
import { CliError, ExitCode, UsageError } from "./errors.js";

const HELP = `usage: verity <command> [options]

commands:
  demo                        the whole protocol on a devnet of its own, as a checked transcript
  devnet                      a local network: anvil, the contracts, example services, provider processes
  program build <dir>...      build program folders (RV32IM proving ELF + wasm native image + manifest)
  program inspect <target>    describe a program folder, manifest or bundle
  vm run <elf>                run an RV32IM ELF on the proving VM (like qemu-riscv32)
  provider start              run a provider node
  provider register           stake on a Service and publish the node's URL
  provider exit               request the exit and withdraw the stake when allowed
  call <service> <sig> ...    a verified call of a service method on k providers
  dispute status <id>         where a dispute stands, match by match

Run "verity <command> --help" for details. Exit codes: 0 ok, 1 failure, 2 bad command line; "vm run" exits
with the program's exit code (128+status on an abnormal halt), "provider exit" with 3 while a withdrawal is pending.`;

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code, or undefined to keep running. */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Commands load lazily: "vm run" starts without loading viem, the contracts or the provider.
      case "demo":
        return await (await import("./commands/demo.js")).demoCommand(rest);
      case "call":
        return await (await import("./commands/call.js")).callCommand(rest);
      case "dispute":
        return await (await import("./commands/dispute.js")).disputeCommand(rest);
      case "devnet":
        return await (await import("./commands/devnet.js")).devnetCommand(rest);
      case "program":
        return await (await import("./commands/program.js")).programCommand(rest);
      case "vm":
        return await (await import("./commands/vm.js")).vmCommand(rest);
      case "provider":
        return await (await import("./commands/provider.js")).providerCommand(rest);
      case undefined:
        console.error(HELP);
        return ExitCode.Usage;
      case "help":
      case "--help":
      case "-h":
        console.log(HELP);
        return ExitCode.Ok;
      case "--version":
        console.log("verity 0.1.0");
        return ExitCode.Ok;
      default:
        throw new UsageError(`unknown command "${command}"`, "");
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command === "" ? "verity --help" : `verity ${error.command} --help`;
      process.stderr.write(`verity: ${error.message}\nRun "${help}" for usage.\n`);
      return ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`verity: ${error.message}\n`);
      return error.code;
    }
    process.stderr.write(`verity: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.Failure;
  }
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exit(code);
