// The censorship-resistant path: answers `Request` events that users emitted by calling a service method on chain,
// by posting a signed response with `postResponse` (the first valid answer is paid). Also claims the newest payment
// vouchers on a schedule. Keeps only a block cursor; a request answered by someone else is skipped.
import { signResponse, verityServiceAbi } from "@verity/protocol";
import { inputHash } from "@verity/vm";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  bytesToHex,
  type Chain,
  type Hex,
  hexToBytes,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { ExecutionResult } from "./execute.js";
import type { ProgramStore } from "./program-store.js";
import type { ProviderStore } from "./store.js";

/** What the watcher needs from its node. */
export interface RequestWatcherDeps {
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  services: readonly Address[];
  arbitration: Address;
  chainId: number;
  store: ProviderStore;
  programs: ProgramStore;
  logger: Logger;
  /** Executes a program the way `verity_call` does (pool, native first, VM when needed, faulty mode). */
  execute(programHash: Hex, input: Uint8Array, selector: Hex): Promise<ExecutionResult>;
  /** Claims stored vouchers; returns wei received. */
  claimPayments(): Promise<bigint>;
  /** Milliseconds between automatic voucher claims (0: never). */
  claimIntervalMs: number;
}

const CURSOR_KEY = "request-watcher:cursor";

/** Answers on-chain requests and claims payments. */
export class RequestWatcher {
  private lastClaim = Date.now();
  /** On-chain requests answered by this node (for logs and tests). */
  answered = 0;

  constructor(private readonly deps: RequestWatcherDeps) {}

  /** One pass: answer new on-chain requests, then claim payments when due. */
  async poll(): Promise<void> {
    const { client, store, services } = this.deps;
    const from = BigInt(store.getValue(CURSOR_KEY) ?? "0");
    const to = await client.getBlockNumber();
    if (to >= from) {
      for (const service of services) {
        const logs = await client.getContractEvents({
          address: service,
          abi: verityServiceAbi,
          eventName: "Request",
          fromBlock: from,
          toBlock: to,
        });
        for (const log of logs) {
          const { requestId, requester, selector, programHash, input } = log.args;
          if (
            requestId === undefined ||
            requester === undefined ||
            selector === undefined ||
            programHash === undefined ||
            input === undefined
          )
            continue;
          await this.answer(service, requestId, requester, selector, programHash, input).catch((error: unknown) =>
            this.deps.logger.warn(
              { requestId, error: (error as Error).message.split("\n")[0] },
              "could not answer an on-chain request",
            ),
          );
        }
      }
      store.setValue(CURSOR_KEY, String(to + 1n));
    }
    if (this.deps.claimIntervalMs > 0 && Date.now() - this.lastClaim >= this.deps.claimIntervalMs) {
      this.lastClaim = Date.now();
      const received = await this.deps.claimPayments();
      if (received > 0n) this.deps.logger.info({ wei: received.toString() }, "claimed payment vouchers");
    }
  }

  private async answer(
    service: Address,
    requestId: Hex,
    requester: Address,
    selector: Hex,
    programHash: Hex,
    input: Hex,
  ): Promise<void> {
    const { client, wallet, logger } = this.deps;
    const request = await client.readContract({
      address: service,
      abi: verityServiceAbi,
      functionName: "requestInfo",
      args: [requestId],
    });
    if (request.status !== 1) return; // answered or cancelled already
    const bytes = hexToBytes(input);
    const result = await this.deps.execute(programHash, bytes, selector);
    const response = {
      service,
      requestHash: requestId,
      requester,
      selector,
      programHash,
      inputHash: bytesToHex(inputHash(bytes)),
      resultHash: bytesToHex(result.resultHash),
    };
    const { signature } = await signResponse(
      wallet.account as Parameters<typeof signResponse>[0],
      { chainId: this.deps.chainId, arbitration: this.deps.arbitration },
      response,
    );
    const hash = await wallet.writeContract({
      address: service,
      abi: verityServiceAbi,
      functionName: "postResponse",
      args: [requestId, result.status, result.exitCode, bytesToHex(result.output), signature],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`postResponse reverted (${hash})`);
    this.answered++;
    logger.info({ requestId, service }, "answered an on-chain request");
  }
}
