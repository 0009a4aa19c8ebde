import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startAnvil } from "@verity/devkit";
import {
  arbitrationAbi,
  arbitrationBytecode,
  assertCanonicalSignature,
  DISSECTION_ARITY,
  disputeRequestOf,
  dissectionPoints,
  hashResponse,
  type Interval,
  MatchPhase,
  type MatchView,
  matchesOf,
  matchPairs,
  maxDisputeDuration,
  narrow,
  nextMove,
  type ProviderResponse,
  ResponseError,
  recoverResponseSigner,
  responseTypedData,
  signResponse,
  traceLength,
  traceRounds,
  verifyResponse,
} from "@verity/protocol";
import {
  bytesToHex,
  concatHex,
  createTestClient,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBigInt,
  http,
  keccak256,
  numberToHex,
  publicActions,
  slice,
  stringToHex,
  walletActions,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const provider = privateKeyToAccount(keccak256(stringToHex("provider key")));
const other = privateKeyToAccount(keccak256(stringToHex("other key")));
const domain = { chainId: 31337, arbitration: "0x00000000000000000000000000000000000a4b17" } as const;
const response: ProviderResponse = {
  service: "0x0000000000000000000000000000000000005e4f",
  requestHash: keccak256(stringToHex("signed off-chain tx")),
  requester: "0x000000000000000000000000000000000000BEEF",
  selector: "0x12345678",
  programHash: keccak256(stringToHex("program")),
  inputHash: keccak256(stringToHex("input")),
  resultHash: keccak256(stringToHex("result")),
};

describe("signed responses", () => {
  it("signs, recovers and verifies", async () => {
    const signed = await signResponse(provider, domain, response);
    assert.equal(signed.resultHash, response.resultHash);
    assert.equal(await recoverResponseSigner(domain, response, signed.signature), provider.address);
    assert.equal(await verifyResponse(domain, response, signed.signature, provider.address), true);
    assert.equal(await verifyResponse(domain, response, signed.signature, other.address), false);
  });

  it("binds every field and the domain", async () => {
    const { signature } = await signResponse(provider, domain, response);
    const changed: ProviderResponse[] = [
      { ...response, resultHash: keccak256(stringToHex("another result")) },
      { ...response, requestHash: keccak256(stringToHex("another tx")) },
      { ...response, selector: "0x87654321" },
      { ...response, requester: "0x000000000000000000000000000000000000dEaD" },
    ];
    for (const r of changed) assert.equal(await verifyResponse(domain, r, signature, provider.address), false);
    assert.equal(await verifyResponse({ ...domain, chainId: 1 }, response, signature, provider.address), false);
    const otherArb = { ...domain, arbitration: "0x00000000000000000000000000000000000a4b18" } as const;
    assert.equal(await verifyResponse(otherArb, response, signature, provider.address), false);
  });

  it("refuses malleable and malformed signatures as the contract does", async () => {
    const { signature } = await signResponse(provider, domain, response);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = hexToBigInt(slice(signature, 32, 64));
    const v = Number(hexToBigInt(slice(signature, 64, 65)));
    const twin = concatHex([
      slice(signature, 0, 32),
      numberToHex(n - s, { size: 32 }),
      numberToHex(v === 27 ? 28 : 27),
    ]);
    assert.throws(() => assertCanonicalSignature(twin), ResponseError);
    assert.equal(await verifyResponse(domain, response, twin, provider.address), false);
    assert.throws(() => assertCanonicalSignature(slice(signature, 0, 64)), /65 bytes/);
    assert.throws(() => hashResponse(domain, { ...response, selector: "0x1234" }), /selector must be 4 bytes/);
  });

  it("hashResponse equals viem's generic EIP-712 hash on random domains and responses", () => {
    const rand = (n: number): Hex => bytesToHex(crypto.getRandomValues(new Uint8Array(n)));
    const chainIds = [1, 31337, 2 ** 53 - 1, BigInt(`0x${"ff".repeat(32)}`), 0, 11155111];
    for (let i = 0; i < 120; i++) {
      const at = { chainId: chainIds[i % chainIds.length]!, arbitration: rand(20) };
      const service = rand(20);
      const random: ProviderResponse = {
        // Addresses in every case a caller may pass: lower, checksummed, upper hex digits.
        service:
          i % 3 === 0 ? service : i % 3 === 1 ? getAddress(service) : (`0x${service.slice(2).toUpperCase()}` as Hex),
        requestHash: rand(32),
        requester: rand(20),
        selector: i === 0 ? "0x00000000" : rand(4),
        programHash: rand(32),
        inputHash: i === 1 ? `0x${"ff".repeat(32)}` : rand(32),
        resultHash: rand(32),
      };
      assert.equal(hashResponse(at, random), hashTypedData(responseTypedData(at, random)));
    }
    assert.throws(() => hashResponse({ chainId: -1, arbitration: rand(20) }, response), /chainId must be a uint256/);
  });

  it("computes the digest the Arbitration contract computes (anvil)", async (t) => {
    const anvil = await startAnvil();
    t.after(() => anvil.stop());
    const client = createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) })
      .extend(publicActions)
      .extend(walletActions);
    const deployer = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    const hash = await client.deployContract({
      abi: arbitrationAbi,
      bytecode: arbitrationBytecode,
      account: deployer,
      // The constructor only stores these; responseDigest needs none of them to be real contracts.
      args: [
        "0x0000000000000000000000000000000000000001",
        "0x0000000000000000000000000000000000000002",
        3600,
        0n,
        5000,
        3000,
        deployer.address,
      ],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const arbitration = receipt.contractAddress;
    assert.ok(arbitration);
    const onChain = await client.readContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName: "responseDigest",
      args: [getAddress(response.service), disputeRequestOf(response), response.resultHash],
    });
    assert.equal(onChain, hashResponse({ chainId: foundry.id, arbitration }, response));
  });
});

