// The provider node: validates off-chain calls, executes them, signs and durably stores the answer, serves it again
// on replay, and exposes everything over JSON-RPC.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type OffchainCall,
  OffchainCallError,
  paymentChannelsAbi,
  type ProviderResponse as ResponseMessage,
  verityServiceAbi,
} from "@verity/protocol";
import { inputHash } from "@verity/vm";
import pino, { type Logger } from "pino";
import {
  type Address,
  bytesToHex,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  isHex,
  type PublicClient,
  parseEventLogs,
} from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import { CallDecoder } from "./call-decoder.js";
import type { FaultyMode, ProviderConfig } from "./config.js";
import { DisputeBot, type DisputeBotDeps } from "./dispute-bot.js";
import { corruptOutput, type ExecutionResult, executeCorrupted } from "./execute.js";
import { ExecutionTimeoutError, ExecutorPool, PoolOverloadedError } from "./executor-pool.js";
import { nativeSecp256k1, nativeSecp256k1Error } from "./fast-crypto.js";
import { ProviderMetrics } from "./metrics.js";
import { VoucherChecker } from "./payments.js";
import { PollLoop } from "./poll-loop.js";
import { ProgramStore, ProgramUnavailableError } from "./program-store.js";
import { RequestWatcher, type RequestWatcherDeps } from "./request-watcher.js";
import { ProviderRpcError, RpcErrorCode } from "./rpc-errors.js";
import { createServer } from "./server.js";
import { ServiceCatalog } from "./service-catalog.js";
import { ProviderStore, type StoredResponse } from "./store.js";

/** Version reported by verity_info. */
export const PROVIDER_VERSION = "0.1.0";

/** What `verity_call` and `verity_getResponse` return. */
export interface CallAnswer {
  provider: Address;
  response: ResponseMessage;
  signature: Hex;
  status: number;
  exitCode: number;
  output: Hex;
  outputHash: Hex;
}

/** A running provider node. */
export class ProviderNode {
  readonly account: LocalAccount;
  readonly store: ProviderStore;
  readonly programs: ProgramStore;
  readonly catalog: ServiceCatalog;
  readonly metrics = new ProviderMetrics();
  readonly logger: Logger;
  readonly client: PublicClient;
  private readonly pool: ExecutorPool;
  private readonly vouchers: VoucherChecker;
  private readonly inflight = new Map<string, Promise<CallAnswer>>();
  private readonly decoder = new CallDecoder();
  private server: ReturnType<typeof createServer> | undefined;
  private chainId = 0;
  private stopped = false;
  /** The dispute-playing loop (absent when disputePollMs is 0). */
  bot: DisputeBot | undefined;
  /** Answers on-chain requests and claims payments (with the bot; absent when disputePollMs is 0). */
  requests: RequestWatcher | undefined;
  private requestLoop: PollLoop | undefined;

  constructor(readonly config: ProviderConfig) {
    this.account = privateKeyToAccount(config.privateKey);
    this.logger = pino({ level: config.logLevel, base: { provider: this.account.address } });
    mkdirSync(config.dataDir, { recursive: true });
    this.store = new ProviderStore(join(config.dataDir, "provider.sqlite"));
    this.programs = new ProgramStore({
      cacheDir: join(config.dataDir, "programs"),
      programDirs: config.programDirs,
      peers: config.peers,
    });
    this.client = createPublicClient({ transport: http(config.rpcUrl) });
    this.catalog = new ServiceCatalog(this.client, config.services);
    this.pool = new ExecutorPool({
      timeoutMs: config.callTimeoutMs,
      ...(config.workers !== undefined ? { size: config.workers } : {}),
    });
    this.vouchers = new VoucherChecker(
      this.client,
      this.store,
      this.account.address,
      config.paymentChannels,
      () => this.chainId,
    );
    if (!nativeSecp256k1) {
      this.logger.warn(
        { reason: nativeSecp256k1Error },
        "the native secp256k1 addon did not load: signing and sender recovery run in JavaScript, ~40x slower per call",
      );
    }
    if (config.faulty !== undefined) {
      this.logger.warn(
        { faulty: config.faulty },
        "FAULTY MODE: this provider will sign wrong results (demo/test only)",
      );
    }
  }

