#!/usr/bin/env node
// Runs Biome from its Linux x64 binary package. The project depends on the platform packages of its native tools
// (Biome, forge, anvil) directly rather than on their launcher packages, because the npm registry this project
// installs from does not carry every platform's binary, and `npm ci` refuses a lockfile whose optional platform
// packages are missing.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const pkg = `@biomejs/cli-${process.platform}-${process.arch}`;
let binary;
try {
  binary = join(dirname(require.resolve(`${pkg}/package.json`)), "biome");
} catch {
  process.stderr.write(`${pkg} is not installed: the lint step supports Linux x64 (run npm ci there)\n`);
  process.exit(1);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
process.exit(result.status ?? 1);
