// A devnet with two provider processes: each answers verity_info with its own address, devnet.json is written,
// and stopping leaves no process behind; the same through `verity devnet` and SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { devKey } from "@verity/devkit";
import { cliInvocation } from "../src/child.js";
import { startDevnet } from "../src/devnet.js";
import { type DevnetInfo, readDevnetInfo } from "../src/devnet-info.js";
import { ROOT, runCli } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "verity-cli-devnet-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rpcCall(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  return ((await res.json()) as { result: unknown }).result;
}

async function rpc(url: string, method: string): Promise<{ result?: Record<string, unknown>; error?: unknown }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
}

/** Every provider answers verity_info with its own address and serves every devnet service. */
async function checkProviders(info: DevnetInfo): Promise<void> {
  for (const p of info.providers) {
    const answer = await rpc(p.url, "verity_info");
    assert.equal(answer.result?.address, p.address, `${p.url} answers as ${String(answer.result?.address)}`);
    assert.equal(answer.result?.chainId, info.chainId);
    const services = (answer.result?.services ?? []) as { address: string }[];
    const served = services.map((s) => s.address.toLowerCase()).sort();
    assert.deepEqual(served, info.services.map((s) => s.address.toLowerCase()).sort());
  }
  const chainId = await fetch(info.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  }).then((r) => r.json() as Promise<{ result: string }>);
  assert.equal(Number(chainId.result), info.chainId);
}

async function gone(pids: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(alive);
  }
  return left;
}

describe("verity devnet", () => {
  it("startDevnet: two provider processes, devnet.json, clean stop", { timeout: 180_000 }, async () => {
    const workDir = join(tmp, "api");
    const stateDir = join(workDir, ".verity");
    const devnet = await startDevnet({
      providers: 2,
      stateDir,
      providerLogLevel: "warn",
      runtime: "source",
      faulty: [{ index: 1, mode: { kind: "wrong-output" } }],
    });
    let pids: number[] = [];
    try {
      const { info } = devnet;
      assert.equal(info.providers.length, 2);
      assert.notEqual(info.providers[0]!.address, info.providers[1]!.address);
      pids = [info.anvilPid, ...info.providers.map((p) => p.pid)];
      for (const pid of pids) assert.ok(alive(pid), `process ${pid} runs`);
      assert.equal(devnet.infoFile, join(stateDir, "devnet.json"));
      assert.deepEqual(readDevnetInfo(devnet.infoFile), JSON.parse(JSON.stringify(info)));
      assert.ok(info.services.some((s) => s.name === "echo"));
      assert.equal(info.providers[0]!.faulty, undefined);
      assert.deepEqual(info.providers[1]!.faulty, { kind: "wrong-output" });
      assert.deepEqual(JSON.parse(readFileSync(info.providers[1]!.configFile, "utf8")).faulty, {
        kind: "wrong-output",
      });
      await checkProviders(info);

      // provider register/exit find the RPC and the service by name through .verity/devnet.json in the cwd.
      const env = { VERITY_PROVIDER_KEY: devKey(6), VERITY_RPC_URL: undefined };
      const cli = (...args: string[]) => runCli(["provider", ...args], { cwd: workDir, env });
      const reg = cli("register", "--service", "echo", "--host", "http://127.0.0.1:9", "--stake", "2");
      assert.equal(reg.status, 0, reg.stderr.toString());
      assert.match(reg.stdout.toString(), /registered 0x[0-9a-fA-F]{40} at http:\/\/127\.0\.0\.1:9 with stake 2 ETH/);
      const first = cli("exit", "--service", "echo");
      assert.equal(first.status, 3, first.stderr.toString());
      assert.match(first.stdout.toString(), /exit requested.*\n.*2 ETH pending: unbonding ends at/);
      await rpcCall(info.rpcUrl, "evm_increaseTime", [Number(info.params.unbondingDelay) + 1]);
      await rpcCall(info.rpcUrl, "evm_mine", []);
      const second = cli("exit", "--service", "echo");
      assert.equal(second.status, 0, second.stderr.toString());
      assert.match(second.stdout.toString(), /withdrew 2 ETH/);
      const unknown = cli("exit", "--service", "nosuch");
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr.toString(), /devnet services: echo/);
    } finally {
      await devnet.stop();
    }
    assert.deepEqual(await gone(pids), [], "no process is left behind");
    assert.equal(existsSync(devnet.infoFile), false, "devnet.json is removed on stop");
    await devnet.stop(); // twice is harmless
  });

  it("`verity devnet --providers 2` runs until SIGTERM and stops everything", { timeout: 180_000 }, async () => {
    const stateDir = join(tmp, "cli");
    const cli = cliInvocation("source");
    const child = spawn(
      cli.command,
      [
        ...cli.args,
        "devnet",
        "--providers",
        "2",
        "--port",
        "0",
        "--state-dir",
        stateDir,
        "--runtime",
        "source",
        "--json",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    let pids: number[] = [];
    try {
      const file = join(stateDir, "devnet.json");
      const deadline = Date.now() + 150_000;
      while (!(existsSync(file) && stdout.trim().endsWith("}")) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 200));
      assert.ok(existsSync(file), `devnet.json written; stderr: ${stderr}`);
      const info = JSON.parse(readFileSync(file, "utf8")) as DevnetInfo;
      assert.deepEqual(JSON.parse(stdout), info, "--json prints what devnet.json holds");
      assert.equal(info.pid, child.pid);
      pids = [info.pid, info.anvilPid, ...info.providers.map((p) => p.pid)];
      await checkProviders(info);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exit, 0, stderr);
    assert.match(stderr, /devnet stopped/);
    assert.deepEqual(await gone(pids), [], "no process is left behind");
    assert.equal(existsSync(join(stateDir, "devnet.json")), false);
  });
});
