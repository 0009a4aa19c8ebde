// Payment channels (PaymentChannels.sol): deposit to a provider's channel, attach cumulative vouchers to calls,
// and leave through the delayed withdrawal.
import { channelIdOf, paymentChannelsAbi, type SignedVoucher, signVoucher } from "@verity/protocol";
import type { Account, Address, Chain, Hex, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import { PaymentError } from "./errors.js";

/** Where the cumulative amount signed per channel is kept (vouchers must only grow across sessions). */
export interface VoucherStore {
  get(channelId: Hex): bigint | undefined | Promise<bigint | undefined>;
  set(channelId: Hex, cumulativeAmount: bigint): void | Promise<void>;
}

/** An in-memory VoucherStore (a new process starts from zero: persist it to keep paying the same providers). */
export function memoryVoucherStore(): VoucherStore {
  const map = new Map<Hex, bigint>();
  return { get: (id) => map.get(id), set: (id, v) => void map.set(id, v) };
}

/** Payment-channel operations of one payer account. */
export interface Channels {
  readonly address: Address;
  /** Channel id of (this payer, provider). */
  channelId(provider: Address): Hex;
  /** Deposits `amount` wei into the channel to `provider` (opening it); resolves when mined. */
  deposit(provider: Address, amount: bigint): Promise<Hex>;
  /** Signs the next voucher for `provider`: the cumulative amount grows by `price`. */
  nextVoucher(provider: Address, price: bigint): Promise<SignedVoucher>;
  /**
   * Takes back a voucher the provider refused (it did not serve the call): the next voucher re-signs the same amount.
   * Safe even if the provider kept it, since only the highest signed amount is ever claimable.
   */
  refund(voucher: SignedVoucher, price: bigint): Promise<void>;
  /** Starts the delayed withdrawal of what is left in the channel to `provider`. */
  initiateWithdraw(provider: Address): Promise<Hex>;
  /** Takes back what is left once the withdrawal delay has passed. */
  finalizeWithdraw(provider: Address): Promise<Hex>;
}

/** Creates the payment-channel helper for `account` on the PaymentChannels contract at `address`. */
export function createChannels(parameters: {
  address: Address;
  chainId: number;
  account: LocalAccount;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  store?: VoucherStore;
}): Channels {
  const { address, account, publicClient, walletClient } = parameters;
  const store = parameters.store ?? memoryVoucherStore();
  // Serialises voucher signing per channel so concurrent calls never sign the same cumulative amount twice.
  let queue: Promise<unknown> = Promise.resolve();

  const send = async (
    functionName: "deposit" | "initiateWithdraw" | "finalizeWithdraw",
    provider: Address,
    value?: bigint,
  ) => {
    try {
      const hash = await walletClient.writeContract({
        address,
        abi: paymentChannelsAbi,
        functionName,
        args: [provider],
        ...(value !== undefined ? { value } : {}),
      } as Parameters<typeof walletClient.writeContract>[0]);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new PaymentError(`${functionName} transaction ${hash} reverted`);
      return hash;
    } catch (error) {
      if (error instanceof PaymentError) throw error;
      throw new PaymentError(`${functionName}(${provider}) failed: ${(error as Error).message.split("\n")[0]}`);
    }
  };

  return {
    address,
    channelId: (provider) => channelIdOf(account.address, provider),
    deposit(provider, amount) {
      if (amount <= 0n) throw new PaymentError(`a deposit must be positive, got ${amount}`);
      return send("deposit", provider, amount);
    },
    nextVoucher(provider, price) {
      const channelId = channelIdOf(account.address, provider);
      const work = queue.then(async () => {
        const previous = (await store.get(channelId)) ?? 0n;
        const cumulativeAmount = previous + price;
        const signed = await signVoucher(
          account,
          { chainId: parameters.chainId, verifyingContract: address },
          {
            channelId,
            cumulativeAmount,
          },
        );
        await store.set(channelId, cumulativeAmount);
        return signed;
      });
      queue = work.catch(() => undefined);
      return work;
    },
    refund(voucher, price) {
      const work = queue.then(async () => {
        if ((await store.get(voucher.channelId)) === voucher.cumulativeAmount) {
          await store.set(voucher.channelId, voucher.cumulativeAmount - price);
        }
      });
      queue = work.catch(() => undefined);
      return work;
    },
    initiateWithdraw: (provider) => send("initiateWithdraw", provider),
    finalizeWithdraw: (provider) => send("finalizeWithdraw", provider),
  };
}
