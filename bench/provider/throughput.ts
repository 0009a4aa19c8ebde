// Provider throughput and latency on loopback, each figure against a baseline measured in the same run:
//  1. verity_call of the echo program on a ProviderNode (anvil + contracts from the provider test fixture) vs a bare
//     fastify JSON endpoint, both driven by the same in-process load generator at a fixed concurrency with the same
//     request bodies: calls/s, p50/p99 latency, CPU per call (all threads of this process), and the ratios;
//  2. latency of one call sent to 1, 3 and 5 providers in parallel (all answers awaited), one call at a time:
//     a. providers as separate processes, started by `startDevnet` of @verity/cli (the `verity devnet` code path),
//        as in a real deployment; b. the five in-process nodes of part 1 (one event loop), for comparison.
//     p50/p99 and the ratios 3/1 and 5/1.
// Run: node --import tsx --conditions=source bench/provider/throughput.ts [--quick] [--calls N] [--concurrency C]
//      [--profile FILE] [--skip-devnet]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDevnet } from "@verity/cli";
import { signOffchainCall, verifyResponse } from "@verity/protocol";
import type { CallAnswer } from "@verity/provider";
import Fastify from "fastify";
import { encodeFunctionData, type Hex, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS, startNetwork } from "../../packages/provider/test/fixture.ts";
import { f, flag, int, numberArg, percentile, postJson } from "../lib.ts";

const quick = flag("quick");
const calls = numberArg("calls", quick ? 300 : 2000);
const concurrency = numberArg("concurrency", 16);
const fanoutRounds = quick ? 15 : 60;
// Linux's USER_HZ (the unit of /proc/<pid>/stat times) is 100 on every mainstream architecture.
const CLOCK_TICKS = 100;
// --profile FILE: a CPU profile (.cpuprofile, this process's main thread) of the timed verity_call phase only.
const profileFile = process.argv.includes("--profile")
  ? process.argv[process.argv.indexOf("--profile") + 1]
  : undefined;

async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return session;
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  console.log(`  CPU profile of the verity_call phase written to ${file}`);
}

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[9] as Hex);

/** A JSON-RPC answer as both endpoints send it. */
type RpcBody = { result?: unknown; error?: { code: number; message: string } };

/** The load generator failed to get a well-formed answer: the figures would be meaningless. */
class LoadError extends Error {
  override name = "LoadError";
}

/** POSTs a JSON-RPC body and returns the parsed answer. */
async function post(url: string, body: string): Promise<RpcBody> {
  return (await postJson(url, body)) as RpcBody;
}

/** Sends `bodies` to `url` from `concurrency` clients in one process; returns wall time and per-call latencies. */
async function drive(
  url: string,
  bodies: readonly string[],
  check: (answer: RpcBody) => void,
): Promise<{ ms: number; latencies: number[]; cpuUs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as string;
      const t = performance.now();
      const answer = await post(url, body);
      latencies.push(performance.now() - t);
      check(answer);
    }
  };
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - t, latencies, cpuUs: used.user + used.system };
}

