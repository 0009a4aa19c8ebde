// The demo end to end: runs it programmatically and checks every claim of its transcript against chain state.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { arbitrationAbi, verityServiceAbi } from "@verity/protocol";
import { createPublicClient, http, keccak256, toHex } from "viem";
import { runDemo } from "../src/demo.ts";

test("the demo's transcript is true on chain", { timeout: 300_000 }, async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "verity-demo-"));
  const lines: string[] = [];
  try {
    const outcome = await runDemo({
      stateDir,
      out: (line) => lines.push(line),
      beforeStop: async ({ info, agreed, dispute }) => {
        const client = createPublicClient({ transport: http(info.rpcUrl) });
        const echo = info.services.find((s) => s.name === "echo")!.address;
        const arbitration = info.contracts.arbitration;
        // The agreeing call: the result is keccak-256 of the demo's message, from three distinct providers.
        assert.equal(agreed.result, keccak256(toHex("hello, verifiable world")));
        assert.equal(new Set(agreed.providers).size, 3);
        // The dispute: settled, the liar slashed to zero, the honest providers untouched, the honest result recorded.
        const d = await client.readContract({
          address: arbitration,
          abi: arbitrationAbi,
          functionName: "getDispute",
          args: [dispute.id],
        });
        assert.equal(d.settled, true);
        assert.equal(d.requestHash, dispute.requestHash);
        assert.equal(
          await client.readContract({
            address: echo,
            abi: verityServiceAbi,
            functionName: "statusOf",
            args: [dispute.liar],
          }),
          4,
        );
        assert.equal(
          await client.readContract({
            address: echo,
            abi: verityServiceAbi,
            functionName: "stakeOf",
            args: [dispute.liar],
          }),
          0n,
        );
        for (const p of dispute.honest) {
          assert.equal(
            await client.readContract({ address: echo, abi: verityServiceAbi, functionName: "statusOf", args: [p] }),
            1,
          );
        }
        const verified = await client.readContract({
          address: arbitration,
          abi: arbitrationAbi,
          functionName: "verifiedResult",
          args: [echo, dispute.requestHash],
        });
        assert.equal(verified, dispute.honestResult);
        // The one-step proof was at the step before the liar's corrupted state, and the rounds are the trace's.
        const proved = await client.getContractEvents({
          address: arbitration,
          abi: arbitrationAbi,
          eventName: "StepProved",
          args: { disputeId: dispute.id },
          fromBlock: 0n,
        });
        assert.ok(proved.length >= 1 && proved.every((p) => p.args.stepIndex === dispute.provedStep));
        assert.equal(dispute.rounds, d.rounds);
        // The requester was compensated and withdrew.
        const user = info.accounts.user.address;
        assert.equal(
          await client.readContract({
            address: arbitration,
            abi: arbitrationAbi,
            functionName: "balanceOf",
            args: [user],
          }),
          0n,
        );
        const withdrawn = await client.getContractEvents({
          address: arbitration,
          abi: arbitrationAbi,
          eventName: "Withdrawn",
          fromBlock: 0n,
        });
        assert.ok(withdrawn.some((w) => w.args.account === user && (w.args.amount ?? 0n) > 0n));
      },
    });
    assert.deepEqual(outcome.failures, [], lines.join("\n"));
    assert.equal(outcome.ok, true);
    assert.ok(lines.some((l) => l.includes("Every step did what it says.")));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
