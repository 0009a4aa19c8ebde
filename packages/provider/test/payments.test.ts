import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { channelIdOf, paymentChannelsAbi, signOffchainCall, signVoucher } from "@verity/protocol";
import { type CallAnswer, type ProviderNode, RpcErrorCode } from "@verity/provider";
import { createWalletClient, encodeFunctionData, http, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { DEV_KEYS, type Network, PAID_PRICE, rpc, startNetwork } from "./fixture.ts";

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const payer = privateKeyToAccount(DEV_KEYS[5]!);
const stranger = privateKeyToAccount(DEV_KEYS[6]!);

describe("paid calls with payment-channel vouchers", () => {
  let net: Network;
  let url: string;
  let node: ProviderNode;
  let offchainChainId: bigint;

  before(async () => {
    net = await startNetwork();
    ({ url, node } = await net.startProvider(1));
    const info = (await rpc(url, "verity_info", [])).result as {
      services: { address: string; offchainChainId: string }[];
    };
    offchainChainId = BigInt(
      info.services.find((s) => s.address.toLowerCase() === net.paidEcho.toLowerCase())!.offchainChainId,
    );
    const wallet = createWalletClient({ chain: foundry, transport: http(net.anvil.rpcUrl), account: payer });
    const hash = await wallet.writeContract({
      address: net.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "deposit",
      args: [node.account.address],
      value: PAID_PRICE * 3n,
    });
    await net.client.waitForTransactionReceipt({ hash });
  });
  after(() => net.stop());

  const call = async (nonce: number, voucher?: unknown) => {
    const tx = await signOffchainCall({
      account: payer,
      service: net.paidEcho,
      offchainChainId,
      data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: ["0x42"] }),
      nonce,
    });
    return rpc(url, "verity_call", [voucher === undefined ? { tx } : { tx, voucher }]);
  };
  const voucher = async (amount: bigint, signer = payer) => {
    const v = await signVoucher(
      signer,
      { chainId: net.chainId, verifyingContract: net.paymentChannels },
      {
        channelId: channelIdOf(payer.address, node.account.address),
        cumulativeAmount: amount,
      },
    );
    return { ...v, cumulativeAmount: v.cumulativeAmount.toString() };
  };

  test("refuses calls without a valid, sufficient, covered voucher", async () => {
    assert.equal((await call(1)).error?.code, RpcErrorCode.PaymentRequired);
    assert.equal((await call(2, { channelId: "0x12" })).error?.code, RpcErrorCode.InvalidVoucher);
    assert.equal((await call(3, await voucher(PAID_PRICE - 1n))).error?.code, RpcErrorCode.InvalidVoucher);
    assert.equal((await call(4, await voucher(PAID_PRICE, stranger))).error?.code, RpcErrorCode.InvalidVoucher);
    assert.equal((await call(5, await voucher(PAID_PRICE * 4n))).error?.code, RpcErrorCode.InvalidVoucher);
    assert.equal(node.store.unclaimedVouchers().length, 0, "rejected vouchers are not kept");
  });

  test("accepts rising cumulative vouchers, refuses reuse, and claims them on chain in one transaction", async () => {
    const first = await call(10, await voucher(PAID_PRICE));
    assert.equal(first.error, undefined, JSON.stringify(first.error));
    assert.equal((first.result as CallAnswer).status, 1);
    const reuse = await call(11, await voucher(PAID_PRICE));
    assert.equal(reuse.error?.code, RpcErrorCode.InvalidVoucher, "the same cumulative amount cannot pay twice");
    const second = await call(12, await voucher(PAID_PRICE * 2n));
    assert.equal(second.error, undefined);
    assert.equal(node.store.unclaimedVouchers()[0]?.cumulativeAmount, PAID_PRICE * 2n);
    const received = await node.claimPayments();
    assert.equal(received, PAID_PRICE * 2n);
    const channel = await net.client.readContract({
      address: net.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "channel",
      args: [channelIdOf(payer.address, node.account.address)],
    });
    assert.equal(channel.claimed, PAID_PRICE * 2n);
    assert.equal(node.store.unclaimedVouchers().length, 0);
    assert.equal(await node.claimPayments(), 0n, "nothing left to claim");
  });
});