  /** Reads the chain, then listens; resolves with the bound URL. */
  async start(): Promise<string> {
    this.chainId = await this.client.getChainId();
    // The store signs each response just before committing it (on its writer thread, or here for a lone call).
    this.store.setSigner(this.config.privateKey, { chainId: this.chainId, arbitration: this.config.arbitration });
    await this.catalog.refresh();
    this.server = createServer({
      handlers: {
        verity_call: (p) => this.call(p),
        verity_info: async () => this.info(),
        verity_getResponse: (p) => this.getResponse(p),
      },
      programBytes: (hash) => this.programs.bytes(hash),
      metrics: this.metrics,
      logger: this.logger,
      bodyLimit: this.config.maxBodyBytes,
      queueDepth: () => this.pool.queued,
      health: () => ({ address: this.account.address, responses: this.store.responseCount() }),
    });
    const url = await this.server.listen({ host: this.config.host, port: this.config.port });
    if (this.config.registerStake !== undefined)
      await this.registerWhereMissing(this.config.publicUrl ?? url, this.config.registerStake);
    this.logger.info({ url, services: this.config.services }, "provider listening");
    if (this.config.disputePollMs > 0) {
      this.bot = new DisputeBot({
        client: this.client,
        wallet: createWalletClient({
          account: this.account,
          chain: { id: this.chainId } as Chain,
          transport: http(this.config.rpcUrl),
        }) as DisputeBotDeps["wallet"],
        arbitration: this.config.arbitration,
        store: this.store,
        programs: this.programs,
        logger: this.logger,
        faultyFor: (selector) => this.faultyFor(selector),
      });
      this.bot.start(this.config.disputePollMs);
      this.requests = new RequestWatcher({
        client: this.client,
        wallet: createWalletClient({
          account: this.account,
          chain: { id: this.chainId } as Chain,
          transport: http(this.config.rpcUrl),
        }) as RequestWatcherDeps["wallet"],
        services: this.config.services,
        arbitration: this.config.arbitration,
        chainId: this.chainId,
        store: this.store,
        programs: this.programs,
        logger: this.logger,
        execute: async (programHash, input, selector) => {
          const bundle = await this.programs.get(programHash);
          const { manifest } = bundle;
          const limits = { maxSteps: manifest.maxSteps, memLimit: manifest.memLimit, maxOutput: manifest.maxOutput };
          return this.run(programHash, bundle, input, limits, this.faultyFor(selector));
        },
        claimPayments: () => this.claimPayments(),
        claimIntervalMs: this.config.claimIntervalMs,
      });
      this.requestLoop = new PollLoop(
        () => this.requests!.poll(),
        (error) => this.logger.error({ error: (error as Error).message.split("\n")[0] }, "request watcher pass failed"),
      );
      this.requestLoop.start(this.config.disputePollMs);
    }
    return url;
  }

