// @verity/cli: the `verity` command line; startDevnet is exported for the demo and tests.

export { type ChildRuntime, cliInvocation, defaultChildRuntime } from "./child.js";
export { formatDevnetInfo } from "./commands/devnet.js";
export { describeProgram, formatDescription, type ProgramDescription } from "./commands/program.js";
export { VM_DEFAULTS } from "./commands/vm.js";
export { type Devnet, type DevnetOptions, startDevnet } from "./devnet.js";
export {
  DEFAULT_STATE_DIR,
  type DevnetAccount,
  type DevnetInfo,
  type DevnetProvider,
  type DevnetService,
  devnetInfoPath,
  readDevnetInfo,
  resolveService,
} from "./devnet-info.js";
export { CliError, ExitCode, UsageError } from "./errors.js";
export { EXAMPLE_SERVICES, EXAMPLES_DIR, type ExampleService, REPO_ROOT } from "./examples.js";
