// Errors of the CLI and the exit codes they map to (docs/components/cli.md lists them).

/** Exit codes shared by every command. */
export const ExitCode = {
  Ok: 0,
  /** The command ran and failed (chain, network, file, build or verification error). */
  Failure: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. */
  Usage: 2,
  /** `provider exit`: the exit is requested but the stake cannot be withdrawn yet. */
  Pending: 3,
  /** `vm run`: added to the VM status of an abnormal halt (129 illegal instruction ... 137 bad oracle key). */
  AbnormalHaltBase: 128,
} as const;

/** A malformed command line; the message says what was expected. Exits with ExitCode.Usage. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    /** The command whose `--help` the user should read. */
    readonly command: string,
  ) {
    super(message);
  }
}

/** A command that failed for a reason other than its command line. Exits with `code` (default ExitCode.Failure). */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly code: number = ExitCode.Failure,
  ) {
    super(message);
  }
}
