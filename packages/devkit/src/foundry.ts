import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** A Foundry tool shipped as a platform binary inside the `@foundry-rs/*` npm packages. */
export type FoundryTool = "forge" | "anvil";

const require = createRequire(import.meta.url);
const ARCH_NAMES: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/** Absolute path of a Foundry binary installed from npm; throws if this platform's package is missing. */
export function foundryBinary(tool: FoundryTool): string {
  const arch = ARCH_NAMES[process.arch] ?? process.arch;
  const pkg = `@foundry-rs/${tool}-${process.platform}-${arch}`;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), "bin", tool);
  } catch {
    throw new Error(
      `${pkg} is not installed; run \`npm ci\` (Foundry ships ${tool} for ${process.platform}/${process.arch} through npm)`,
    );
  }
}