  /** Stops listening, terminates workers, closes the store; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.bot?.stop();
    await this.requestLoop?.stop();
    await this.server?.close();
    await this.pool.close();
    await this.store.close();
  }

  /** Claims every stored voucher not yet paid, for all channels in one transaction; returns the wei received. */
  async claimPayments(): Promise<bigint> {
    const pending = this.store.unclaimedVouchers();
    if (pending.length === 0 || this.config.paymentChannels === undefined) return 0n;
    const wallet = createWalletClient({ account: this.account, transport: http(this.config.rpcUrl) });
    const chain = { id: this.chainId } as Chain;
    const vouchers = pending.map((v) => ({
      channelId: v.channelId,
      cumulativeAmount: v.cumulativeAmount,
      signature: v.signature,
    }));
    const hash = await wallet.writeContract({
      chain,
      address: this.config.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: "claim",
      args: [vouchers],
    });
    const receipt = await this.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`claim transaction ${hash} reverted`);
    for (const v of pending) this.store.markClaimed(v.channelId, v.cumulativeAmount);
    // What the contract says it paid (the balance also moves with gas and other incoming transfers).
    const claimed = parseEventLogs({ abi: paymentChannelsAbi, eventName: "Claimed", logs: receipt.logs });
    const received = claimed.reduce((sum, log) => sum + log.args.amount, 0n);
    this.logger.info({ channels: pending.length, hash, wei: received.toString() }, "claimed payments");
    return received;
  }

  /** Registers on every served service where this provider is not registered (or has withdrawn), with `stake`. */
  private async registerWhereMissing(host: string, stake: bigint): Promise<void> {
    const wallet = createWalletClient({
      account: this.account,
      chain: { id: this.chainId } as Chain,
      transport: http(this.config.rpcUrl),
    });
    for (const service of this.config.services) {
      const status = await this.client.readContract({
        address: service,
        abi: verityServiceAbi,
        functionName: "statusOf",
        args: [this.account.address],
      });
      // 0 None, 3 Withdrawn: may register; Active/Exiting are registered; Slashed can never register again.
      if (status !== 0 && status !== 3) continue;
      const hash = await wallet.writeContract({
        address: service,
        abi: verityServiceAbi,
        functionName: "register",
        args: [host],
        value: stake,
        chain: { id: this.chainId } as Chain,
      });
      const receipt = await this.client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`registering on ${service} reverted (${hash})`);
      this.logger.info({ service, host, stake: stake.toString() }, "registered as a provider");
    }
  }

  /** verity_info: who this is and what it serves. */
  info(): Record<string, unknown> {
    return {
      version: PROVIDER_VERSION,
      address: this.account.address,
      chainId: this.chainId,
      arbitration: this.config.arbitration,
      services: this.catalog.all().map((s) => ({
        address: s.address,
        offchainChainId: s.offchainChainId.toString(),
        methods: [...s.methods.values()].map((m) => ({
          selector: m.selector,
          programHash: m.programHash,
          price: m.price.toString(),
        })),
      })),
      programs: this.programs.hashes(),
    };
  }

  /** verity_getResponse: the stored answer to a request. */
  async getResponse(params: unknown): Promise<CallAnswer> {
    const hash = Array.isArray(params) ? params[0] : undefined;
    if (typeof hash !== "string" || !isHex(hash, { strict: true }) || hash.length !== 66) {
      throw new ProviderRpcError(RpcErrorCode.InvalidParams, "params must be [requestHash] (0x and 64 hex digits)");
    }
    const stored = this.store.response(hash);
    const request = this.store.request(hash);
    if (stored === undefined || request === undefined) {
      throw new ProviderRpcError(RpcErrorCode.NotFound, `no response stored for request ${hash}`);
    }
    return this.answerOf(
      request.service,
      request.requester,
      request.selector,
      request.programHash,
      request.inputHash,
      stored,
    );
  }

  /** verity_call: validate, execute, sign, store, answer. The same request always gets the same answer. */
  async call(params: unknown): Promise<CallAnswer> {
    const first = Array.isArray(params) ? params[0] : undefined;
    const tx = typeof first === "object" && first !== null ? (first as { tx?: unknown }).tx : undefined;
    if (typeof tx !== "string") {
      throw new ProviderRpcError(
        RpcErrorCode.InvalidParams,
        'params must be [{ "tx": "0x<signed off-chain transaction>" }]',
      );
    }
    if ((tx.length - 2) / 2 > this.config.maxBodyBytes) {
      throw new ProviderRpcError(RpcErrorCode.InputTooLarge, "the transaction is larger than this provider accepts");
    }
    let call: OffchainCall;
    try {
      call = await this.decoder.decode(tx as Hex);
    } catch (error) {
      if (error instanceof OffchainCallError)
        throw new ProviderRpcError(RpcErrorCode.MalformedTransaction, error.message, { reason: error.code });
      throw error;
    }
    const replay = this.inflight.get(call.requestHash);
    if (replay !== undefined) return replay;
    const stored = this.store.response(call.requestHash);
    if (stored !== undefined) return this.getResponse([call.requestHash]);

    const voucher = (first as { voucher?: unknown }).voucher;
    const work = this.execute(call, voucher).finally(() => this.inflight.delete(call.requestHash));
    this.inflight.set(call.requestHash, work);
    return work;
  }

  private async execute(call: OffchainCall, rawVoucher: unknown): Promise<CallAnswer> {
    const service = this.catalog.get(call.service);
    if (service === undefined) {
      throw new ProviderRpcError(
        RpcErrorCode.UnknownService,
        `this provider does not serve ${call.service}; it serves ${this.config.services.join(", ")}`,
      );
    }
    if (BigInt(call.chainId) !== service.offchainChainId) {
      throw new ProviderRpcError(
        RpcErrorCode.WrongChainId,
        `the transaction is signed for chain ${call.chainId}; calls to ${service.address} must use its off-chain chain id ${service.offchainChainId}`,
      );
    }
    const method = service.methods.get(call.selector);
    if (method === undefined) {
      throw new ProviderRpcError(
        RpcErrorCode.UnknownMethod,
        `selector ${call.selector} is not a method of ${service.address}`,
      );
    }
    const voucher = method.price > 0n ? await this.vouchers.check(rawVoucher, call.requester, method.price) : undefined;
    let bundle: Awaited<ReturnType<ProgramStore["get"]>>;
    try {
      bundle = await this.programs.get(method.programHash);
    } catch (error) {
      if (error instanceof ProgramUnavailableError)
        throw new ProviderRpcError(RpcErrorCode.ProgramUnavailable, error.message);
      throw error;
    }
    const input = hexToBytes(call.input);
    const { manifest } = bundle;
    if (input.length > manifest.maxInput) {
      throw new ProviderRpcError(
        RpcErrorCode.InputTooLarge,
        `input is ${input.length} bytes; method ${call.selector} accepts at most ${manifest.maxInput}`,
      );
    }
    const limits = { maxSteps: manifest.maxSteps, memLimit: manifest.memLimit, maxOutput: manifest.maxOutput };
    let result: ExecutionResult;
    try {
      result = await this.run(method.programHash, bundle, input, limits, this.faultyFor(call.selector));
    } catch (error) {
      if (error instanceof ExecutionTimeoutError)
        throw new ProviderRpcError(RpcErrorCode.ExecutionTimeout, error.message);
      if (error instanceof PoolOverloadedError) throw new ProviderRpcError(RpcErrorCode.Overloaded, error.message);
      throw error;
    }
    this.metrics.executions.inc({ engine: result.engine, status: String(result.status) });

    const request = {
      requestHash: call.requestHash,
      service: service.address,
      requester: call.requester,
      selector: call.selector,
      programHash: method.programHash,
      inputHash: bytesToHex(inputHash(input)),
      rawTx: call.serialized,
      receivedAt: Date.now(),
    };
    const unsigned = {
      requestHash: call.requestHash,
      resultHash: bytesToHex(result.resultHash),
      status: result.status,
      exitCode: result.exitCode,
      output: bytesToHex(result.output),
      outputHash: bytesToHex(result.outputHash),
      signedAt: Date.now(),
    };
    // The store signs the response (EIP-712, this provider's key) and commits it; the signature comes back only
    // once durable: a dispute or fee claim can rely on everything we ever signed.
    const signature = await this.store.signAndSaveCall(
      request,
      unsigned,
      voucher === undefined ? undefined : { ...voucher, payer: call.requester, requestHash: call.requestHash },
      // This call is in `inflight`: alone when it is the only one.
      { alone: this.inflight.size <= 1 },
    );
    const storedResponse: StoredResponse = { ...unsigned, signature };
    return this.answerOf(
      service.address,
      call.requester,
      call.selector,
      method.programHash,
      request.inputHash,
      storedResponse,
    );
  }

  /** The faulty mode that applies to a call of `selector`, if any. */
  faultyFor(selector: Hex): FaultyMode | undefined {
    const faulty = this.config.faulty;
    if (faulty === undefined) return undefined;
    return faulty.selector === undefined || faulty.selector.toLowerCase() === selector.toLowerCase()
      ? faulty
      : undefined;
  }

  private async run(
    programHash: Hex,
    bundle: Awaited<ReturnType<ProgramStore["get"]>>,
    input: Uint8Array,
    limits: { maxSteps: bigint; memLimit: number; maxOutput: number },
    faulty: FaultyMode | undefined,
  ): Promise<ExecutionResult> {
    if (faulty?.kind === "corrupt-step") {
      return executeCorrupted(bundle.elf, input, limits, faulty.step, faulty.register ?? 10, faulty.mask ?? 1);
    }
    const honest = await this.pool.execute(programHash, { elf: bundle.elf, wasm: bundle.wasm }, input, limits);
    if (faulty?.kind === "wrong-output") return corruptOutput(honest);
    return honest;
  }

  private answerOf(
    service: Address,
    requester: Address,
    selector: Hex,
    programHash: Hex,
    inputHash: Hex,
    stored: StoredResponse,
  ): CallAnswer {
    return {
      provider: this.account.address,
      response: {
        service,
        requestHash: stored.requestHash,
        requester,
        selector,
        programHash,
        inputHash,
        resultHash: stored.resultHash,
      },
      signature: stored.signature,
      status: stored.status,
      exitCode: stored.exitCode,
      output: stored.output,
      outputHash: stored.outputHash,
    };
  }
}
