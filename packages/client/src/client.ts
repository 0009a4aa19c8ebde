// createVerityClient: verified discovery, random provider choice, parallel calls with fallback, verification of every
// answer, grouping by result, and the dispute and payment hooks.

import { type SignedVoucher, signOffchainCall } from "@verity/protocol";
import { inputHash } from "@verity/vm";
import {
  type Abi,
  type AbiStateMutability,
  type Account,
  type Address,
  bytesToHex,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionParameters,
  type ContractFunctionReturnType,
  createPublicClient,
  createWalletClient,
  custom,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  type Hex,
  hexToBytes,
  http,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  type PublicClient,
  slice,
  type Transport,
  type WalletClient,
} from "viem";
import { type Channels, createChannels, type VoucherStore } from "./channels.js";
import { discoverService, type ServiceState } from "./discover.js";
import { type OpenedDispute, openDispute, waitForVerifiedResult } from "./dispute.js";
import {
  AllProvidersFailedError,
  ConfigError,
  DisagreementError,
  NoAccountError,
  NoEligibleProvidersError,
  PaymentError,
  ProgramHaltedError,
  UnknownMethodError,
} from "./errors.js";
import { type HeaderSource, type HeliosConfig, heliosHeader, nodeHeader, pinnedHeader } from "./header.js";
import { type CallParams, ProviderCallError, providerRequest } from "./provider-rpc.js";
import { nativeReexecutor, type Reexecutor } from "./reexecute.js";
import type { AttemptRole, CallReport, ProviderAttempt, RequestInfo, ResultGroup, SignedAnswer } from "./report.js";
import { randomUnit, shuffle } from "./select.js";
import { InvalidAnswerError, verifyAnswer } from "./verify.js";

// Provider error codes (docs/protocol.md) after which a voucher was refused, not spent.
const PAYMENT_REQUIRED = 1006;
const INVALID_VOUCHER = 1007;

/** Where the client gets the header it trusts. */
export type TrustOption =
  | HeaderSource
  /** Trust the RPC node itself: local devnet only (warns loudly). */
  | "node"
  /** A pinned block hash (a checkpoint obtained out of band). */
  | { blockHash: Hex }
  /** A Helios light client (`@a16z/helios`, optional dependency). */
  | { helios: HeliosConfig };

/** Options of createVerityClient. */
export interface VerityClientOptions {
  /** The Ethereum RPC the proofs come from (untrusted). Give this or rpcUrl. */
  publicClient?: PublicClient;
  rpcUrl?: string;
  chain: Chain;
  /** The Service contract. */
  service: Address;
  /** The Arbitration contract (EIP-712 domain of responses; where disputes are opened). */
  arbitration?: Address;
  /** Signs off-chain calls, vouchers and dispute transactions. */
  account?: LocalAccount;
  /** Answers wanted per call (k); default 3. */
  redundancy?: number;
  trust: TrustOption;
  /** Per-provider timeout, milliseconds; default 10000. */
  timeoutMs?: number;
  /** Ask one provider, and a second with this probability (overrides redundancy). */
  spotCheck?: { probability: number };
  /**
   * Re-executes every agreed call locally and refuses a result that differs: "native" fetches the program bundle
   * from an answering provider, checks it against the proved program hash and runs it (native image, proving VM when
   * needed); or a function of your own returning the result hash.
   */
  reexecute?: "native" | Reexecutor;
  /** Only ever ask these providers (an allow list). */
  providers?: readonly Address[];
  /** PaymentChannels contract, for priced methods. */
  paymentChannels?: Address;
  /** Where signed cumulative voucher amounts are kept; default in memory. */
  voucherStore?: VoucherStore;
  /** Receives the client's warnings (default console.warn). */
  warn?: (message: string) => void;
}

/** The abi, function name and arguments of a call, typed from the ABI as viem's readContract. */
export type VerityCallParameters<
  abi extends Abi | readonly unknown[],
  functionName extends ContractFunctionName<abi, AbiStateMutability>,
  args extends ContractFunctionArgs<abi, AbiStateMutability, functionName>,
> = Omit<ContractFunctionParameters<abi, AbiStateMutability, functionName, args>, "address">;

/** What a call returns: the decoded result and how it was verified. */
export interface VerityCallResult<result> {
  result: result;
  report: CallReport;
}

