#!/usr/bin/env node
// A `solc` command for forge, backed by the pinned `solc` npm package (solc-js), so nothing is downloaded.
// It answers `--version` and `--standard-json` (input on stdin) and resolves imports from the paths forge passes.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  const full = solc.version().replace(".Emscripten.clang", "");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${full}\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write("this solc wrapper only supports --version and --standard-json (input on stdin)\n");
  process.exit(2);
}

/** Values of every occurrence of a path flag, comma separated values split. */
function flagValues(name) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) out.push(...args[i + 1].split(","));
    else if (args[i].startsWith(`${name}=`)) out.push(...args[i].slice(name.length + 1).split(","));
  }
  return out.filter((p) => p.length > 0);
}

const roots = [...flagValues("--base-path"), ...flagValues("--include-path"), process.cwd()];

function findImports(path) {
  const candidates = isAbsolute(path) ? [path] : roots.map((root) => resolve(root, path));
  for (const file of candidates) {
    try {
      return { contents: readFileSync(file, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `file not found: ${path} (looked in ${roots.join(", ")})` };
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
