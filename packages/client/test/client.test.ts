// @verity/client against a real anvil and real provider nodes: agreement, a liar, spot checks, silent and lying
// endpoints, a tampering RPC, and the dispute it opens.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  AllProvidersFailedError,
  BundleUnavailableError,
  type CallReport,
  createVerityClient,
  DisagreementError,
  NoEligibleProvidersError,
  nativeReexecutor,
  ProofError,
  UntrustedHeaderError,
  type VerityClientOptions,
} from "@verity/client";
import { freePort, readManifest } from "@verity/devkit";
import { arbitrationAbi, encodeBundle, ProviderStatus, verityServiceAbi } from "@verity/protocol";
import { ProviderNode } from "@verity/provider";
import { loadElf, Machine } from "@verity/vm";
import { type Address, bytesToHex, encodeFunctionData, type Hex, hexToBytes, keccak256, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { DEV_KEYS, ECHO_DIR, type Network, PAID_PRICE, startNetwork } from "../../provider/test/fixture.ts";
import { flipHexDigit, startJsonRpcProxy, startSilentServer } from "./proxies.ts";

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[10]!);
const addr = (i: number): Address => privateKeyToAccount(DEV_KEYS[i]!).address;
const HONEST = [addr(1), addr(2), addr(3)];
const LIAR = addr(4);
const SILENT = addr(5);
const PROXIED = addr(6);

type Json = Record<string, unknown>;
type ProxyMode = "pass" | "bad-signature" | "replay";