// A toy pair of traces: equal hashes up to `diverge`, then each side's own.
function traceHash(side: string, i: bigint, diverge: bigint): Hex {
  return keccak256(stringToHex(i <= diverge ? `agreed ${i}` : `${side} ${i}`));
}

describe("dissection", () => {
  it("counts rounds and trace length", () => {
    assert.equal(traceRounds(1n), 1);
    assert.equal(traceRounds(15n), 1);
    assert.equal(traceRounds(16n), 2);
    assert.equal(traceRounds((1n << 40n) - 1n), 10);
    assert.equal(traceLength((1n << 40n) - 1n), 1n << 40n);
    assert.equal(traceRounds((1n << 64n) - 1n), 16);
    assert.throws(() => traceRounds(1n << 64n), /u64/);
  });

  it("posts the 15 inner points of the interval", () => {
    const pts = dissectionPoints(4096n, 256n);
    assert.equal(pts.length, 15);
    assert.equal(pts[0], 4096n + 16n);
    assert.equal(pts[14], 4096n + 15n * 16n);
    assert.throws(() => dissectionPoints(0n, 1n), /width 1/);
  });

  it("narrows to the first divergence for every divergence point", () => {
    const T = traceLength(4095n);
    for (const diverge of [0n, 1n, 15n, 16n, 17n, 255n, 256n, 1234n, 4094n, 4095n]) {
      let iv: Interval = {
        lo: 0n,
        width: T,
        start: traceHash("a", 0n, diverge),
        endA: traceHash("a", T, diverge),
        endB: traceHash("b", T, diverge),
      };
      let rounds = 0;
      while (iv.width > 1n) {
        const pts = dissectionPoints(iv.lo, iv.width);
        iv = narrow(
          iv,
          pts.map((i) => traceHash("a", i, diverge)),
          pts.map((i) => traceHash("b", i, diverge)),
        );
        rounds++;
      }
      assert.equal(rounds, 3);
      assert.equal(iv.lo, diverge, `divergence ${diverge}`);
      assert.equal(iv.start, traceHash("a", diverge, diverge));
      assert.equal(iv.endA, traceHash("a", diverge + 1n, diverge));
      assert.notEqual(iv.endA, iv.endB);
    }
    assert.equal(DISSECTION_ARITY, 16);
  });

  it("lists matches and sides", () => {
    const r0 = keccak256(stringToHex("r0"));
    const r1 = keccak256(stringToHex("r1"));
    const ps = [
      { account: provider.address, resultHash: r0, equivocator: false },
      { account: other.address, resultHash: r1, equivocator: false },
      { account: "0x000000000000000000000000000000000000beef" as Hex, resultHash: r0, equivocator: false },
      { account: "0x000000000000000000000000000000000000dead" as Hex, resultHash: r1, equivocator: true },
    ];
    assert.deepEqual(matchPairs(ps), [
      [0, 1],
      [1, 2],
    ]);
    assert.deepEqual(matchesOf(ps, other.address), [
      { a: 0, b: 1, side: 1 },
      { a: 1, b: 2, side: 0 },
    ]);
  });

  it("tells a side what to do next", () => {
    const zero = `0x${"00".repeat(32)}` as Hex;
    const base: MatchView = {
      phase: MatchPhase.Final,
      roundsDone: 0,
      movedA: false,
      movedB: false,
      lostA: false,
      lostB: false,
      lo: 0n,
      roundStart: 1000n,
      usedA: 0n,
      usedB: 0n,
      start: zero,
      endA: zero,
      endB: zero,
      pending: zero,
      width: 4096n,
    };
    const budget = 3600n;
    assert.deepEqual(nextMove(base, 0, budget, 1100n), { kind: "commitFinal", deadline: 1000n + budget });
    assert.deepEqual(nextMove({ ...base, movedA: true }, 0, budget, 1100n), {
      kind: "wait",
      opponentDeadline: 1000n + budget,
    });
    assert.deepEqual(nextMove({ ...base, movedA: true }, 0, budget, 1000n + budget + 1n), { kind: "timeout" });
    const dissect = { ...base, phase: MatchPhase.Dissect, movedB: true, usedA: 600n };
    const move = nextMove(dissect, 0, budget, 1000n);
    assert.equal(move.kind, "bisect");
    if (move.kind === "bisect") {
      assert.equal(move.second, true);
      assert.equal(move.steps.length, 15);
      assert.equal(move.deadline, 1000n + budget - 600n);
    }
    const step = nextMove({ ...base, phase: MatchPhase.Step, lo: 77n, width: 1n }, 1, budget, 1000n);
    assert.equal(step.kind, "proveStep");
    assert.deepEqual(nextMove({ ...base, phase: MatchPhase.Done, lostB: true }, 0, budget, 0n), {
      kind: "done",
      lost: false,
      opponentLost: true,
    });
    assert.equal(maxDisputeDuration(budget), 2n * budget);
  });
});