/** A Verity client bound to one service. */
export interface VerityClient {
  readonly service: Address;
  readonly publicClient: PublicClient;
  /** Calls a service method on k providers, verifies, and returns the agreed decoded result. */
  call<
    const abi extends Abi | readonly unknown[],
    functionName extends ContractFunctionName<abi, AbiStateMutability>,
    const args extends ContractFunctionArgs<abi, AbiStateMutability, functionName>,
  >(
    parameters: VerityCallParameters<abi, functionName, args>,
  ): Promise<VerityCallResult<ContractFunctionReturnType<abi, AbiStateMutability, functionName, args>>>;
  /** Verified discovery of the service at the trusted header (providers, methods for `selectors`). */
  discover(selectors?: readonly Hex[]): Promise<ServiceState>;
  /** Opens a dispute on Arbitration from a disagreement's report; resolves with the dispute id once mined. */
  openDispute(report: CallReport): Promise<OpenedDispute>;
  /** Waits until a dispute records the verified result of a request; returns its result hash. */
  waitForVerifiedResult(requestHash: Hex, options?: { timeoutMs?: number; pollMs?: number }): Promise<Hex>;
  /** Payment channels of the account (needs account and paymentChannels). */
  readonly channels: Channels | undefined;
}

function headerSource(trust: TrustOption, warn: (m: string) => void): HeaderSource {
  if (trust === "node") return nodeHeader({ warn });
  if ("blockHash" in trust) return pinnedHeader(trust.blockHash);
  if ("helios" in trust) return heliosHeader(trust.helios);
  return trust;
}

