#!/usr/bin/env node
// `node packages/provider/dist/main.js [config.json]`: a provider process (`verity provider start` wraps the same).
import { runProvider } from "./run.js";

runProvider(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`verity provider: ${(error as Error).message}\n`);
  process.exit(1);
});
