import assert from "node:assert/strict";
import { test } from "node:test";
import { devKey, startAnvil } from "@verity/devkit";
import { programRegistryAbi, programRegistryBytecode } from "@verity/protocol";
import { createTestClient, http, keccak256, publicActions, walletActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const DEV_KEY = devKey(0);

test("deploys a contract to a real anvil and reads it back with viem", async (t) => {
  const anvil = await startAnvil();
  t.after(() => anvil.stop());
  const client = createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) })
    .extend(publicActions)
    .extend(walletActions);
  const account = privateKeyToAccount(DEV_KEY);
  const hash = await client.deployContract({ abi: programRegistryAbi, bytecode: programRegistryBytecode, account });
  const receipt = await client.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
  const address = receipt.contractAddress;
  assert.ok(address);
  const manifest = [keccak256("0x01"), keccak256("0x02"), keccak256("0x03"), 0x1000, 1000n, 1 << 20, 64, 64] as const;
  const tx = await client.writeContract({
    address,
    abi: programRegistryAbi,
    functionName: "register",
    args: manifest,
    account,
  });
  await client.waitForTransactionReceipt({ hash: tx });
  const programHash = await client.readContract({
    address,
    abi: programRegistryAbi,
    functionName: "computeProgramHash",
    args: manifest,
  });
  const info = await client.readContract({
    address,
    abi: programRegistryAbi,
    functionName: "program",
    args: [programHash],
  });
  assert.equal(info.registered, true);
  assert.equal(info.memRoot, manifest[2]);
  assert.equal(info.maxSteps, 1000n);
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
