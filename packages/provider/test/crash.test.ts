// Kill -9 a provider process in the middle of a burst of calls, restart it on the same data folder, and check that
// every answer it gave is still stored (identical) and the newest voucher it accepted is still claimable.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  arbitrationAbi,
  channelIdOf,
  disputeRequestOf,
  parseOffchainCall,
  paymentChannelsAbi,
  signOffchainCall,
  signVoucher,
  verityServiceAbi,
} from "@verity/protocol";
import { type CallAnswer, type ProviderConfig, ProviderNode } from "@verity/provider";
import { createWalletClient, encodeFunctionData, http, keccak256, parseAbi, toHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { DEV_KEYS, type Network, PAID_PRICE, ROOT, rpc, startNetwork } from "./fixture.ts";

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[5]!);
const MAIN = join(ROOT, "packages", "provider", "src", "main.ts");

function startProcess(config: ProviderConfig): Promise<{ child: ChildProcess; url: string }> {
  const file = join(config.dataDir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", MAIN, file], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("provider process did not start in 60 s")), 60_000);
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`provider process exited with ${code}: ${out}`));
    });
  });
}

let net: Network;
before(async () => {
  net = await startNetwork();
});
after(() => net.stop());

test("a provider killed with SIGKILL mid-burst keeps every answer and voucher", { timeout: 240_000 }, async () => {
  const config = await net.providerConfig(2);
  config.logLevel = "silent";
  const first = await startProcess(config);
  const providerAddress = privateKeyToAccount(config.privateKey).address;
  const info = (await rpc(first.url, "verity_info", [])).result as {
    services: { address: string; offchainChainId: string }[];
  };
  const chainIdOf = (address: string) =>
    BigInt(info.services.find((s) => s.address.toLowerCase() === address.toLowerCase())!.offchainChainId);

  // Paid calls first, one after another, so the provider holds vouchers for 1..3 prices.
  const wallet = createWalletClient({ chain: foundry, transport: http(net.anvil.rpcUrl), account: user });
  await net.client.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: net.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "deposit",
      args: [providerAddress],
      value: PAID_PRICE * 10n,
    }),
  });
  const domain = { chainId: net.chainId, verifyingContract: net.paymentChannels };
  const channelId = channelIdOf(user.address, providerAddress);
  for (let i = 1n; i <= 3n; i++) {
    const tx = await signOffchainCall({
      account: user,
      service: net.paidEcho,
      offchainChainId: chainIdOf(net.paidEcho),
      data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: ["0x01"] }),
      nonce: Number(i),
    });
    const v = await signVoucher(user, domain, { channelId, cumulativeAmount: PAID_PRICE * i });
    const answer = await rpc(first.url, "verity_call", [
      { tx, voucher: { ...v, cumulativeAmount: v.cumulativeAmount.toString() } },
    ]);
    assert.equal(answer.error, undefined);
  }

  // A burst of free calls, 8 at a time; the process is killed once 20 answers have arrived.
  const answered = new Map<string, CallAnswer>();
  let killed = false;
  const txs = await Promise.all(
    Array.from({ length: 80 }, (_, i) =>
      signOffchainCall({
        account: user,
        service: net.echo,
        offchainChainId: chainIdOf(net.echo),
        data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [toHex(`burst ${i}`)] }),
        nonce: 1000 + i,
      }),
    ),
  );
  let next = 0;
  const worker = async () => {
    while (next < txs.length) {
      const tx = txs[next++]!;
      try {
        const { result } = await rpc(first.url, "verity_call", [{ tx }]);
        if (result !== undefined) {
          const answer = result as CallAnswer;
          answered.set(answer.response.requestHash, answer);
        }
      } catch {
        // connection refused or reset after the kill
      }
      if (!killed && answered.size >= 20) {
        killed = true;
        first.child.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.ok(killed, "the process was killed during the burst");
  assert.ok(
    answered.size >= 20 && answered.size < txs.length,
    `answered ${answered.size} of ${txs.length} before the kill`,
  );

  // Restart on the same data folder: every answer given is there, byte for byte.
  const second = await startProcess(config);
  try {
    for (const [hash, answer] of answered) {
      const { result } = await rpc(second.url, "verity_getResponse", [hash]);
      assert.deepEqual(result, answer);
    }

    // A dispute opened after the restart about an answer given before the crash is defended and won.
    const [requestHash, honest] = [...answered.entries()][0]!;
    const tx = txs.find((t) => keccak256(t) === requestHash)!;
    const { url: liarUrl, node: liar } = await net.startProvider(3, { faulty: { kind: "wrong-output" } });
    const lie = (await rpc(liarUrl, "verity_call", [{ tx }])).result as CallAnswer;
    assert.notEqual(lie.response.resultHash, honest.response.resultHash);
    const { request } = await net.client.simulateContract({
      address: net.arbitration,
      abi: arbitrationAbi,
      functionName: "open",
      args: [
        net.echo,
        disputeRequestOf(honest.response),
        (await parseOffchainCall(tx)).input,
        [honest, lie].map((a) => ({ resultHash: a.response.resultHash, signature: a.signature })),
      ],
      account: user,
    });
    await net.client.waitForTransactionReceipt({ hash: await wallet.writeContract(request) });
    const deadline = Date.now() + 90_000;
    let verified: `0x${string}` = zeroHash;
    while (verified === zeroHash && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      verified = await net.client.readContract({
        address: net.arbitration,
        abi: arbitrationAbi,
        functionName: "verifiedResult",
        args: [net.echo, requestHash as `0x${string}`],
      });
    }
    assert.equal(verified, honest.response.resultHash, "the restarted provider's answer is the verified result");
    assert.equal(
      await net.client.readContract({
        address: net.echo,
        abi: verityServiceAbi,
        functionName: "statusOf",
        args: [liar.account.address],
      }),
      4,
    );
  } finally {
    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));
  }

  // The newest voucher survived and is claimable.
  const node = new ProviderNode(config);
  try {
    await node.start();
    assert.equal(await node.claimPayments(), PAID_PRICE * 3n);
  } finally {
    await node.stop();
  }
});
