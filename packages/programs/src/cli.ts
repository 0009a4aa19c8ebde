// Build CLI: `node --import tsx --conditions=source packages/programs/src/cli.ts build <program dir>...`
import { buildProgram } from "./build.js";

function usage(): never {
  console.error("usage: cli.ts build <program dir>...");
  process.exit(2);
}

const [command, ...dirs] = process.argv.slice(2);
if (command !== "build" || dirs.length === 0) usage();
let failed = false;
for (const dir of dirs) {
  try {
    const r = buildProgram(dir);
    console.log(
      `${r.manifest.name}: programHash ${r.programHash} elf ${r.elf.length} B wasm ${r.wasm.length} B memRoot ${r.manifest.memRoot} entry 0x${r.manifest.entry.toString(16)}`,
    );
  } catch (e) {
    console.error(`${dir}: ${(e as Error).message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
