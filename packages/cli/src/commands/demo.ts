// `verity demo`: the protocol's whole story on a devnet of its own.
import { parse } from "../args.js";
import { runDemo } from "../demo.js";
import { ExitCode, UsageError } from "../errors.js";

export const DEMO_HELP = `usage: verity demo [--state-dir <dir>]

Starts a devnet of its own (anvil, the contracts, the example services, 4 provider processes, one of them faulty),
then tells the whole story with timings: verified discovery; a call answered by three providers that agree; a call
where one provider lies; the dispute the client opens, each dissection round, the one-step proof executed on chain,
the slashing, the requester's compensation, the verified result; stakes and balances before and after. Every claim
is checked against the chain.

options:
  --state-dir <dir>   where the demo's devnet keeps its files (default .verity/demo)

exit codes: 0 every step did what it says, 1 a check failed or the devnet could not start, 2 bad command line`;

/** Runs `verity demo`. */
export async function demoCommand(argv: readonly string[]): Promise<number> {
  const args = parse("demo", argv, { "state-dir": { type: "string" } });
  if (args.help) {
    console.log(DEMO_HELP);
    return ExitCode.Ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, "demo");
  const outcome = await runDemo(args.values["state-dir"] === undefined ? {} : { stateDir: args.values["state-dir"] });
  return outcome.ok ? ExitCode.Ok : ExitCode.Failure;
}
