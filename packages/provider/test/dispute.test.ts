// Whole disputes on a real anvil: providers answer a call, one (or more) lies, the requester opens a dispute, and the
// providers' dispute bots play it to the end with the real proving VM and the on-chain one-step verifier.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { arbitrationAbi, disputeRequestOf, signOffchainCall, verityServiceAbi } from "@verity/protocol";
import {
  type CallAnswer,
  effectiveCorruption,
  executeCorrupted,
  type FaultyMode,
  type ProviderNode,
} from "@verity/provider";
import {
  type Address,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  http,
  parseAbi,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { DEV_KEYS, type Network, rpc, startNetwork } from "./fixture.ts";

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[19]!);
const ProviderStatus = { Active: 1, Slashed: 4 } as const;
const limitsOf = (b: { manifest: { maxSteps: bigint; memLimit: number; maxOutput: number } }) => ({
  maxSteps: b.manifest.maxSteps,
  memLimit: b.manifest.memLimit,
  maxOutput: b.manifest.maxOutput,
});

describe("disputes played to the end by provider bots", () => {
  let net: Network;
  let nonce = 1;

  before(async () => {
    net = await startNetwork();
  });
  after(() => net.stop());

  /** Starts providers (key index, faulty mode) and sends one echo call to all of them. */
  async function callAll(providers: [number, FaultyMode | undefined][], payload: Hex) {
    const nodes: ProviderNode[] = [];
    const urls: string[] = [];
    for (const [key, faulty] of providers) {
      const { node, url } = await net.startProvider(key, faulty === undefined ? {} : { faulty });
      nodes.push(node);
      urls.push(url);
    }
    const info = (await rpc(urls[0]!, "verity_info", [])).result as {
      services: { address: string; offchainChainId: string }[];
    };
    const offchainChainId = BigInt(
      info.services.find((s) => s.address.toLowerCase() === net.echo.toLowerCase())!.offchainChainId,
    );
    const data = encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payload] });
    const tx = await signOffchainCall({ account: user, service: net.echo, offchainChainId, data, nonce: nonce++ });
    const answers = await Promise.all(
      urls.map(async (url) => (await rpc(url, "verity_call", [{ tx }])).result as CallAnswer),
    );
    return { nodes, answers, input: data };
  }

  async function openDispute(answers: CallAnswer[], input: Hex): Promise<bigint> {
    const wallet = createWalletClient({ chain: foundry, transport: http(net.anvil.rpcUrl), account: user });
    const req = disputeRequestOf(answers[0]!.response);
    const responses = answers.map((a) => ({ resultHash: a.response.resultHash, signature: a.signature }));
    const { result: id, request } = await net.client.simulateContract({
      address: net.arbitration,
      abi: arbitrationAbi,
      functionName: "open",
      args: [net.echo, req, input, responses],
      account: user,
    });
    const hash = await wallet.writeContract(request);
    assert.equal((await net.client.waitForTransactionReceipt({ hash })).status, "success");
    return id;
  }

  async function waitSettled(id: bigint, budgetMs = 90_000): Promise<void> {
    const deadline = Date.now() + budgetMs;
    while (Date.now() < deadline) {
      const d = await net.client.readContract({
        address: net.arbitration,
        abi: arbitrationAbi,
        functionName: "getDispute",
        args: [id],
      });
      if (d.settled) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`dispute ${id} not settled within ${budgetMs} ms`);
  }

  const statusOf = (provider: Address) =>
    net.client.readContract({ address: net.echo, abi: verityServiceAbi, functionName: "statusOf", args: [provider] });

  test("a provider lying about the output is slashed; the honest one wins and the result is recorded", {
    timeout: 120_000,
  }, async () => {
    const { nodes, answers, input } = await callAll(
      [
        [1, undefined],
        [2, { kind: "wrong-output" }],
      ],
      toHex("verity"),
    );
    assert.notEqual(answers[0]!.response.resultHash, answers[1]!.response.resultHash);
    const id = await openDispute(answers, input);
    await waitSettled(id);
    assert.equal(await statusOf(nodes[1]!.account.address), ProviderStatus.Slashed);
    assert.equal(await statusOf(nodes[0]!.account.address), ProviderStatus.Active);
    const verified = await net.client.readContract({
      address: net.arbitration,
      abi: arbitrationAbi,
      functionName: "verifiedResult",
      args: [net.echo, answers[0]!.response.requestHash],
    });
    assert.equal(verified, answers[0]!.response.resultHash);
    assert.ok(
      (await net.client.readContract({
        address: net.arbitration,
        abi: arbitrationAbi,
        functionName: "balanceOf",
        args: [user.address],
      })) > 0n,
      "the requester is compensated",
    );
    for (const node of nodes) await node.stop();
  });

  test("a provider whose trace departs at one step is found at that step and slashed, in parallel matches", {
    timeout: 120_000,
  }, async () => {
    const step = 100 + Math.floor(Math.random() * 800);
    const { nodes, answers, input } = await callAll(
      [
        [3, undefined],
        [4, { kind: "corrupt-step", step, register: 10 }],
        [5, undefined],
      ],
      toHex("a longer payload so the echo program runs a few thousand steps".repeat(4)),
    );
    const id = await openDispute(answers, input);
    await waitSettled(id);
    const proved = await net.client.getContractEvents({
      address: net.arbitration,
      abi: arbitrationAbi,
      eventName: "StepProved",
      args: { disputeId: id },
      fromBlock: 0n,
    });
    assert.equal(proved.length, 2, "two matches: each honest provider against the liar");
    const bundle = await nodes[1]!.programs.get(answers[0]!.response.programHash);
    const corruptedAt = effectiveCorruption(bundle.elf, hexToBytes(input), limitsOf(bundle), step, 10);
    for (const p of proved)
      assert.equal(
        p.args.stepIndex,
        BigInt(corruptedAt.step - 1),
        "the game ends on the instruction before the corrupted state",
      );
    assert.equal(await statusOf(nodes[1]!.account.address), ProviderStatus.Slashed);
    assert.equal(await statusOf(nodes[0]!.account.address), ProviderStatus.Active);
    assert.equal(await statusOf(nodes[2]!.account.address), ProviderStatus.Active);
    for (const node of nodes) await node.stop();
  });

  test("when both sides are wrong at the same step, both are slashed and no result is recorded", {
    timeout: 120_000,
  }, async () => {
    // Two liars depart from the truth at the same instruction in different ways: the one-step proof refutes both.
    // (Liars departing at different steps are not both caught by their match: the earlier departure loses, and the
    // survivor's lie stands until an honest party challenges it — the protocol's guarantee needs one honest signer.)
    const payload = toHex("both lie");
    const data = encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payload] });
    const { node: probe } = await net.startProvider(11);
    const bundle = await probe.programs.get((await probe.programs.hashes())[0]!);
    const first = effectiveCorruption(bundle.elf, hexToBytes(data), limitsOf(bundle), 50, 10, 1);
    const run = (mask: number) =>
      executeCorrupted(bundle.elf, hexToBytes(data), limitsOf(bundle), first.step, first.register, mask);
    const firstResult = toHex(run(1).resultHash);
    // Another mask at the same step and register whose lie differs from the first one's (error halts all look alike).
    const mask = Array.from({ length: 30 }, (_, i) => 2 << i).find((m) => {
      const at = effectiveCorruption(bundle.elf, hexToBytes(data), limitsOf(bundle), first.step, first.register, m);
      return at.step === first.step && at.register === first.register && toHex(run(m).resultHash) !== firstResult;
    });
    assert.ok(mask !== undefined, "a second, different lie at the same step exists");
    await probe.stop();
    const { nodes, answers, input } = await callAll(
      [
        [6, { kind: "corrupt-step", step: first.step, register: first.register, mask: 1 }],
        [7, { kind: "corrupt-step", step: first.step, register: first.register, mask }],
      ],
      payload,
    );
    const id = await openDispute(answers, input);
    await waitSettled(id);
    assert.equal(await statusOf(nodes[0]!.account.address), ProviderStatus.Slashed);
    assert.equal(await statusOf(nodes[1]!.account.address), ProviderStatus.Slashed);
    const verified = await net.client.readContract({
      address: net.arbitration,
      abi: arbitrationAbi,
      functionName: "verifiedResult",
      args: [net.echo, answers[0]!.response.requestHash],
    });
    assert.equal(verified, `0x${"0".repeat(64)}`);
    for (const node of nodes) await node.stop();
  });

  test("a liar that never moves loses on time", { timeout: 120_000 }, async () => {
    const { nodes, answers, input } = await callAll([[8, undefined]], toHex("silence"));
    const { node: silent } = await net.startProvider(10, { faulty: { kind: "wrong-output" }, disputePollMs: 0 });
    const tx = (await nodes[0]!.store.request(answers[0]!.response.requestHash))!.rawTx;
    const lie = (await rpc(`http://127.0.0.1:${silent.config.port}`, "verity_call", [{ tx }])).result as CallAnswer;
    const id = await openDispute([answers[0]!, lie], input);
    // The honest side commits its final state; the liar's clock runs out once the chain's time passes the budget.
    const deadline = Date.now() + 30_000;
    while (nodes[0]!.bot!.moves === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const budget = await net.client.readContract({
      address: net.arbitration,
      abi: arbitrationAbi,
      functionName: "clockBudget",
    });
    await net.client.request({
      method: "evm_increaseTime" as "eth_chainId",
      params: [Number(budget) + 1] as unknown as undefined,
    });
    await net.client.request({ method: "evm_mine" as "eth_chainId" });
    await waitSettled(id);
    const decided = await net.client.getContractEvents({
      address: net.arbitration,
      abi: arbitrationAbi,
      eventName: "MatchDecided",
      args: { disputeId: id },
      fromBlock: 0n,
    });
    assert.equal(decided[0]?.args.byTimeout, true);
    assert.equal(await statusOf(silent.account.address), ProviderStatus.Slashed);
    assert.equal(await statusOf(nodes[0]!.account.address), ProviderStatus.Active);
    for (const node of [...nodes, silent]) await node.stop();
  });
});
