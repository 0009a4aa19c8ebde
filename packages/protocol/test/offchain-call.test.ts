import assert from "node:assert/strict";
import { test } from "node:test";
import { OffchainCallError, parseOffchainCall, signOffchainCall } from "@verity/protocol";
import { encodeFunctionData, keccak256, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const service = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const abi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const data = encodeFunctionData({ abi, functionName: "echo", args: ["0x1234"] });

test("a signed off-chain call round-trips with its sender, target, chain id and request hash", async () => {
  const serialized = await signOffchainCall({ account, service, offchainChainId: 0xabcdef123456n, data, nonce: 7 });
  const call = await parseOffchainCall(serialized);
  assert.equal(call.requester, account.address);
  assert.equal(call.service, service);
  assert.equal(call.chainId, 0xabcdef123456);
  assert.equal(call.selector, data.slice(0, 10));
  assert.equal(call.input, data);
  assert.equal(call.nonce, 7);
  assert.equal(call.requestHash, keccak256(serialized));
});

test("malformed, unsigned or selector-less calls are rejected with a code", async () => {
  await assert.rejects(parseOffchainCall("0xzz" as `0x${string}`), (e: unknown) => {
    return e instanceof OffchainCallError && e.code === "Malformed";
  });
  await assert.rejects(
    parseOffchainCall("0x01c0"),
    (e: unknown) => e instanceof OffchainCallError && e.code === "NotEip1559",
  );
  await assert.rejects(
    parseOffchainCall("0x02c0"),
    (e: unknown) => e instanceof OffchainCallError && e.code === "Malformed",
  );
  await assert.rejects(signOffchainCall({ account, service, offchainChainId: 5, data: "0x12" }), OffchainCallError);
  const good = await signOffchainCall({ account, service, offchainChainId: 5, data, nonce: 1 });
  // Flip a byte inside the signature's s value: the transaction still decodes but must not recover to the signer.
  const tampered = `${good.slice(0, -4)}${good.slice(-4, -2) === "00" ? "01" : "00"}${good.slice(-2)}` as `0x${string}`;
  const result = await parseOffchainCall(tampered).then(
    (c) => c.requester,
    (e: unknown) => (e instanceof OffchainCallError ? e.code : "other"),
  );
  assert.notEqual(result, account.address);
});
