// `verity devnet`: a local network for development that runs until Ctrl-C.
import { relative } from "node:path";
import { integer, parse } from "../args.js";
import type { ChildRuntime } from "../child.js";
import { startDevnet } from "../devnet.js";
import type { DevnetInfo } from "../devnet-info.js";
import { ExitCode, UsageError } from "../errors.js";

export const DEVNET_HELP = `usage: verity devnet [--providers <n>] [--port <n>] [options]

Starts anvil, deploys the Verity contracts and one Service per built example program (echo, keccak, matmul,
numeric, oracle), starts <n> provider processes ("verity provider start", each with its own anvil dev key,
port and data folder, registered with the minimum stake on every Service), writes everything to
<state-dir>/devnet.json (read by other commands by default), and runs until Ctrl-C or SIGTERM, then stops
every provider and anvil.

options:
  --providers <n>       provider processes (default 3, at most 16)
  --port <n>            anvil's port (default 8545; 0 picks a free one)
  --chain-id <n>        chain id (default 31337)
  --state-dir <dir>     where devnet.json and devnet/ (provider configs, data, logs) go (default .verity)
  --runtime <r>         run providers from "dist" (built JS) or "source" (tsx); default: like this process
  --log-level <level>   provider log level in devnet/provider-<i>.log (default info)
  --json                print the devnet description as JSON instead of text

exit codes: 0 stopped by Ctrl-C/SIGTERM, 1 failed to start (anvil, deployment or a provider), 2 bad command line`;

/** A path relative to the working directory when it lies inside it. */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r === "" || r.startsWith("..") ? path : r;
}

/** The text a developer needs, printed once the devnet is up. */
export function formatDevnetInfo(info: DevnetInfo, infoFile: string): string {
  const lines = [
    "Verity devnet is running",
    "",
    `RPC URL           ${info.rpcUrl}`,
    `chain id          ${info.chainId}`,
    "",
    "contracts",
    `  ProgramRegistry ${info.contracts.registry}`,
    `  Arbitration     ${info.contracts.arbitration}`,
    `  PaymentChannels ${info.contracts.paymentChannels}`,
    `  RiscVStep       ${info.contracts.stepVerifier}`,
    "",
    "services",
    ...info.services.flatMap((s) => [
      `  ${s.name.padEnd(8)} ${s.address} (${s.contract})`,
      ...s.methods.map((m) => `           ${m.selector} ${m.signature} -> program ${m.programHash}`),
    ]),
    "",
    "dev accounts (anvil's public test keys: never use them for real funds)",
    `  user      ${info.accounts.user.address} key ${info.accounts.user.privateKey}`,
    `  deployer  ${info.accounts.deployer.address} key ${info.accounts.deployer.privateKey}`,
    "",
    "providers",
    ...info.providers.map(
      (p, i) =>
        `  ${i}  ${p.address} ${p.url} (pid ${p.pid}, log ${shown(p.logFile)})${p.faulty === undefined ? "" : ` FAULTY ${JSON.stringify(p.faulty)}`}`,
    ),
    "",
    `written to ${shown(infoFile)}`,
    "Press Ctrl-C to stop.",
  ];
  return lines.join("\n");
}

/** Runs `verity devnet`; resolves with the exit code after a signal stopped the devnet. */
export async function devnetCommand(argv: readonly string[]): Promise<number> {
  const cmd = "devnet";
  const args = parse(cmd, argv, {
    providers: { type: "string" },
    port: { type: "string" },
    "chain-id": { type: "string" },
    "state-dir": { type: "string" },
    runtime: { type: "string" },
    "log-level": { type: "string" },
    json: { type: "boolean" },
  });
  if (args.help) {
    console.log(DEVNET_HELP);
    return ExitCode.Ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, cmd);
  const v = args.values;
  const runtime = v.runtime;
  if (runtime !== undefined && runtime !== "dist" && runtime !== "source")
    throw new UsageError(`--runtime must be "dist" or "source", got "${runtime}"`, cmd);
  const providers = Number(integer(cmd, "providers", v.providers, 3n));
  if (providers > 16) throw new UsageError(`--providers must be at most 16, got ${providers}`, cmd);
  const port = Number(integer(cmd, "port", v.port, 8545n));
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`, cmd);

  // Signals during start-up must still stop what was started: remember them and stop once start returns.
  let signalled: string | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: string) => {
    signalled ??= signal;
    wake?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const devnet = await startDevnet({
      providers,
      ...(port === 0 ? {} : { port }),
      ...(v["chain-id"] === undefined ? {} : { chainId: Number(integer(cmd, "chain-id", v["chain-id"], 31337n)) }),
      ...(v["state-dir"] === undefined ? {} : { stateDir: v["state-dir"] }),
      ...(runtime === undefined ? {} : { runtime: runtime as ChildRuntime }),
      ...(v["log-level"] === undefined ? {} : { providerLogLevel: v["log-level"] }),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    devnet.onProviderExit = (i, code, signal) =>
      process.stderr.write(
        `warning: provider ${i} exited (code ${code}, signal ${signal}); see ${devnet.info.providers[i]?.logFile}\n`,
      );
    if (signalled === undefined) {
      console.log(
        v.json === true ? JSON.stringify(devnet.info, null, 2) : formatDevnetInfo(devnet.info, devnet.infoFile),
      );
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    process.stderr.write(`${signalled}: stopping providers and anvil\n`);
    await devnet.stop();
    process.stderr.write("devnet stopped\n");
    return ExitCode.Ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
