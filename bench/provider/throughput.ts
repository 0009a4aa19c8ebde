// Provider throughput and latency on loopback, each figure against a baseline measured in the same run:
//  1. verity_call of the echo program on a ProviderNode (anvil + contracts from the provider test fixture) vs a bare
//     fastify JSON endpoint, both driven by the same in-process load generator at a fixed concurrency with the same
//     request bodies: calls/s, p50/p99 latency, and the ratios;
//  2. latency of one call sent to 1, 3 and 5 providers in parallel (all answers awaited): ratios 3/1 and 5/1.
// Run: node --import tsx --conditions=source bench/provider/throughput.ts [--quick] [--calls N] [--concurrency C]
import type { AddressInfo } from "node:net";
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
): Promise<{ ms: number; latencies: number[] }> {
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
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  return { ms: performance.now() - t, latencies };
}

function report(label: string, r: { ms: number; latencies: number[] }): number {
  const rate = (r.latencies.length / r.ms) * 1000;
  console.log(
    `  ${label.padEnd(34)} ${f(rate, 0).padStart(7)} calls/s   p50 ${f(percentile(r.latencies, 0.5), 2).padStart(7)} ms   p99 ${f(percentile(r.latencies, 0.99), 2).padStart(7)} ms`,
  );
  return rate;
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
  const verity = report("verity_call (ProviderNode)", await drive(url, bodies.slice(warm), checkCall));
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

  console.log(`\n2. one call sent to k providers in parallel, all answers awaited (${fanoutRounds} rounds, median)`);
  const fan: Record<number, number[]> = { 1: [], 3: [], 5: [] };
  for (let round = 0; round < fanoutRounds + 3; round++) {
    for (const k of [1, 3, 5]) {
      const body = callBody(await signed(toHex(`round ${round} k ${k}`)), round);
      const t = performance.now();
      const answers = await Promise.all(urls.slice(0, k).map((u) => post(u, body)));
      const ms = performance.now() - t;
      for (const a of answers) checkCall(a);
      if (round >= 3) (fan[k] as number[]).push(ms); // the first rounds warm up every node
    }
  }
  const p50 = (k: number) => percentile(fan[k] as number[], 0.5);
  for (const k of [1, 3, 5])
    console.log(
      `  k = ${k}: p50 ${f(p50(k), 2).padStart(6)} ms   p99 ${f(percentile(fan[k] as number[], 0.99), 2).padStart(6)} ms`,
    );
  console.log(`  latency ratio 3/1: ${f(p50(3) / p50(1), 2)}   5/1: ${f(p50(5) / p50(1), 2)}`);
  await app.close();
} finally {
  await net.stop();
}
