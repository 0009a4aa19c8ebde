// Runs the npm-shipped forge inside contracts/ with this script's arguments.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// The subpath: the package root also exports deployment code that needs the ABIs this very build generates.
import { foundryBinary } from "@verity/devkit/foundry";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(foundryBinary("forge"), process.argv.slice(2), {
  cwd: join(root, "contracts"),
  stdio: "inherit",
  env: { ...process.env, FOUNDRY_DISABLE_NIGHTLY_WARNING: "1" },
});
process.exit(result.status ?? 1);
