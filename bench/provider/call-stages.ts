// Where one verity_call's time goes: each stage of ProviderNode.call timed in isolation on the same request shape as
// bench/provider/throughput.ts (echo of 64 bytes), the viem path the node used before next to the path it uses now.
// Run: node --import tsx --conditions=source bench/provider/call-stages.ts [--rounds N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseOffchainCall, responseTypedData, signOffchainCall, signResponse } from "@verity/protocol";
import { ExecutorPool, ProviderStore } from "@verity/provider";
import { inputHash } from "@verity/vm";
import {
  bytesToHex,
  encodeFunctionData,
  type Hex,
  hashTypedData,
  hexToBytes,
  keccak256,
  parseAbi,
  parseTransaction,
  recoverTransactionAddress,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CallDecoder } from "../../packages/provider/src/call-decoder.ts";
import { nativeSecp256k1 } from "../../packages/provider/src/fast-crypto.ts";
import { ResponseSigner } from "../../packages/provider/src/response-signer.ts";
import { f, numberArg, ROOT, readBuilt } from "../lib.ts";

const rounds = numberArg("rounds", 300);
const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(`0x${"11".repeat(32)}`);
const provider = privateKeyToAccount(`0x${"22".repeat(32)}`);
const service = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = { chainId: 31337, arbitration: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as const };
const payload = toHex(new Uint8Array(64).fill(0xab));

const txs: Hex[] = [];
for (let i = 0; i < rounds; i++) {
  txs.push(
    await signOffchainCall({
      account: user,
      service,
      offchainChainId: 7_000_001n,
      data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payload] }),
      nonce: i + 1,
    }),
  );
}

/** Mean milliseconds per call of `fn` over every prepared transaction (after a short warm-up). */
async function stage(label: string, fn: (tx: Hex, i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(20, rounds); i++) await fn(txs[i] as Hex, i);
  const t = performance.now();
  for (let i = 0; i < rounds; i++) await fn(txs[i] as Hex, i);
  const ms = (performance.now() - t) / rounds;
  console.log(`  ${label.padEnd(58)} ${f(ms * 1000, 0).padStart(7)} µs`);
  return ms;
}

const parsed = await Promise.all(txs.map((tx) => parseOffchainCall(tx)));
const response = (i: number) => {
  const call = parsed[i % parsed.length]!;
  return {
    service: call.service,
    requestHash: call.requestHash,
    requester: call.requester,
    selector: call.selector,
    programHash: call.requestHash,
    inputHash: call.requestHash,
    resultHash: call.requestHash,
  };
};

console.log(`stages of one verity_call (echo, 64 bytes; mean of ${rounds}); native secp256k1: ${nativeSecp256k1}`);
console.log(" before (viem / noble, as ProviderNode used them):");
await stage("parseTransaction (RLP decode)", (tx) => parseTransaction(tx));
await stage("recoverTransactionAddress (sender recovery, noble)", (tx) =>
  recoverTransactionAddress({ serializedTransaction: tx as `0x02${string}` }),
);
await stage("keccak256(serialized) (request hash)", (tx) => keccak256(tx));
await stage("parseOffchainCall (all of the above)", (tx) => parseOffchainCall(tx));
await stage("viem hashTypedData of a response", (_tx, i) => hashTypedData(responseTypedData(domain, response(i))));
await stage("signResponse (viem signTypedData + noble sign)", (_tx, i) => signResponse(provider, domain, response(i)));
console.log(" now (packages/provider/src):");
const decoder = new CallDecoder();
const signer = new ResponseSigner(`0x${"22".repeat(32)}`, domain);
await stage("CallDecoder.decode (RLP + native recovery + request hash)", (tx) => decoder.decode(tx));
await stage("ResponseSigner.digest (protocol responseDigest, fixed layout)", (_tx, i) => signer.digest(response(i)));
await stage("ResponseSigner.sign (digest + native sign)", (_tx, i) => signer.sign(response(i)));
console.log(" other stages (their code changed little or not at all):");
const input = hexToBytes(parsed[0]!.input);
await stage("hexToBytes(input) + inputHash (commitment)", () => bytesToHex(inputHash(hexToBytes(parsed[0]!.input))));

const echo = readBuilt(join(ROOT, "programs", "examples", "echo"));
const limits = { maxSteps: echo.maxSteps, memLimit: echo.memLimit, maxOutput: echo.maxOutput };
const pool = new ExecutorPool({ size: 1 });
await stage("ExecutorPool.execute round trip (1 worker, echo)", () =>
  pool.execute("echo", { elf: echo.elf, wasm: echo.wasm }, input, limits),
);
await pool.close();

const dir = mkdtempSync(join(tmpdir(), "verity-stages-"));
const store = new ProviderStore(join(dir, "provider.sqlite"));
const stored = (i: number) => {
  const call = parsed[i]!;
  return {
    request: {
      requestHash: call.requestHash,
      service: call.service,
      requester: call.requester,
      selector: call.selector,
      programHash: call.requestHash,
      inputHash: call.requestHash,
      rawTx: call.serialized,
      receivedAt: Date.now(),
    },
    response: {
      requestHash: call.requestHash,
      resultHash: call.requestHash,
      status: 1,
      exitCode: 0,
      output: payload,
      outputHash: call.requestHash,
      signature: `0x${"00".repeat(65)}` as Hex,
      signedAt: Date.now(),
    },
  };
};
let n = 0;
await stage("ProviderStore.saveCall, one at a time (one transaction + fsync each)", async () => {
  const s = stored(n++ % rounds);
  const h = keccak256(toHex(n));
  await store.saveCall({ ...s.request, requestHash: h }, { ...s.response, requestHash: h });
});
const batch = 16;
const batchMs = await stage(`ProviderStore.saveCall, ${batch} concurrent (group commit), per batch`, async () => {
  const writes = [];
  for (let j = 0; j < batch; j++) {
    const s = stored(n++ % rounds);
    const h = keccak256(toHex(n));
    writes.push(store.saveCall({ ...s.request, requestHash: h }, { ...s.response, requestHash: h }));
  }
  await Promise.all(writes);
});
console.log(`  (that line is per batch of ${batch}: ${f((batchMs * 1000) / batch, 0)} µs per call)`);
await store.close();
rmSync(dir, { recursive: true, force: true });

const answer = {
  jsonrpc: "2.0",
  id: 1,
  result: { ...response(0), signature: `0x${"00".repeat(65)}`, output: payload },
};
await stage("JSON.stringify + JSON.parse of a call and its answer", (tx) => {
  JSON.parse(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "verity_call", params: [{ tx }] }));
  JSON.parse(JSON.stringify(answer));
});