/** Creates a client for one Verity service. */
export function createVerityClient(options: VerityClientOptions): VerityClient {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const reexecute = options.reexecute === "native" ? nativeReexecutor() : options.reexecute;
  if (options.publicClient === undefined && options.rpcUrl === undefined) {
    throw new ConfigError("give publicClient or rpcUrl: the Ethereum RPC the client reads proofs from");
  }
  const publicClient =
    options.publicClient ??
    (createPublicClient({ chain: options.chain, transport: http(options.rpcUrl) }) as PublicClient);
  const service = getAddress(options.service);
  const redundancy = options.redundancy ?? 3;
  if (!Number.isInteger(redundancy) || redundancy < 1 || redundancy > 16) {
    throw new ConfigError(`redundancy must be an integer in 1..16, got ${redundancy}`);
  }
  const p = options.spotCheck?.probability;
  if (p !== undefined && !(p >= 0 && p <= 1))
    throw new ConfigError(`spotCheck.probability must be in [0, 1], got ${p}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!(timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive, got ${timeoutMs}`);
  const source = headerSource(options.trust, warn);
  const allowed = options.providers?.map((a) => getAddress(a));
  const chainId = options.chain.id;
  const account = options.account;

  const walletClient: WalletClient<Transport, Chain, Account> | undefined =
    account === undefined
      ? undefined
      : createWalletClient({
          account,
          chain: options.chain,
          transport: options.rpcUrl !== undefined ? http(options.rpcUrl) : custom({ request: publicClient.request }),
        });

  const channels =
    account !== undefined && walletClient !== undefined && options.paymentChannels !== undefined
      ? createChannels({
          address: options.paymentChannels,
          chainId,
          account,
          publicClient,
          walletClient,
          ...(options.voucherStore !== undefined ? { store: options.voucherStore } : {}),
        })
      : undefined;

  let arbitration: Address | undefined =
    options.arbitration === undefined ? undefined : getAddress(options.arbitration);
  const arbitrationAddress = async (): Promise<Address> => {
    if (arbitration !== undefined) return arbitration;
    if (source.kind !== "node") {
      throw new ConfigError(
        "pass `arbitration`: it is the EIP-712 domain of provider signatures and cannot be proved from storage",
      );
    }
    // Devnet only (trust "node"): the node is trusted anyway, so its eth_call is no weaker.
    arbitration = getAddress(
      (await publicClient.readContract({
        address: service,
        abi: [
          {
            type: "function",
            name: "arbitration",
            inputs: [],
            outputs: [{ type: "address" }],
            stateMutability: "view",
          },
        ],
        functionName: "arbitration",
      })) as Address,
    );
    return arbitration;
  };

  // Discovery is cached per trusted block: a pinned header is read once, a moving one once per block.
  let cached: { hash: Hex; selectors: Set<string>; state: ServiceState } | undefined;
  const discover = async (selectors: readonly Hex[] = []): Promise<ServiceState> => {
    const header = await source.trustedHeader(publicClient);
    const wanted = selectors.map((s) => s.toLowerCase());
    if (cached !== undefined && cached.hash === header.hash && wanted.every((s) => cached?.selectors.has(s))) {
      return cached.state;
    }
    const all = [...new Set([...(cached?.hash === header.hash ? cached.selectors : []), ...wanted])] as Hex[];
    const state = await discoverService(publicClient, header, service, all);
    cached = { hash: header.hash, selectors: new Set(all), state };
    return state;
  };

  let lastNonce = 0;
  const nextNonce = () => {
    // Unique per client even for calls in the same millisecond, so equal calldata never shares a request hash.
    lastNonce = Math.max(lastNonce + 1, Date.now() * 1000);
    return lastNonce;
  };

  async function call(parameters: { abi: Abi | readonly unknown[]; functionName: string; args?: readonly unknown[] }) {
    if (account === undefined) throw new NoAccountError("an off-chain call (the requester signs it)");
    const data = encodeFunctionData({
      abi: parameters.abi as Abi,
      functionName: parameters.functionName,
      args: parameters.args ?? [],
    } as Parameters<typeof encodeFunctionData>[0]);
    const selector = slice(data, 0, 4).toLowerCase() as Hex;
    const [state, domainArbitration] = await Promise.all([discover([selector]), arbitrationAddress()]);
    const method = state.methods.get(selector);
    if (method === undefined || BigInt(method.programHash) === 0n) throw new UnknownMethodError(service, selector);
    const eligible = state.providers.filter(
      (pr) => pr.eligible && (allowed === undefined || allowed.some((a) => isAddressEqual(a, pr.address))),
    );
    const spot = options.spotCheck !== undefined;
    const spotCheckDrawn = spot ? randomUnit() < (options.spotCheck?.probability ?? 0) : undefined;
    const wanted = spot ? (spotCheckDrawn ? 2 : 1) : redundancy;
    if (eligible.length === 0 || (!spot && eligible.length < wanted)) {
      throw new NoEligibleProvidersError(
        service,
        state.providers.length,
        `${eligible.length} eligible, ${wanted} needed; ${state.providers.length - state.providers.filter((x) => x.eligible).length} inactive or under-staked${allowed !== undefined ? ", filter applied" : ""}`,
      );
    }
    const count = Math.min(wanted, eligible.length);
    const tx = await signOffchainCall({
      account,
      service,
      offchainChainId: state.offchainChainId,
      data,
      nonce: nextNonce(),
    });
    const request: RequestInfo = {
      requestHash: keccak256(tx),
      requester: account.address,
      service,
      selector,
      programHash: method.programHash,
      inputHash: bytesToHex(inputHash(hexToBytes(data))),
      input: data,
      tx,
    };
    if (method.price > 0n && channels === undefined) {
      throw new PaymentError(
        `method ${selector} costs ${method.price} wei per call: pass account and paymentChannels, and deposit into each provider's channel`,
      );
    }
    const domain = { chainId, arbitration: domainArbitration };
    const order = shuffle(eligible);
    const queue = order.slice(count);
    const attempts: ProviderAttempt[] = [];
    const answers: SignedAnswer[] = [];
    let signaturesChecked = 0;

    const attempt = async (provider: (typeof eligible)[number], role: AttemptRole): Promise<boolean> => {
      const started = Date.now();
      const record: ProviderAttempt = {
        provider: provider.address,
        host: provider.host,
        role,
        outcome: "error",
        latencyMs: 0,
      };
      attempts.push(record);
      let voucher: SignedVoucher | undefined;
      try {
        const params: CallParams = { tx };
        if (method.price > 0n && channels !== undefined) {
          const v = await channels.nextVoucher(provider.address, method.price);
          voucher = v;
          params.voucher = {
            channelId: v.channelId,
            cumulativeAmount: v.cumulativeAmount.toString(),
            signature: v.signature,
          };
        }
        const raw = await providerRequest(provider.host, "verity_call", [params], timeoutMs);
        const answer = await verifyAnswer(raw, provider.address, request, domain);
        signaturesChecked++;
        answers.push(answer);
        record.outcome = "answered";
        record.resultHash = answer.response.resultHash;
        return true;
      } catch (error) {
        if (error instanceof ProviderCallError) {
          record.outcome = error.kind;
          if (error.code !== undefined) record.errorCode = error.code;
          if (voucher !== undefined && (error.code === PAYMENT_REQUIRED || error.code === INVALID_VOUCHER)) {
            await channels?.refund(voucher, method.price);
          }
        } else if (error instanceof InvalidAnswerError) {
          record.outcome = "invalid";
        }
        record.error = (error as Error).message;
        return false;
      } finally {
        record.latencyMs = Date.now() - started;
      }
    };
    // Each slot asks its provider and, on failure or silence, the next unused one, until it has a valid answer.
    await Promise.all(
      order.slice(0, count).map(async (first, i) => {
        let next: (typeof eligible)[number] | undefined = first;
        let role: AttemptRole = spot && i === 1 ? "spot-check" : "primary";
        while (next !== undefined) {
          if (await attempt(next, role)) return;
          next = queue.shift();
          role = "fallback";
        }
      }),
    );

    const groups = groupAnswers(answers);
    const report: CallReport = {
      request,
      discovery: {
        blockNumber: state.header.number,
        blockHash: state.header.hash,
        stateRoot: state.header.stateRoot,
        headerSource: state.header.source,
        proofsChecked: state.proofsChecked,
        listed: state.providers.length,
        eligible: eligible.length,
      },
      wanted: count,
      attempts,
      groups,
      agreed: groups.length === 1 ? [...(groups[0] as ResultGroup).providers] : [],
      signaturesChecked,
      registrationsChecked: answers.filter((a) => eligible.some((e) => isAddressEqual(e.address, a.provider))).length,
      answers,
      pricePerProvider: method.price,
      ...(spotCheckDrawn !== undefined ? { spotCheckDrawn } : {}),
    };
    if (groups.length > 1) throw new DisagreementError(report);
    if (answers.length < count) throw new AllProvidersFailedError(report, count);
    const agreed = answers[0] as SignedAnswer;
    if (reexecute !== undefined) {
      const hosts = attempts.filter((a) => a.outcome === "answered").map((a) => a.host);
      report.reexecuted = await reexecute({ programHash: method.programHash, input: data, hosts });
      if (report.reexecuted.toLowerCase() !== agreed.response.resultHash.toLowerCase()) {
        report.agreed = [];
        throw new DisagreementError(report);
      }
    }
    if (agreed.status !== 1) throw new ProgramHaltedError(report, agreed.status);
    const result = decodeFunctionResult({
      abi: parameters.abi as Abi,
      functionName: parameters.functionName,
      data: agreed.output,
    } as Parameters<typeof decodeFunctionResult>[0]);
    return { result, report };
  }

  return {
    service,
    publicClient,
    call: call as VerityClient["call"],
    discover,
    channels,
    async openDispute(report) {
      if (walletClient === undefined) throw new NoAccountError("opening a dispute (it is an on-chain transaction)");
      return openDispute({ arbitration: await arbitrationAddress(), publicClient, walletClient, report });
    },
    async waitForVerifiedResult(requestHash, waitOptions = {}) {
      return waitForVerifiedResult({
        arbitration: await arbitrationAddress(),
        publicClient,
        headerSource: source,
        service,
        requestHash,
        timeoutMs: waitOptions.timeoutMs ?? 600_000,
        ...(waitOptions.pollMs !== undefined ? { pollMs: waitOptions.pollMs } : {}),
      });
    },
  };
}

/** Groups valid answers by result hash, largest group first. */
export function groupAnswers(answers: readonly SignedAnswer[]): ResultGroup[] {
  const map = new Map<string, ResultGroup>();
  for (const a of answers) {
    const key = a.response.resultHash.toLowerCase();
    const g = map.get(key) ?? {
      resultHash: a.response.resultHash,
      status: a.status,
      exitCode: a.exitCode,
      providers: [],
    };
    g.providers.push(a.provider);
    map.set(key, g);
  }
  return [...map.values()].sort((x, y) => y.providers.length - x.providers.length);
}
