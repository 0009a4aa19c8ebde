// Runs a provider node as a long-lived process: config from a file and VERITY_* variables, graceful shutdown.
import { loadConfig, type ProviderConfig } from "./config.js";
import { ProviderNode } from "./provider-node.js";

/** Starts a provider from a config file and the environment and stops it on SIGINT/SIGTERM. */
export async function runProvider(configFile?: string, overrides: Partial<ProviderConfig> = {}): Promise<ProviderNode> {
  const node = new ProviderNode(loadConfig(configFile, process.env, overrides));
  const url = await node.start();
  // The parent (devnet, tests) waits for this line on stdout.
  process.stdout.write(`verity provider ${node.account.address} listening on ${url}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    node.logger.info({ signal }, "stopping");
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        node.logger.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  return node;
}
