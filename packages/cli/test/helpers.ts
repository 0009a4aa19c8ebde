// Runs the CLI from sources in a child process, as a user would run it.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { join } from "node:path";
import { cliInvocation } from "../src/child.js";

export const ROOT = join(import.meta.dirname, "..", "..", "..");

/** Runs `verity <args>` from sources; stdout is raw bytes. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; input?: Uint8Array; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): SpawnSyncReturns<Buffer> {
  const cli = cliInvocation("source");
  return spawnSync(cli.command, [...cli.args, ...args], {
    cwd: options.cwd ?? ROOT,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
}
