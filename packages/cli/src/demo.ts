// `verity demo`: the whole protocol on a devnet of its own, told as a transcript. Every claim the transcript makes
// is checked against the chain; the demo fails (exit 1) if any check does not hold.
import { createVerityClient, DisagreementError, type VerityClient } from "@verity/client";
import { arbitrationAbi, verityServiceAbi } from "@verity/protocol";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  formatEther,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseAbi,
  toFunctionSelector,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Devnet, startDevnet } from "./devnet.js";
import type { DevnetInfo } from "./devnet-info.js";

/** Options of the demo. */
export interface DemoOptions {
  /** Where the transcript goes (default: stdout). */
  out?: (line: string) => void;
  /** Folder for the demo's devnet state (default ".verity/demo"). */
  stateDir?: string;
  /** Called with the outcome while the devnet still runs (tests check the transcript's claims against the chain). */
  beforeStop?: (outcome: DemoOutcome) => Promise<void>;
}

/** What the demo established, for tests that check the transcript's claims against the chain. */
export interface DemoOutcome {
  ok: boolean;
  failures: string[];
  info: DevnetInfo;
  agreed: { requestHash: Hex; result: Hex; providers: Address[] };
  dispute: {
    id: bigint;
    requestHash: Hex;
    liar: Address;
    honest: Address[];
    honestResult: Hex;
    rounds: number;
    provedStep: bigint;
  };
}

const keccakAbi = parseAbi(["function hash(bytes data) returns (bytes32)"]);
const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const ECHO_SELECTOR = toFunctionSelector("function echo(bytes data) returns (bytes)");
const ProviderStatusName = ["None", "Active", "Exiting", "Withdrawn", "Slashed"] as const;