function report(label: string, r: { ms: number; latencies: number[]; cpuUs: number }): number {
  const rate = (r.latencies.length / r.ms) * 1000;
  console.log(
    `  ${label.padEnd(34)} ${f(rate, 0).padStart(7)} calls/s   p50 ${f(percentile(r.latencies, 0.5), 2).padStart(7)} ms   p99 ${f(percentile(r.latencies, 0.99), 2).padStart(7)} ms   CPU ${f(r.cpuUs / r.latencies.length, 0).padStart(5)} µs/call (${f(r.cpuUs / 1000 / r.ms, 2)} cores)`,
  );
  return rate;
}

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat (Linux). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th of those.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** One call sent to the first k of `urls` at once, for k = 1, 3, 5 in turn, `rounds` times: latencies per k. */
async function fanOut(
  urls: readonly string[],
  signBody: (round: number, k: number) => Promise<string>,
  check: (answer: RpcBody) => void,
  pids?: readonly number[],
): Promise<void> {
  const fan: Record<number, number[]> = { 1: [], 3: [], 5: [] };
  let cpuBefore: number[] | undefined;
  let idlePerMs = 0;
  if (pids !== undefined) {
    // What the providers burn while idle (chain polling, timers), to take it out of the per-call figure.
    const idle = pids.map(processCpuMs);
    const idleMs = 3000;
    await new Promise((r) => setTimeout(r, idleMs));
    idlePerMs = pids.reduce((sum, pid, i) => sum + processCpuMs(pid) - (idle[i] as number), 0) / idleMs;
  }
  let started = 0;
  for (let round = 0; round < fanoutRounds + 3; round++) {
    if (round === 3) {
      cpuBefore = pids?.map(processCpuMs);
      started = performance.now();
    }
    for (const k of [1, 3, 5]) {
      const body = await signBody(round, k);
      const t = performance.now();
      const answers = await Promise.all(urls.slice(0, k).map((u) => post(u, body)));
      const ms = performance.now() - t;
      for (const a of answers) check(a);
      if (round >= 3) (fan[k] as number[]).push(ms); // the first rounds warm up every node
    }
  }
  if (pids !== undefined && cpuBefore !== undefined) {
    // Every round sends 1 + 3 + 5 calls over the providers: provider i serves the rounds' k > i calls.
    const served = pids.map((_, i) => [1, 3, 5].filter((k) => k > i).length * fanoutRounds);
    const elapsed = performance.now() - started;
    const cpuMs = pids.reduce((sum, pid, i) => sum + processCpuMs(pid) - (cpuBefore[i] as number), 0);
    const calls = served.reduce((a, b) => a + b, 0);
    console.log(
      `    provider processes: ${f((cpuMs / calls) * 1000, 0)} µs of CPU per call served, ${f(((cpuMs - idlePerMs * elapsed) / calls) * 1000, 0)} µs without their idle load (${f(idlePerMs * 1000, 0)} µs/ms for all ${pids.length} together: chain polling, timers)`,
    );
  }
  const p50 = (k: number) => percentile(fan[k] as number[], 0.5);
  const p99 = (k: number) => percentile(fan[k] as number[], 0.99);
  for (const k of [1, 3, 5])
    console.log(
      `    k = ${k}: p50 ${f(p50(k), 2).padStart(6)} ms   p99 ${f(p99(k), 2).padStart(6)} ms   p50 ratio to k = 1: ${f(p50(k) / p50(1), 2)}   p99 ratio: ${f(p99(k) / p99(1), 2)}`,
    );
  console.log(`    latency ratio (p50) 3/1: ${f(p50(3) / p50(1), 2)}   5/1: ${f(p50(5) / p50(1), 2)}`);
}

