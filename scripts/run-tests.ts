// Runs every TypeScript test file (packages/*/test, apps/*/test) with node:test through tsx, sources resolved
// directly (the "source" export condition), or only the files or folders given as arguments.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}

const args = process.argv.slice(2);
const roots =
  args.length > 0
    ? args.map((a) => join(process.cwd(), a))
    : ["packages", "apps"].flatMap((group) => {
        const base = join(root, group);
        return existsSync(base) ? readdirSync(base).map((name) => join(base, name, "test")) : [];
      });
const files = roots.flatMap(testFiles).sort();
if (files.length === 0) {
  console.error(`no test files found under ${roots.map((r) => relative(root, r)).join(", ")}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--conditions=source", "--test", "--test-concurrency=2", ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