/** Runs the demo and returns what it established; `ok` is false when any check failed. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  const t = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
  const say = (line = "") => out(line === "" ? "" : `${t()} ${line}`);
  const failures: string[] = [];
  const check = (condition: boolean, claim: string) => {
    say(`${condition ? "✓" : "✗"} ${claim}`);
    if (!condition) failures.push(claim);
  };

  say("Verity demo: a verifiable service call, a lie, and the fraud proof that catches it.");
  say("Starting a devnet: anvil, the Verity contracts, the example services, 4 provider processes.");
  say("Provider #4 is started in FAULTY mode: on echo calls it corrupts one register at one step of its run.");
  const devnet: Devnet = await startDevnet({
    providers: 4,
    stateDir: options.stateDir ?? ".verity/demo",
    faulty: [{ index: 3, mode: { kind: "corrupt-step", step: 60, register: 10, selector: ECHO_SELECTOR } }],
    disputePollMs: 250,
  });
  try {
    const outcome = await story(devnet.info, say, check, failures);
    await options.beforeStop?.(outcome);
    return outcome;
  } finally {
    say("Stopping the devnet.");
    await devnet.stop();
  }
}

async function story(
  info: DevnetInfo,
  say: (line?: string) => void,
  check: (condition: boolean, claim: string) => void,
  failures: string[],
): Promise<DemoOutcome> {
  const chain = defineChain({
    id: info.chainId,
    name: "Verity devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [info.rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(info.rpcUrl) }) as PublicClient;
  const user = privateKeyToAccount(info.accounts.user.privateKey);
  const keccakService = serviceAddress(info, "keccak");
  const echoService = serviceAddress(info, "echo");
  const arbitration = info.contracts.arbitration;
  const liar = info.providers[3]!.address;
  say(`RPC ${info.rpcUrl} (chain ${info.chainId}); Arbitration ${arbitration}`);
  for (const [i, p] of info.providers.entries())
    say(`  provider #${i + 1} ${p.address} at ${p.url}${p.address === liar ? "  (faulty)" : ""}`);

  const stakesBefore = await stakes(publicClient, echoService, info);
  const userBefore = await publicClient.getBalance({ address: user.address });
  say();

  // 1. Verified discovery.
  say("1. Discovery with verified reads");
  const keccakClient: VerityClient = createVerityClient({
    publicClient,
    chain,
    service: keccakService,
    arbitration,
    account: user,
    redundancy: 3,
    trust: "node",
    warn: (message) => say(`  (warning) ${message}`),
  });
  const state = await keccakClient.discover([toFunctionSelector("function hash(bytes data) returns (bytes32)")]);
  say(
    `  the provider list, hosts, stakes and methods of KeccakService were read with eth_getProof at block ${state.header.number}`,
  );
  check(
    state.providers.length === info.providers.length,
    `${state.providers.length} providers proved against the state root ${short(state.header.stateRoot)}`,
  );
  say();

  // 2. An agreeing call.
  say("2. A call answered by three providers that agree");
  const message = toHex("hello, verifiable world");
  const agreedCall = await keccakClient.call({ abi: keccakAbi, functionName: "hash", args: [message] });
  const answered = agreedCall.report.attempts.filter((a) => a.outcome === "answered");
  for (const a of answered) say(`  ${a.provider} answered in ${a.latencyMs.toFixed(0)} ms`);
  check(
    answered.length === 3 && agreedCall.report.groups.length === 1,
    "3 providers answered and all signed the same result",
  );
  check(
    agreedCall.result === keccak256(message),
    `the result ${short(agreedCall.result)} is keccak-256 of the input (checked locally)`,
  );
  check(
    agreedCall.report.signaturesChecked >= 3,
    "every EIP-712 signature recovered to a registered provider; nothing touched the chain",
  );
  say();

  // 3. A lie.
  say("3. A call where one provider lies");
  const echoClient = createVerityClient({
    publicClient,
    chain,
    service: echoService,
    arbitration,
    account: user,
    redundancy: 4,
    trust: "node",
    warn: () => undefined,
  });
  const payload = toHex("a request whose answer someone will get wrong");
  let disagreement: DisagreementError | undefined;
  try {
    await echoClient.call({ abi: echoAbi, functionName: "echo", args: [payload] });
  } catch (error) {
    if (!(error instanceof DisagreementError)) throw error;
    disagreement = error;
  }
  check(disagreement !== undefined, "the client saw two different signed results and refused to pick one");
  if (disagreement === undefined) throw new Error("no disagreement: the faulty provider did not lie");
  const report = disagreement.report;
  for (const g of report.groups) say(`  result ${short(g.resultHash)} signed by ${g.providers.join(", ")}`);
  const honestGroup = report.groups.find((g) => !g.providers.includes(liar))!;
  say();

  // 4. The dispute.
  say("4. The client opens a dispute on chain");
  const opened = await echoClient.openDispute(report);
  say(`  dispute #${opened.disputeId} opened in transaction ${short(opened.transactionHash)}`);
  const participants = await publicClient.readContract({
    address: arbitration,
    abi: arbitrationAbi,
    functionName: "getParticipants",
    args: [opened.disputeId],
  });
  for (const [i, p] of participants.entries()) {
    const n = info.providers.findIndex((x) => x.address === p.account) + 1;
    say(`  participant ${i} = provider #${n} claims ${short(p.resultHash)}`);
  }
  say("  every participant plays every other one with a different result; their bots move on their own");
  const dispute = await narrate(publicClient, arbitration, opened.disputeId, say);
  check(dispute.settled, `the dispute was settled after ${dispute.rounds} dissection rounds per match`);
  const verified = await echoClient.waitForVerifiedResult(report.request.requestHash, { timeoutMs: 30_000 });
  check(
    verified === honestGroup.resultHash,
    `the verified result recorded on chain is the honest one (${short(verified)})`,
  );
  say();

  // 5. Balances.
  say("5. Stakes and balances");
  const stakesAfter = await stakes(publicClient, echoService, info);
  for (const [i, p] of info.providers.entries()) {
    const b = stakesBefore.get(p.address)!;
    const a = stakesAfter.get(p.address)!;
    say(
      `  provider #${i + 1}: stake ${formatEther(b.stake)} → ${formatEther(a.stake)} ETH, status ${ProviderStatusName[b.status]} → ${ProviderStatusName[a.status]}`,
    );
  }
  check(
    stakesAfter.get(liar)!.status === 4 && stakesAfter.get(liar)!.stake === 0n,
    "the liar's whole stake was slashed",
  );
  check(
    honestGroup.providers.every((p) => stakesAfter.get(p)!.status === 1),
    "every honest provider is still active with its stake",
  );
  const credit = await publicClient.readContract({
    address: arbitration,
    abi: arbitrationAbi,
    functionName: "balanceOf",
    args: [user.address],
  });
  check(credit > 0n, `the requester is owed ${formatEther(credit)} ETH compensation`);
  const wallet = createWalletClient({ chain, transport: http(info.rpcUrl), account: user });
  const withdrawHash = await wallet.writeContract({
    address: arbitration,
    abi: arbitrationAbi,
    functionName: "withdraw",
  });
  await publicClient.waitForTransactionReceipt({ hash: withdrawHash });
  const userAfter = await publicClient.getBalance({ address: user.address });
  say(
    `  requester balance: ${formatEther(userBefore)} → ${formatEther(userAfter)} ETH (after paying gas for the dispute)`,
  );
  check(
    (await publicClient.readContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName: "balanceOf",
      args: [user.address],
    })) === 0n,
    "the requester withdrew its compensation",
  );
  say();
  say(
    failures.length === 0
      ? "Every step did what it says."
      : `${failures.length} check(s) failed: ${failures.join("; ")}`,
  );
  return {
    ok: failures.length === 0,
    failures,
    info,
    agreed: {
      requestHash: agreedCall.report.request.requestHash,
      result: agreedCall.result,
      providers: answered.map((a) => a.provider),
    },
    dispute: {
      id: opened.disputeId,
      requestHash: report.request.requestHash,
      liar,
      honest: honestGroup.providers,
      honestResult: honestGroup.resultHash,
      rounds: dispute.rounds,
      provedStep: dispute.provedStep,
    },
  };
}

/** Follows a dispute's events until it is settled, printing each move. */
async function narrate(
  client: PublicClient,
  arbitration: Address,
  id: bigint,
  say: (line: string) => void,
): Promise<{ settled: boolean; rounds: number; provedStep: bigint }> {
  const deadline = Date.now() + 180_000;
  let from = 0n;
  let rounds = 0;
  let provedStep = -1n;
  const narrowings = new Map<string, number>();
  while (Date.now() < deadline) {
    const to = await client.getBlockNumber();
    if (to >= from) {
      const logs = await client.getContractEvents({
        address: arbitration,
        abi: arbitrationAbi,
        fromBlock: from,
        toBlock: to,
      });
      for (const log of logs) {
        const args = log.args as Record<string, unknown>;
        if (args.disputeId !== id) continue;
        switch (log.eventName) {
          case "FinalStateCommitted":
            say(
              `  match ${args.a}-${args.b}: side ${args.side} committed its final state ${short(args.stateHash as Hex)}`,
            );
            break;
          case "IntervalNarrowed": {
            const width = args.width as bigint;
            // The first narrowing of a match is the whole trace (after both final states); each later one is a round.
            const key = `${args.a}-${args.b}`;
            narrowings.set(key, (narrowings.get(key) ?? 0) + 1);
            rounds = Math.max(rounds, narrowings.get(key)! - 1);
            say(
              `  match ${args.a}-${args.b}: the sides disagree first within steps [${args.lo}, ${(args.lo as bigint) + width}] (width ${width})`,
            );
            break;
          }
          case "StepProved":
            provedStep = args.stepIndex as bigint;
            say(
              `  match ${args.a}-${args.b}: one-step proof of step ${args.stepIndex} executed on chain → post-state ${short(args.postState as Hex)}`,
            );
            break;
          case "MatchDecided":
            say(
              `  match ${args.a}-${args.b} decided: ${args.lostA ? "side a lost" : "side a won"}, ${args.lostB ? "side b lost" : "side b won"}${args.byTimeout ? " (timeout)" : ""}`,
            );
            break;
          case "Slashed":
            say(`  slashed ${args.account}: ${formatEther(args.amount as bigint)} ETH`);
            break;
          case "DisputeSettled":
            say(`  dispute settled: pot ${formatEther(args.pot as bigint)} ETH, ${args.winners} winner(s)`);
            return { settled: true, rounds, provedStep };
        }
      }
      from = to + 1n;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { settled: false, rounds, provedStep };
}

async function stakes(client: PublicClient, service: Address, info: DevnetInfo) {
  const result = new Map<Address, { stake: bigint; status: number }>();
  for (const p of info.providers) {
    const stake = await client.readContract({
      address: service,
      abi: verityServiceAbi,
      functionName: "stakeOf",
      args: [p.address],
    });
    const status = await client.readContract({
      address: service,
      abi: verityServiceAbi,
      functionName: "statusOf",
      args: [p.address],
    });
    result.set(p.address, { stake, status: Number(status) });
  }
  return result;
}

function serviceAddress(info: DevnetInfo, name: string): Address {
  const service = info.services.find((s) => s.name === name);
  if (service === undefined) throw new Error(`the devnet has no ${name} service`);
  return service.address;
}

function short(hex: Hex): string {
  return `${hex.slice(0, 10)}…${hex.slice(-4)}`;
}
