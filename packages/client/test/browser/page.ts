// Runs in Chromium: the SDK's browser entry doing what a web app does — verified discovery at a pinned block,
// a call that three providers agree on (re-executed locally from the provider's bundle), a call where one lies, and
// the dispute the client opens. The Node side of browser.test.ts checks every claim against the chain.
import { createVerityClient, DisagreementError, heliosHeader } from "@verity/client";
import { type Address, createPublicClient, type Hex, http, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

/** What the test passes in (all loopback addresses of its own devnet). */
export interface BrowserRunConfig {
  rpcUrl: string;
  service: Address;
  arbitration: Address;
  blockHash: Hex;
  userKey: Hex;
  honest: Address[];
  liar: Address;
}

/** What the page reports back: plain JSON, checked by the test against chain state. */
export interface BrowserRunResult {
  userAgent: string;
  providersProved: number;
  proofsChecked: number;
  agreed: { result: string; agreed: string[]; reexecuted: string | null; resultHash: string; requestHash: string };
  disagreement: { errorName: string; groups: string[][]; disputeId: string; requestHash: string };
  /** What asking for Helios does in a page where @a16z/helios is not installed. */
  helios: { errorName: string; message: string };
}

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);

async function run(config: BrowserRunConfig): Promise<BrowserRunResult> {
  const base = {
    rpcUrl: config.rpcUrl,
    chain: foundry,
    service: config.service,
    arbitration: config.arbitration,
    account: privateKeyToAccount(config.userKey),
    trust: { blockHash: config.blockHash },
    timeoutMs: 5000,
  } as const;
  const honest = createVerityClient({ ...base, providers: config.honest, redundancy: 3, reexecute: "native" });
  const state = await honest.discover();
  const agreed = await honest.call({ abi: echoAbi, functionName: "echo", args: [toHex("hello from the browser")] });
  const answer = agreed.report.answers.find((a) => a.provider === agreed.report.agreed[0]);

  const mixed = createVerityClient({ ...base, providers: [...config.honest.slice(0, 2), config.liar], redundancy: 3 });
  const error = await mixed
    .call({ abi: echoAbi, functionName: "echo", args: [toHex("who lies in the browser?")] })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof DisagreementError)) throw new Error(`expected a DisagreementError, got ${String(error)}`);
  const opened = await mixed.openDispute(error.report);
  const helios = await heliosHeader({ executionRpc: config.rpcUrl })
    .trustedHeader(createPublicClient({ transport: http(config.rpcUrl) }))
    .then(
      () => ({ errorName: "", message: "resolved" }),
      (e: unknown) => ({ errorName: (e as Error).name, message: (e as Error).message }),
    );
  return {
    userAgent: (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent ?? "",
    providersProved: state.providers.length,
    proofsChecked: state.proofsChecked,
    agreed: {
      result: agreed.result,
      agreed: [...agreed.report.agreed],
      reexecuted: agreed.report.reexecuted ?? null,
      resultHash: answer?.response.resultHash ?? "",
      requestHash: agreed.report.request.requestHash,
    },
    disagreement: {
      errorName: error.name,
      groups: error.report.groups.map((g) => [...g.providers]),
      disputeId: opened.disputeId.toString(),
      requestHash: error.report.request.requestHash,
    },
    helios,
  };
}

(globalThis as { verityBrowserRun?: typeof run }).verityBrowserRun = run;
