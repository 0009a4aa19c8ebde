import assert from "node:assert/strict";
import { test } from "node:test";
import { type Address, decodeEventLog, type Hex, hexToBigInt, keccak256, slice, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  channelIdOf,
  hashVoucher,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  recoverVoucherSigner,
  type SignedVoucher,
  signVoucher,
  VoucherError,
  verifyVoucher,
} from "../src/index.js";
import { accounts, mined, startAnvil, testClient } from "./chain-fixture.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const payer = accounts[1];
const provider = accounts[2].address;
const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };

test("signVoucher / verifyVoucher round trip and rejections", async () => {
  const channelId = channelIdOf(payer.address, provider);
  const signed = await signVoucher(payer, domain, { channelId, cumulativeAmount: 123n });
  assert.equal(signed.cumulativeAmount, 123n);
  assert.equal(await recoverVoucherSigner(domain, signed), payer.address);
  assert.equal(await verifyVoucher(domain, signed, { payer: payer.address, provider }), true);
  // Wrong parties, amount, domain: all false.
  assert.equal(await verifyVoucher(domain, signed, { payer: payer.address, provider: accounts[3].address }), false);
  assert.equal(await verifyVoucher(domain, signed, { payer: accounts[3].address, provider }), false);
  assert.equal(
    await verifyVoucher(domain, { ...signed, cumulativeAmount: 124n }, { payer: payer.address, provider }),
    false,
  );
  assert.equal(await verifyVoucher({ ...domain, chainId: 1 }, signed, { payer: payer.address, provider }), false);
  // The malleable twin (high s, flipped v) is refused as the contract refuses it.
  const s = hexToBigInt(slice(signed.signature, 32, 64));
  const v = hexToBigInt(slice(signed.signature, 64, 65));
  const twin: SignedVoucher = {
    ...signed,
    signature:
      `${slice(signed.signature, 0, 32)}${toHex(N - s, { size: 32 }).slice(2)}${v === 27n ? "1c" : "1b"}` as Hex,
  };
  await assert.rejects(recoverVoucherSigner(domain, twin), /upper half/);
  assert.equal(await verifyVoucher(domain, twin, { payer: payer.address, provider }), false);
  await assert.rejects(recoverVoucherSigner(domain, { ...signed, signature: "0x1234" }), VoucherError);
  await assert.rejects(signVoucher(payer, domain, { channelId: "0x12", cumulativeAmount: 1n }), /32 bytes/);
  await assert.rejects(signVoucher(payer, domain, { channelId, cumulativeAmount: -1n }), /uint256/);
  assert.throws(() => channelIdOf("0x12" as Address, provider), /20-byte address/);
});

test("vouchers signed in TS are what PaymentChannels honours; gas of deposit and claim (anvil)", async (t) => {
  const anvil = await startAnvil();
  t.after(() => anvil.stop());
  const client = testClient(anvil);
  const [deployer] = accounts;
  const deployed = await mined(
    client,
    client.deployContract({
      abi: paymentChannelsAbi,
      bytecode: paymentChannelsBytecode,
      args: [3600n],
      account: deployer,
    }),
  );
  const channels = deployed.contractAddress as Address;
  const chainId = await client.getChainId();
  const d = { chainId, verifyingContract: channels };
  const providerAccount = accounts[2];

  const channelId = channelIdOf(payer.address, provider);
  assert.equal(
    await client.readContract({
      address: channels,
      abi: paymentChannelsAbi,
      functionName: "channelIdOf",
      args: [payer.address, provider],
    }),
    channelId,
  );
  const deposit = await mined(
    client,
    client.writeContract({
      address: channels,
      abi: paymentChannelsAbi,
      functionName: "deposit",
      args: [provider],
      value: 10n ** 18n,
      account: payer,
    }),
  );
  const voucher = { channelId, cumulativeAmount: 25n * 10n ** 15n };
  assert.equal(
    await client.readContract({
      address: channels,
      abi: paymentChannelsAbi,
      functionName: "voucherDigest",
      args: [voucher.channelId, voucher.cumulativeAmount],
    }),
    hashVoucher(d, voucher),
    "TS digest equals the contract's",
  );
  const signed = await signVoucher(payer, d, voucher);
  const claim1 = await mined(
    client,
    client.writeContract({
      address: channels,
      abi: paymentChannelsAbi,
      functionName: "claim",
      args: [[signed]],
      account: providerAccount,
    }),
  );
  const claimed = decodeEventLog({ abi: paymentChannelsAbi, ...claim1.logs[0] });
  assert.equal(claimed.eventName, "Claimed");
  if (claimed.eventName === "Claimed") assert.equal(claimed.args.amount, voucher.cumulativeAmount);

  // 100 channels from 100 payers, claimed in one transaction.
  const payers = Array.from({ length: 100 }, (_, i) => privateKeyToAccount(keccak256(toHex(`verity payer ${i}`))));
  const batch: SignedVoucher[] = [];
  for (const p of payers) {
    await client.setBalance({ address: p.address, value: 10n ** 18n });
    await mined(
      client,
      client.writeContract({
        address: channels,
        abi: paymentChannelsAbi,
        functionName: "deposit",
        args: [provider],
        value: 10n ** 16n,
        account: p,
      }),
    );
    batch.push(await signVoucher(p, d, { channelId: channelIdOf(p.address, provider), cumulativeAmount: 10n ** 15n }));
  }
  const before = await client.getBalance({ address: provider });
  const claim100 = await mined(
    client,
    client.writeContract({
      address: channels,
      abi: paymentChannelsAbi,
      functionName: "claim",
      args: [batch],
      account: providerAccount,
    }),
  );
  const fee = claim100.gasUsed * claim100.effectiveGasPrice;
  assert.equal(
    await client.getBalance({ address: provider }),
    before + 100n * 10n ** 15n - fee,
    "one payout for 100 channels",
  );
  console.log(
    `gas (transaction, anvil): deposit new channel ${deposit.gasUsed}, claim 1 channel ${claim1.gasUsed}, ` +
      `claim 100 channels ${claim100.gasUsed} (${claim100.gasUsed / 100n} per channel)`,
  );
  assert.ok(claim100.gasUsed < 100n * 25_000n, `claim 100 used ${claim100.gasUsed} gas`);
});