describe("client on a real anvil with real providers", { timeout: 300_000 }, () => {
  let net: Network;
  const stops: Array<() => Promise<void>> = [];
  let proxyMode: ProxyMode = "pass";
  let captured: Json | undefined;
  const warnings: string[] = [];
  const honestNodes: ProviderNode[] = [];

  before(async () => {
    net = await startNetwork();
    for (const i of [1, 2, 3]) honestNodes.push((await net.startProvider(i)).node);
    await net.startProvider(4, { faulty: { kind: "wrong-output" } });
    // Provider 5 is registered at a port where a TCP server accepts and never answers.
    const silent = await net.providerConfig(5);
    const silentServer = await startSilentServer(silent.port);
    stops.push(() => silentServer.stop());
    // Provider 6 is a real node behind a proxy at its registered host that rewrites its answers.
    const proxied = await net.providerConfig(6, { disputePollMs: 0 });
    const inner = new ProviderNode({ ...proxied, port: await freePort() });
    const innerUrl = await inner.start();
    stops.push(() => inner.stop());
    const proxy = await startJsonRpcProxy(proxied.port, innerUrl, (_request, response) => {
      const result = response.result as Json | undefined;
      if (result === undefined) return response;
      if (proxyMode === "pass") {
        captured = result;
        return response;
      }
      if (proxyMode === "bad-signature") {
        return { ...response, result: { ...result, signature: flipHexDigit(result.signature as string, 10) } };
      }
      return { ...response, result: captured };
    });
    stops.push(() => proxy.stop());
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await net?.stop();
  });

  const client = (overrides: Partial<VerityClientOptions> = {}) =>
    createVerityClient({
      rpcUrl: net.anvil.rpcUrl,
      chain: foundry,
      service: net.echo,
      arbitration: net.arbitration,
      account: user,
      trust: "node",
      timeoutMs: 1500,
      warn: (m) => warnings.push(m),
      ...overrides,
    });

  test("discovery proves the provider list, hosts, stakes and methods", async () => {
    const state = await client().discover();
    assert.equal(state.providers.length, 6);
    for (const p of state.providers) {
      assert.equal(p.status, ProviderStatus.Active);
      assert.ok(p.eligible);
      assert.match(p.host, /^http:\/\/127\.0\.0\.1:\d+$/);
    }
    const onChain = await net.client.readContract({
      address: net.echo,
      abi: verityServiceAbi,
      functionName: "offchainChainId",
    });
    assert.equal(state.offchainChainId, BigInt(onChain));
    assert.ok(state.proofsChecked >= 1 + 6 * 3, `proofs checked: ${state.proofsChecked}`);
    assert.ok(
      warnings.some((w) => w.includes("local devnet")),
      "trusting the node warns loudly",
    );
  });

  test("three honest providers agree; the result is decoded and the report complete", async () => {
    const c = client({ providers: HONEST, redundancy: 3 });
    const { result, report } = await c.call({ abi: echoAbi, functionName: "echo", args: ["0xc0ffee"] });
    assert.equal(result, "0xc0ffee");
    assert.equal(report.wanted, 3);
    assert.deepEqual(new Set(report.agreed), new Set(HONEST));
    assert.equal(report.signaturesChecked, 3);
    assert.equal(report.registrationsChecked, 3);
    assert.equal(report.groups.length, 1);
    assert.equal(report.attempts.length, 3);
    for (const a of report.attempts) {
      assert.equal(a.outcome, "answered");
      assert.ok(a.latencyMs >= 0 && a.latencyMs < 1500);
    }
    // Two calls with equal arguments are distinct requests.
    const again = await c.call({ abi: echoAbi, functionName: "echo", args: ["0xc0ffee"] });
    assert.notEqual(again.report.request.requestHash, report.request.requestHash);
  });

  test("a lying provider is caught as a disagreement with both claims in the report", async () => {
    const c = client({ providers: [addr(1), addr(2), LIAR], redundancy: 3 });
    const error = await c.call({ abi: echoAbi, functionName: "echo", args: [toHex("who lies?")] }).then(
      () => assert.fail("a disagreement must not return a result"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DisagreementError, String(error));
    const { report } = error;
    assert.equal(report.groups.length, 2);
    assert.deepEqual(report.groups[1]?.providers, [LIAR]);
    assert.deepEqual(new Set(report.groups[0]?.providers), new Set([addr(1), addr(2)]));
    assert.deepEqual(report.agreed, []);
    assert.equal(report.answers.length, 3);
    disagreement = report;
  });

  test("spot-check mode asks one provider, and a second when drawn", async () => {
    const never = await client({ providers: HONEST, spotCheck: { probability: 0 } }).call({
      abi: echoAbi,
      functionName: "echo",
      args: ["0x01"],
    });
    assert.equal(never.report.attempts.length, 1);
    assert.equal(never.report.spotCheckDrawn, false);
    const always = await client({ providers: HONEST, spotCheck: { probability: 1 } }).call({
      abi: echoAbi,
      functionName: "echo",
      args: ["0x02"],
    });
    assert.equal(always.report.spotCheckDrawn, true);
    assert.deepEqual(always.report.attempts.map((a) => a.role).sort(), ["primary", "spot-check"]);
    assert.equal(always.report.agreed.length, 2);
  });

  test("a silent provider times out and the call falls back to another", async () => {
    const c = client({ providers: [SILENT, addr(1), addr(2)], redundancy: 2, timeoutMs: 800 });
    let sawFallback = false;
    for (let i = 0; i < 12 && !sawFallback; i++) {
      const { result, report } = await c.call({ abi: echoAbi, functionName: "echo", args: [toHex(`try ${i}`)] });
      assert.equal(result, toHex(`try ${i}`));
      const silent = report.attempts.find((a) => a.provider === SILENT);
      if (silent !== undefined) {
        assert.equal(silent.outcome, "timeout");
        assert.ok(silent.latencyMs >= 700, `timed out after ${silent.latencyMs} ms`);
        assert.ok(report.attempts.some((a) => a.role === "fallback" && a.outcome === "answered"));
        assert.equal(report.agreed.length, 2);
        sawFallback = true;
      }
    }
    assert.ok(sawFallback, "the silent provider was never drawn in 12 calls (p = 3^-12)");
    // With no one to fall back to, the typed error names every failure.
    const error = await client({ providers: [SILENT, addr(1)], redundancy: 2, timeoutMs: 500 })
      .call({ abi: echoAbi, functionName: "echo", args: ["0x03"] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof AllProvidersFailedError, String(error));
    assert.match(error.message, /timeout/);
  });

  test("an answer with a bad signature, or for another request, is refused", async () => {
    const c = client({ providers: [PROXIED], redundancy: 1 });
    proxyMode = "pass";
    const ok = await c.call({ abi: echoAbi, functionName: "echo", args: ["0xaa"] });
    assert.equal(ok.result, "0xaa");

    proxyMode = "bad-signature";
    const bad = await c.call({ abi: echoAbi, functionName: "echo", args: ["0xbb"] }).catch((e: unknown) => e);
    assert.ok(bad instanceof AllProvidersFailedError, String(bad));
    assert.equal(bad.report.attempts[0]?.outcome, "invalid");
    assert.match(bad.report.attempts[0]?.error ?? "", /signature/);

    proxyMode = "replay"; // a genuinely signed answer, but to the earlier request
    const replay = await c.call({ abi: echoAbi, functionName: "echo", args: ["0xaa"] }).catch((e: unknown) => e);
    assert.ok(replay instanceof AllProvidersFailedError, String(replay));
    assert.equal(replay.report.attempts[0]?.outcome, "invalid");
    assert.match(replay.report.attempts[0]?.error ?? "", /requestHash/);

    // The lying endpoint is only a fallback away from a good answer.
    const mixed = await client({ providers: [PROXIED, addr(1)], redundancy: 1 });
    for (let i = 0; i < 4; i++) {
      const { report } = await mixed.call({ abi: echoAbi, functionName: "echo", args: [toHex(i)] });
      assert.deepEqual(report.agreed, [addr(1)]);
    }
    proxyMode = "pass";
  });

  test("a tampering RPC is caught by the proofs and the call refuses", async () => {
    const pinned = (await net.client.getBlock()).hash;
    const proxy = await startJsonRpcProxy(await freePort(), net.anvil.rpcUrl);
    stops.push(() => proxy.stop());
    const c = () => client({ rpcUrl: proxy.url, trust: { blockHash: pinned }, providers: HONEST });
    const call = () => c().call({ abi: echoAbi, functionName: "echo", args: ["0x0f"] });
    const lies: Array<[string, (q: Json, r: Json) => Json, RegExp, new (...a: never[]) => Error]> = [
      [
        "a storage value",
        (q, r) => {
          if (q.method !== "eth_getProof") return r;
          const res = r.result as { storageProof: { value: string }[] };
          const first = res.storageProof[0];
          if (first !== undefined) first.value = "0x7";
          return r;
        },
        /the RPC claims 0x7 but the proof says/,
        ProofError,
      ],
      [
        "a storage proof node",
        (q, r) => {
          if (q.method !== "eth_getProof") return r;
          const res = r.result as { storageProof: { proof: string[] }[] };
          const proof = res.storageProof[0]?.proof;
          if (proof !== undefined) proof[proof.length - 1] = flipHexDigit(proof[proof.length - 1] as string, 80);
          return r;
        },
        /storage slot/,
        ProofError,
      ],
      [
        "the account proof and storage hash",
        (q, r) => {
          if (q.method !== "eth_getProof") return r;
          const res = r.result as { storageHash: string; accountProof: string[] };
          res.storageHash = flipHexDigit(res.storageHash, 5);
          return r;
        },
        /storage root/,
        ProofError,
      ],
      [
        "the header's state root",
        (q, r) => {
          if (q.method !== "eth_getBlockByHash") return r;
          const res = r.result as { stateRoot: string };
          res.stateRoot = flipHexDigit(res.stateRoot, 3);
          return r;
        },
        /hashes to/,
        UntrustedHeaderError,
      ],
    ];
    for (const [what, lie, message, type] of lies) {
      proxy.setRewrite(lie);
      const error = await call().catch((e: unknown) => e);
      assert.ok(error instanceof type, `${what}: ${String(error)}`);
      assert.match((error as Error).message, message, what);
    }
    // eth_call and eth_getStorageAt may lie all they like: the client never asks them.
    proxy.setRewrite((q, r) =>
      q.method === "eth_call" || q.method === "eth_getStorageAt" ? { ...r, result: `0x${"11".repeat(32)}` } : r,
    );
    const { result } = await call();
    assert.equal(result, "0x0f");
    assert.equal(proxy.seen.get("eth_call") ?? 0, 0);
    assert.equal(proxy.seen.get("eth_getStorageAt") ?? 0, 0);
    assert.ok((proxy.seen.get("eth_getProof") ?? 0) > 0);
  });

  test("typed errors for no eligible providers and for a wrong function", async () => {
    const none = await client({ providers: ["0x000000000000000000000000000000000000dEaD"] })
      .call({ abi: echoAbi, functionName: "echo", args: ["0x"] })
      .catch((e: unknown) => e);
    assert.ok(none instanceof NoEligibleProvidersError, String(none));
    const tooMany = await client({ providers: HONEST, redundancy: 4 })
      .call({ abi: echoAbi, functionName: "echo", args: ["0x"] })
      .catch((e: unknown) => e);
    assert.ok(tooMany instanceof NoEligibleProvidersError, String(tooMany));
    const c = client({ providers: HONEST });
    const typeChecks = async () => {
      // @ts-expect-error: not a function of the ABI
      await c.call({ abi: echoAbi, functionName: "nope", args: ["0x"] });
      // @ts-expect-error: echo takes bytes, not a number
      await c.call({ abi: echoAbi, functionName: "echo", args: [42] });
      const { result } = await c.call({ abi: echoAbi, functionName: "echo", args: ["0x00"] });
      // @ts-expect-error: the result is typed as hex bytes, not a number
      const n: number = result;
      return n;
    };
    await assert.rejects(typeChecks(), /nope|not found/i);
  });

  test("local re-execution with the proving VM confirms the providers, and a mismatch is refused", async () => {
    const manifest = readManifest(ECHO_DIR);
    const elf = new Uint8Array(readFileSync(join(ECHO_DIR, "build", "echo.elf")));
    const runVm = async ({ input }: { input: Hex }): Promise<Hex> => {
      const limits = { maxSteps: manifest.maxSteps, memLimit: manifest.memLimit, maxOutput: manifest.maxOutput };
      const machine = new Machine(loadElf(elf, { memLimit: manifest.memLimit }), {
        ...limits,
        input: hexToBytes(input),
      });
      machine.run();
      return bytesToHex(machine.resultHash());
    };
    const { result, report } = await client({ providers: HONEST, redundancy: 1, reexecute: runVm }).call({
      abi: echoAbi,
      functionName: "echo",
      args: [toHex("run it myself")],
    });
    assert.equal(result, toHex("run it myself"));
    assert.equal(report.reexecuted, report.groups[0]?.resultHash);
    const wrong = async (call: { input: Hex }) => keccak256(await runVm(call));
    const error = await client({ providers: HONEST, redundancy: 1, reexecute: wrong })
      .call({ abi: echoAbi, functionName: "echo", args: ["0x99"] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof DisagreementError, String(error));
  });

  test("built-in native re-execution confirms honest providers and catches a lie every asked provider signed", async () => {
    const { report } = await client({ providers: HONEST, redundancy: 2, reexecute: "native" }).call({
      abi: echoAbi,
      functionName: "echo",
      args: [toHex("re-executed here")],
    });
    assert.equal(report.reexecuted, report.groups[0]?.resultHash);
    const error = await client({ providers: [LIAR], redundancy: 1, reexecute: "native" })
      .call({ abi: echoAbi, functionName: "echo", args: [toHex("only the liar answers")] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof DisagreementError, String(error));
    assert.notEqual(
      (error as DisagreementError).report.reexecuted,
      (error as DisagreementError).report.groups[0]?.resultHash,
    );
  });

  test("native re-execution refuses a tampered bundle and falls back to another provider's", async () => {
    const manifest = readManifest(ECHO_DIR);
    const good = encodeBundle({
      manifest,
      elf: new Uint8Array(readFileSync(join(ECHO_DIR, "build", "echo.elf"))),
      wasm: new Uint8Array(readFileSync(join(ECHO_DIR, "build", `echo.wasm`))),
    });
    const bad = good.slice();
    bad[bad.length - 1] ^= 0xff;
    const serve = (bytes: Uint8Array) =>
      new Promise<{ url: string; close: () => void }>((resolve) => {
        const server = createServer((_req, res) => res.end(Buffer.from(bytes)));
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo;
          resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
        });
      });
    const tampered = await serve(bad);
    const honest = await serve(good);
    try {
      const input = encodeFunctionData({ abi: echoAbi, functionName: "echo", args: ["0x1234"] });
      await assert.rejects(
        nativeReexecutor()({ programHash: manifest.programHash, input, hosts: [tampered.url] }),
        (e: unknown) => e instanceof BundleUnavailableError && /bad bundle/.test(e.message),
      );
      const result = await nativeReexecutor()({
        programHash: manifest.programHash,
        input,
        hosts: [tampered.url, honest.url],
      });
      const machine = new Machine(
        loadElf(new Uint8Array(readFileSync(join(ECHO_DIR, "build", "echo.elf"))), { memLimit: manifest.memLimit }),
        {
          maxSteps: manifest.maxSteps,
          memLimit: manifest.memLimit,
          maxOutput: manifest.maxOutput,
          input: hexToBytes(input),
        },
      );
      machine.run();
      assert.equal(result, bytesToHex(machine.resultHash()));
    } finally {
      tampered.close();
      honest.close();
    }
  });

  test("a priced method is paid with cumulative vouchers on payment channels", async () => {
    const payer = privateKeyToAccount(DEV_KEYS[11]!);
    const c = client({
      service: net.paidEcho,
      account: payer,
      paymentChannels: net.paymentChannels,
      providers: HONEST,
      redundancy: 3,
    });
    assert.ok(c.channels !== undefined);
    // Without a deposit every provider refuses the voucher (InvalidVoucher, 1007).
    const unpaid = await c.call({ abi: echoAbi, functionName: "echo", args: ["0x51"] }).catch((e: unknown) => e);
    assert.ok(unpaid instanceof AllProvidersFailedError, String(unpaid));
    assert.ok(
      unpaid.report.attempts.every((a) => a.errorCode === 1007),
      JSON.stringify(unpaid.report.attempts),
    );
    for (const p of HONEST) await c.channels.deposit(p, PAID_PRICE * 10n);
    for (const payload of ["0x52", "0x53"] as const) {
      const { result, report } = await c.call({ abi: echoAbi, functionName: "echo", args: [payload] });
      assert.equal(result, payload);
      assert.equal(report.pricePerProvider, PAID_PRICE);
    }
    // Refused vouchers were taken back, so the newest voucher owes exactly two prices; the provider claims it.
    const node = honestNodes[0] as ProviderNode;
    assert.equal(await node.claimPayments(), 2n * PAID_PRICE);
    const hash = await c.channels.initiateWithdraw(HONEST[0] as Address);
    assert.match(hash, /^0x[0-9a-f]{64}$/);
  });

  let disagreement: CallReport | undefined;
  test("the disagreement opens a dispute that records the honest result", { timeout: 150_000 }, async () => {
    assert.ok(disagreement !== undefined, "the liar test ran first");
    const c = client();
    const { disputeId } = await c.openDispute(disagreement);
    assert.equal(typeof disputeId, "bigint");
    const verified: Hex = await c.waitForVerifiedResult(disagreement.request.requestHash, {
      timeoutMs: 120_000,
      pollMs: 500,
    });
    assert.equal(verified, disagreement.groups[0]?.resultHash);
    // The proved slot and the contract's getter agree (this pins VERIFIED_RESULT_SLOT to Arbitration's layout).
    const getter = await net.client.readContract({
      address: net.arbitration,
      abi: arbitrationAbi,
      functionName: "verifiedResult",
      args: [net.echo, disagreement.request.requestHash],
    });
    assert.equal(getter, verified);
    const status = await net.client.readContract({
      address: net.echo,
      abi: verityServiceAbi,
      functionName: "statusOf",
      args: [LIAR],
    });
    assert.equal(status, ProviderStatus.Slashed);
  });
});
