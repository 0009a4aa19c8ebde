// Payment checks for priced methods: a call carries a voucher with the cumulative amount its payer owes on the
// (payer, provider) channel; it must be signed by the requester, exceed every earlier voucher by at least the price,
// and be covered by what the channel can still pay on chain.
import {
  channelIdOf,
  paymentChannelsAbi,
  recoverVoucherSigner,
  type SignedVoucher,
  type VoucherError,
} from "@verity/protocol";
import { type Address, type Hex, isAddressEqual, isHex, type PublicClient } from "viem";
import { ProviderRpcError, RpcErrorCode } from "./rpc-errors.js";
import type { ProviderStore } from "./store.js";

/** Checks vouchers against the store and the PaymentChannels contract. */
export class VoucherChecker {
  // Highest amount accepted per channel since start, so two concurrent calls cannot both use one increment.
  private readonly reserved = new Map<string, bigint>();

  constructor(
    private readonly client: PublicClient,
    private readonly store: ProviderStore,
    private readonly provider: Address,
    private readonly paymentChannels: Address | undefined,
    private readonly chainId: () => number,
  ) {}

  /** Validates the voucher attached to a call of a method costing `price`; returns it for storage with the call. */
  async check(raw: unknown, requester: Address, price: bigint): Promise<SignedVoucher> {
    const channelId = channelIdOf(requester, this.provider);
    if (this.paymentChannels === undefined) {
      throw new ProviderRpcError(
        RpcErrorCode.PaymentRequired,
        `this method costs ${price} wei but this provider takes no payments`,
      );
    }
    if (raw === undefined) {
      throw new ProviderRpcError(
        RpcErrorCode.PaymentRequired,
        `this method costs ${price} wei per call: attach a voucher for channel ${channelId}`,
        {
          price: price.toString(),
          channelId,
          paymentChannels: this.paymentChannels,
        },
      );
    }
    const voucher = parseVoucher(raw);
    if (voucher.channelId.toLowerCase() !== channelId) {
      throw new ProviderRpcError(
        RpcErrorCode.InvalidVoucher,
        `voucher is for channel ${voucher.channelId}; calls from ${requester} to this provider pay on ${channelId}`,
      );
    }
    let signer: Address;
    try {
      signer = await recoverVoucherSigner(
        { chainId: this.chainId(), verifyingContract: this.paymentChannels },
        voucher,
      );
    } catch (error) {
      throw new ProviderRpcError(RpcErrorCode.InvalidVoucher, `voucher signature: ${(error as Error).message}`);
    }
    if (!isAddressEqual(signer, requester)) {
      throw new ProviderRpcError(
        RpcErrorCode.InvalidVoucher,
        `voucher is signed by ${signer}, not by the requester ${requester}`,
      );
    }
    const channel = await this.client.readContract({
      address: this.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "channel",
      args: [channelId],
    });
    const stored = this.store.voucher(channelId)?.cumulativeAmount ?? 0n;
    const floor = [stored, this.reserved.get(channelId) ?? 0n, BigInt(channel.claimed)].reduce((a, b) =>
      a > b ? a : b,
    );
    if (voucher.cumulativeAmount < floor + price) {
      throw new ProviderRpcError(
        RpcErrorCode.InvalidVoucher,
        `voucher owes ${voucher.cumulativeAmount} wei in total; it must be at least ${floor + price} (newest ${floor} + price ${price})`,
        {
          minimum: (floor + price).toString(),
        },
      );
    }
    const claimable = BigInt(channel.deposited) - BigInt(channel.withdrawn);
    if (voucher.cumulativeAmount > claimable) {
      throw new ProviderRpcError(
        RpcErrorCode.InvalidVoucher,
        `channel ${channelId} can pay at most ${claimable} wei in total; deposit more`,
        {
          claimable: claimable.toString(),
        },
      );
    }
    // Re-checked after the awaits above: a concurrent call on this channel may have reserved an amount meanwhile.
    const current = this.reserved.get(channelId) ?? 0n;
    if (voucher.cumulativeAmount < current + price) {
      throw new ProviderRpcError(
        RpcErrorCode.InvalidVoucher,
        `a concurrent call already used this amount; sign at least ${current + price}`,
      );
    }
    this.reserved.set(channelId, voucher.cumulativeAmount);
    return voucher;
  }
}

function parseVoucher(raw: unknown): SignedVoucher {
  const v = raw as { channelId?: unknown; cumulativeAmount?: unknown; signature?: unknown };
  const ok =
    typeof raw === "object" &&
    raw !== null &&
    typeof v.channelId === "string" &&
    isHex(v.channelId) &&
    typeof v.signature === "string" &&
    isHex(v.signature) &&
    (typeof v.cumulativeAmount === "string" || typeof v.cumulativeAmount === "number") &&
    /^[0-9]+$/.test(String(v.cumulativeAmount));
  if (!ok) {
    throw new ProviderRpcError(
      RpcErrorCode.InvalidVoucher,
      'voucher must be { "channelId": "0x<32 bytes>", "cumulativeAmount": "<decimal wei>", "signature": "0x<65 bytes>" }',
    );
  }
  try {
    return {
      channelId: v.channelId as Hex,
      cumulativeAmount: BigInt(String(v.cumulativeAmount)),
      signature: v.signature as Hex,
    };
  } catch (error) {
    throw new ProviderRpcError(RpcErrorCode.InvalidVoucher, `voucher: ${(error as VoucherError).message}`);
  }
}
