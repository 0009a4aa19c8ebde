// Bounded load test of one provider node on a real anvil: 20 concurrent clients send 400 distinct verity_call
// requests. Every answer must be correct and carry a valid signature, replays must return the stored answers
// unchanged, and the heap must not keep growing between the two halves of the run. No timing assertions.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { signOffchainCall, verifyResponse } from "@verity/protocol";
import type { CallAnswer } from "@verity/provider";
import { decodeFunctionResult, encodeFunctionData, type Hex, keccak256, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS, type Network, rpc, startNetwork } from "./fixture.ts";

const CLIENTS = 20;
const CALLS = 400;
/** Generous bound on heap growth from the end of the first half to the end of the second (a leak of ~1 KiB per call
 * would be ~0.2 MiB; real leaks of request state or worker buffers are far larger). */
const HEAP_GROWTH_BOUND = 48 * 2 ** 20;

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[7] as Hex);

/** A full GC if one can be had: `global.gc` under --expose-gc, else enabled through the v8 flag at run time. */
function gcFunction(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

/** Payload of call `i`: distinct per call and of varying length (1..200 bytes), so answers cannot be mixed up. */
function payloadOf(i: number): Hex {
  return toHex(Uint8Array.from({ length: 1 + ((i * 37) % 200) }, (_, j) => (i * 131 + j * 7) & 0xff));
}

describe("provider node under bounded concurrent load", { timeout: 120_000 }, () => {
  let net: Network;
  let url: string;
  let offchainChainId: bigint;
  const txs: Hex[] = [];
  const answers: CallAnswer[] = [];

  before(async () => {
    net = await startNetwork();
    ({ url } = await net.startProvider(1));
    const info = (await rpc(url, "verity_info", [])).result as { services: { offchainChainId: string }[] };
    offchainChainId = BigInt((info.services[0] as { offchainChainId: string }).offchainChainId);
    for (let i = 0; i < CALLS; i++)
      txs.push(
        await signOffchainCall({
          account: user,
          service: net.echo,
          offchainChainId,
          data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payloadOf(i)] }),
          nonce: 1000 + i,
        }),
      );
  });
  after(() => net?.stop());

  /** Sends calls [from, to) from CLIENTS concurrent clients; stores each answer at its index. */
  async function drive(from: number, to: number): Promise<void> {
    let next = from;
    const client = async () => {
      while (next < to) {
        const i = next++;
        const { result, error } = await rpc(url, "verity_call", [{ tx: txs[i] }], i);
        assert.equal(error, undefined, `call ${i}: ${error?.message}`);
        answers[i] = result as CallAnswer;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
  }

  test(`${CALLS} calls from ${CLIENTS} clients: all answered, correct and validly signed; heap stays bounded`, async (t) => {
    const gc = gcFunction();
    const heap = () => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const h0 = heap();
    await drive(0, CALLS / 2);
    const h1 = heap();
    await drive(CALLS / 2, CALLS);
    const h2 = heap();
    const growth = h2 - h1;
    t.diagnostic(
      `heap used: start ${(h0 / 2 ** 20).toFixed(1)} MiB, after half ${(h1 / 2 ** 20).toFixed(1)} MiB, after all ${(h2 / 2 ** 20).toFixed(1)} MiB (gc ${gc === undefined ? "not available: not asserted" : "forced"})`,
    );

    const domain = { chainId: net.chainId, arbitration: net.arbitration };
    const info = (await rpc(url, "verity_info", [])).result as { address: string };
    assert.equal(answers.filter((a) => a !== undefined).length, CALLS);
    const seen = new Set<string>();
    for (let i = 0; i < CALLS; i++) {
      const a = answers[i] as CallAnswer;
      assert.equal(a.status, 1, `call ${i} status`);
      assert.equal(
        decodeFunctionResult({ abi: echoAbi, functionName: "echo", data: a.output }),
        payloadOf(i),
        `call ${i} output`,
      );
      assert.equal(a.response.requestHash, keccak256(txs[i] as Hex), `call ${i} request hash`);
      assert.equal(a.response.requester, user.address);
      assert.equal(a.provider, info.address);
      assert.ok(await verifyResponse(domain, a.response, a.signature, a.provider), `call ${i} signature`);
      seen.add(a.response.requestHash);
    }
    assert.equal(seen.size, CALLS, "every call has its own request hash");
    if (gc !== undefined)
      assert.ok(
        growth < HEAP_GROWTH_BOUND,
        `heap grew by ${(growth / 2 ** 20).toFixed(1)} MiB over the second half, expected < ${HEAP_GROWTH_BOUND / 2 ** 20} MiB`,
      );
  });

  test("replays under concurrency return the stored answers unchanged", async () => {
    assert.equal(answers.length, CALLS, "the load test ran first");
    const sample = Array.from({ length: 40 }, (_, k) => k * 10 + (k % 10));
    let next = 0;
    const client = async () => {
      while (next < sample.length) {
        const i = sample[next++] as number;
        const [again, stored] = await Promise.all([
          rpc(url, "verity_call", [{ tx: txs[i] }], i),
          rpc(url, "verity_getResponse", [(answers[i] as CallAnswer).response.requestHash], i),
        ]);
        assert.deepEqual(again.result, answers[i], `replay of call ${i}`);
        assert.deepEqual(stored.result, answers[i], `stored answer of call ${i}`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
  });
});
