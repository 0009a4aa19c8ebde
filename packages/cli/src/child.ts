// How to start the CLI itself as a child process: from built JS (dist/) or from sources through tsx.
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where child CLI processes run from. */
export type ChildRuntime = "dist" | "source";

const PACKAGE_DIR = join(import.meta.dirname, "..");
const DIST_MAIN = join(PACKAGE_DIR, "dist", "main.js");
const SOURCE_MAIN = join(PACKAGE_DIR, "src", "main.ts");

/**
 * The runtime children use unless told otherwise: VERITY_CLI_RUNTIME when set, else the one this process runs on
 * (compiled code starts compiled children, sources start sources, so both are always of the same version); a
 * compiled process without dist/main.js (cannot happen in a normal build) falls back to sources.
 */
export function defaultChildRuntime(): ChildRuntime {
  const forced = process.env.VERITY_CLI_RUNTIME;
  if (forced === "dist" || forced === "source") return forced;
  const runningFromSource = import.meta.url.endsWith(".ts");
  return !runningFromSource && existsSync(DIST_MAIN) ? "dist" : "source";
}

/** The executable and leading arguments that run `verity <args>` in a child process. */
export function cliInvocation(runtime: ChildRuntime = defaultChildRuntime()): { command: string; args: string[] } {
  if (runtime === "dist") {
    if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} is missing: run "npm run build" first`);
    return { command: process.execPath, args: [DIST_MAIN] };
  }
  // An absolute loader URL, so the child does not depend on its working directory to find tsx.
  const tsx = import.meta.resolve("tsx");
  return { command: process.execPath, args: ["--import", tsx, "--conditions=source", SOURCE_MAIN] };
}
