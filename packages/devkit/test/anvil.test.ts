import assert from "node:assert/strict";
import { test } from "node:test";
import { startAnvil } from "@verity/devkit";
import { counterAbi, counterBytecode } from "@verity/protocol";
import { createTestClient, http, publicActions, walletActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

// anvil's first dev account (public, well-known test key).
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

test("deploys a contract to a real anvil and reads it back with viem", async (t) => {
  const anvil = await startAnvil();
  t.after(() => anvil.stop());
  const client = createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) })
    .extend(publicActions)
    .extend(walletActions);
  const account = privateKeyToAccount(DEV_KEY);
  const hash = await client.deployContract({ abi: counterAbi, bytecode: counterBytecode, account });
  const receipt = await client.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
  const address = receipt.contractAddress;
  assert.ok(address);
  const tx = await client.writeContract({ address, abi: counterAbi, functionName: "inc", account });
  await client.waitForTransactionReceipt({ hash: tx });
  assert.equal(await client.readContract({ address, abi: counterAbi, functionName: "n" }), 1n);
});

test("stop() kills the process and is idempotent", async () => {
  const anvil = await startAnvil();
  await anvil.stop();
  await anvil.stop();
  assert.throws(() => process.kill(anvil.pid, 0), /ESRCH/);
});

test("a taken port is reported with anvil's own error", async (t) => {
  const first = await startAnvil();
  t.after(() => first.stop());
  await assert.rejects(startAnvil({ port: first.port, startTimeoutMs: 5000 }), /anvil/);
});
