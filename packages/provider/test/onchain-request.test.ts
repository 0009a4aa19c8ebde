// The censorship-resistant path: a user calls the method on chain; the provider's watcher answers with a signed
// response that anyone could verify, and is paid the request's value.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { echoServiceAbi, verityServiceAbi } from "@verity/protocol";
import { ProviderNode } from "@verity/provider";
import { createWalletClient, decodeFunctionResult, http, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { DEV_KEYS, type Network, PAID_PRICE, startNetwork } from "./fixture.ts";

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[15]!);

let net: Network;
before(async () => {
  net = await startNetwork();
});
after(() => net.stop());

test("a provider answers an on-chain request and is paid", { timeout: 60_000 }, async () => {
  const { node } = await net.startProvider(1);
  const wallet = createWalletClient({ chain: foundry, transport: http(net.anvil.rpcUrl), account: user });
  const hash = await wallet.writeContract({
    address: net.paidEcho,
    abi: echoServiceAbi,
    functionName: "echo",
    args: [toHex("on chain")],
    value: PAID_PRICE,
  });
  const receipt = await net.client.waitForTransactionReceipt({ hash });
  const [request] = await net.client.getContractEvents({
    address: net.paidEcho,
    abi: verityServiceAbi,
    eventName: "Request",
    blockHash: receipt.blockHash,
  });
  const requestId = request!.args.requestId!;

  const deadline = Date.now() + 30_000;
  let posted: Awaited<ReturnType<typeof net.client.getContractEvents<typeof verityServiceAbi, "ResponsePosted">>> = [];
  while (posted.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    posted = await net.client.getContractEvents({
      address: net.paidEcho,
      abi: verityServiceAbi,
      eventName: "ResponsePosted",
      args: { requestId },
      fromBlock: 0n,
    });
  }
  assert.equal(posted.length, 1, "one response posted");
  const args = posted[0]!.args;
  assert.equal(args.provider, node.account.address);
  assert.equal(args.status, 1);
  assert.equal(decodeFunctionResult({ abi: echoAbi, functionName: "echo", data: args.output! }), toHex("on chain"));
  assert.equal(args.payment, PAID_PRICE);
  const info = await net.client.readContract({
    address: net.paidEcho,
    abi: verityServiceAbi,
    functionName: "requestInfo",
    args: [requestId],
  });
  assert.equal(info.status, 2, "the request is answered");
  const postReceipt = await net.client.getTransactionReceipt({ hash: posted[0]!.transactionHash });
  const gas = postReceipt.gasUsed * postReceipt.effectiveGasPrice;
  const balanceAfter = await net.client.getBalance({
    address: node.account.address,
    blockNumber: postReceipt.blockNumber,
  });
  const balanceAtRequest = await net.client.getBalance({
    address: node.account.address,
    blockNumber: postReceipt.blockNumber - 1n,
  });
  assert.equal(
    balanceAfter - balanceAtRequest,
    PAID_PRICE - gas,
    "the provider received the price and paid only its gas",
  );

  assert.equal(node.requests?.answered, 1);
});

test("a provider configured with registerStake registers itself on start", { timeout: 60_000 }, async () => {
  const config = await net.providerConfig(16);
  // A second key that the fixture did not register: the node must do it.
  const key = DEV_KEYS[17]!;
  const node = new ProviderNode({
    ...config,
    privateKey: key,
    registerStake: PAID_PRICE * 10n ** 12n,
    dataDir: `${config.dataDir}-self`,
  });
  try {
    const url = await node.start();
    for (const service of [net.echo, net.paidEcho]) {
      assert.equal(
        await net.client.readContract({
          address: service,
          abi: verityServiceAbi,
          functionName: "statusOf",
          args: [node.account.address],
        }),
        1,
      );
      assert.equal(
        await net.client.readContract({
          address: service,
          abi: verityServiceAbi,
          functionName: "hostOf",
          args: [node.account.address],
        }),
        url,
      );
    }
  } finally {
    await node.stop();
  }
});