const net = await startNetwork();
try {
  const providers = [];
  for (let k = 1; k <= 5; k++) providers.push(await net.startProvider(k));
  const urls = providers.map((p) => p.url);
  const info = (await post(urls[0] as string, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "verity_info" })))
    .result as { services: { offchainChainId: string }[] };
  const offchainChainId = BigInt((info.services[0] as { offchainChainId: string }).offchainChainId);

  let nonce = 1;
  const signed = async (payload: Hex) =>
    signOffchainCall({
      account: user,
      service: net.echo,
      offchainChainId,
      data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payload] }),
      nonce: nonce++,
    });
  const callBody = (tx: Hex, id: number) =>
    JSON.stringify({ jsonrpc: "2.0", id, method: "verity_call", params: [{ tx }] });
  const checkCall = (answer: RpcBody) => {
    if (answer.error !== undefined) throw new LoadError(`verity_call failed: ${answer.error.message}`);
    if ((answer.result as CallAnswer).status !== 1) throw new LoadError("verity_call: program did not exit with 0");
  };

  // Bodies are signed before any timing: the load generator measures the servers, not client-side signing.
  const warm = 100;
  const bodies: string[] = [];
  const payload = toHex(new Uint8Array(64).fill(0xab));
  const signStart = performance.now();
  for (let i = 0; i < warm + calls; i++) bodies.push(callBody(await signed(payload), i));
  const signMs = (performance.now() - signStart) / (warm + calls);

  const app = Fastify({ logger: false });
  app.post("/", async (req) => {
    const body = req.body as { id: number; params: unknown };
    return { jsonrpc: "2.0", id: body.id, result: { params: body.params } };
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const bareUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
  const checkBare = (answer: RpcBody) => {
    if (answer.result === undefined) throw new LoadError("bare endpoint: no result");
  };

  console.log(
    `\n1. ${int(calls)} calls (after ${warm} warm-up calls each), concurrency ${concurrency}, echo of 64 bytes, one provider (workers: 1)`,
  );
  await drive(bareUrl, bodies.slice(0, warm), checkBare);
  const bare = report("bare fastify JSON endpoint", await drive(bareUrl, bodies.slice(warm), checkBare));
  const url = urls[0] as string;
  await drive(url, bodies.slice(0, warm), checkCall);
  const profile = profileFile === undefined ? undefined : await startProfile();
  const verity = report("verity_call (ProviderNode)", await drive(url, bodies.slice(warm), checkCall));
  if (profile !== undefined && profileFile !== undefined) await stopProfile(profile, profileFile);
  console.log(`  throughput ratio verity_call / bare fastify: ${f(verity / bare, 3)}`);

  // Context for the figures above: the two secp256k1 operations every verity_call needs (in this process's JS).
  const sample = (await Promise.all(bodies.slice(0, 50).map((b) => post(url, b)))).map((a) => a.result as CallAnswer);
  const domain = { chainId: net.chainId, arbitration: net.arbitration };
  const verifyStart = performance.now();
  for (const a of sample)
    if (!(await verifyResponse(domain, a.response, a.signature, a.provider)))
      throw new LoadError("a response signature does not verify");
  const verifyMs = (performance.now() - verifyStart) / sample.length;
  console.log(
    `  client-side cost per call in this process: signOffchainCall ${f(signMs, 2)} ms, verifyResponse ${f(verifyMs, 2)} ms`,
  );

  console.log(
    `\n2. one call sent to k providers in parallel, all answers awaited, one call at a time (${fanoutRounds} rounds)`,
  );
  if (!flag("skip-devnet")) {
    // Separate processes: `verity provider start` children of startDevnet, each with its own event loop and store.
    const stateDir = mkdtempSync(join(tmpdir(), "verity-bench-devnet-"));
    const devnet = await startDevnet({ providers: 5, stateDir, providerLogLevel: "warn", providerWorkers: 1 });
    try {
      const d = devnet.info;
      const echoService = d.services.find((s) => s.name === "echo");
      if (echoService === undefined) throw new LoadError("the devnet has no echo service");
      const devUser = privateKeyToAccount(d.accounts.user.privateKey);
      const devInfo = (
        await post(d.providers[0]!.url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "verity_info" }))
      ).result as { services: { address: string; offchainChainId: string }[] };
      const devChainId = BigInt(
        devInfo.services.find((s) => s.address.toLowerCase() === echoService.address.toLowerCase())!.offchainChainId,
      );
      let devNonce = 1;
      const devBody = async (payload: Hex, id: number) =>
        callBody(
          await signOffchainCall({
            account: devUser,
            service: echoService.address,
            offchainChainId: devChainId,
            data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payload] }),
            nonce: devNonce++,
          }),
          id,
        );
      const devUrls = d.providers.map((p) => `${p.url}/`);
      // Fresh processes: let the JIT settle, as in a provider that has been serving for a while.
      const warmCalls = quick ? 50 : 200;
      for (const u of devUrls) {
        const warmBodies: string[] = [];
        for (let i = 0; i < warmCalls; i++) warmBodies.push(await devBody(toHex(`warm ${u} ${i}`), i));
        await drive(u, warmBodies, checkCall);
      }
      console.log(
        `  a. ${d.providers.length} provider processes (devnet, workers: 1 each), separate event loops, after ${warmCalls} warm-up calls each`,
      );
      await fanOut(
        devUrls,
        (round, k) => devBody(toHex(`round ${round} k ${k}`), round),
        checkCall,
        d.providers.map((p) => p.pid),
      );
    } finally {
      await devnet.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  console.log("  b. the 5 in-process nodes of part 1 (one event loop for all of them and the client)");
  await fanOut(urls, async (round, k) => callBody(await signed(toHex(`round ${round} k ${k}`)), round), checkCall);
  await app.close();
} finally {
  await net.stop();
}
