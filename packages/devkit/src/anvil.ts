import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { foundryBinary } from "./foundry.js";

/** Options for a local anvil node. */
export interface AnvilOptions {
  /** Loopback port; a free one is picked when omitted. */
  port?: number;
  /** Chain id (anvil's default is 31337). */
  chainId?: number;
  /** Seconds per block; omitted means a block per transaction (automine). */
  blockTime?: number;
  /** How long to wait for the node to answer, in milliseconds. */
  startTimeoutMs?: number;
  /** Extra command-line arguments for anvil. */
  args?: readonly string[];
}

/** A running anvil process on 127.0.0.1. */
export interface Anvil {
  readonly rpcUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period); safe to call twice. */
  stop(): Promise<void>;
}

/** Error raised when anvil does not start or does not answer in time. */
export class AnvilStartError extends Error {
  override name = "AnvilStartError";
}

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port of a probe socket"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts anvil on a loopback port and resolves once it answers JSON-RPC. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  const args = ["--host", "127.0.0.1", "--port", String(port)];
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  args.push(...(options.args ?? []));

  const child = spawn(foundryBinary("anvil"), args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // Only our own process prints this line, so another server already on the port cannot pass for it.
  let listening = false;
  let stdout = "";
  const onStdout = (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-4000);
    if (stdout.includes(`Listening on 127.0.0.1:${port}`)) {
      listening = true;
      child.stdout?.removeListener("data", onStdout);
      child.stdout?.resume();
    }
  };
  child.stdout?.on("data", onStdout);
  const pid = child.pid;
  if (pid === undefined) throw new AnvilStartError("anvil did not start (no process id)");

  // Never leave an orphan anvil behind, even if the caller forgets stop() or the process dies on an error.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const grace = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited(child);
    clearTimeout(grace);
  };

  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      process.removeListener("exit", killOnExit);
      throw new AnvilStartError(
        `anvil exited with code ${child.exitCode} before answering on port ${port}: ${(stderr || stdout).trim()}`,
      );
    }
    if (listening && (await answers(rpcUrl))) return { rpcUrl, port, pid, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new AnvilStartError(`anvil did not answer on ${rpcUrl} within ${options.startTimeoutMs ?? 15_000} ms`);
}
