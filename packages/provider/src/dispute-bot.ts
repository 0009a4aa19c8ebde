// Plays every dispute that names this provider: commits its final state, posts dissection hashes, proves the
// disputed step, claims timeouts, settles, and withdraws its winnings. All game state lives on chain, so after a
// restart the bot picks up where the chain is (it only keeps a block cursor and the ids of its open disputes).
import { arbitrationAbi, type MatchView, matchesOf, nextMove, parseOffchainCall } from "@verity/protocol";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  bytesToHex,
  type Chain,
  type Hex,
  hexToBytes,
  isAddressEqual,
  type PublicClient,
  type Transport,
  type WalletClient,
  zeroHash,
} from "viem";
import { type ClaimTrace, recordClaimTrace } from "./claim-trace.js";
import type { FaultyMode } from "./config.js";
import { PollLoop } from "./poll-loop.js";
import type { ProgramStore } from "./program-store.js";
import type { ProviderStore } from "./store.js";

/** What the bot needs from its node. */
export interface DisputeBotDeps {
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  arbitration: Address;
  store: ProviderStore;
  programs: ProgramStore;
  logger: Logger;
  /** Demo/test misbehaviour for a method selector (undefined: honest). */
  faultyFor?: (selector: Hex) => FaultyMode | undefined;
}

const CURSOR_KEY = "dispute-bot:cursor";
const ACTIVE_KEY = "dispute-bot:active";

/** The dispute-playing loop of a provider. */
export class DisputeBot {
  private readonly traces = new Map<string, ClaimTrace>();
  private readonly loop = new PollLoop(
    () => this.poll(),
    (error) => this.deps.logger.error({ error: shortError(error) }, "dispute bot pass failed"),
  );
  private clockBudget: bigint | undefined;
  /** Moves sent, for logs and tests. */
  moves = 0;

  constructor(private readonly deps: DisputeBotDeps) {}

  private get me(): Address {
    return this.deps.wallet.account.address;
  }

  /** Polls every `intervalMs` until stopped. */
  start(intervalMs = 1000): void {
    this.loop.start(intervalMs);
  }

  /** Stops polling and waits for the pass in progress. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Open disputes this provider plays. */
  active(): bigint[] {
    return (JSON.parse(this.deps.store.getValue(ACTIVE_KEY) ?? "[]") as string[]).map(BigInt);
  }

  /** One pass: find new disputes naming us, then make every move that is due. */
  async poll(): Promise<void> {
    await this.discover();
    for (const id of this.active()) {
      try {
        await this.play(id);
      } catch (error) {
        this.deps.logger.warn(
          { error: shortError(error), disputeId: id.toString() },
          "dispute move failed; retrying next pass",
        );
      }
    }
  }

  private setActive(ids: bigint[]): void {
    this.deps.store.setValue(ACTIVE_KEY, JSON.stringify(ids.map(String)));
  }

  private async discover(): Promise<void> {
    const { client, arbitration, store } = this.deps;
    const from = BigInt(store.getValue(CURSOR_KEY) ?? "0");
    const to = await client.getBlockNumber();
    if (to < from) return;
    const opened = await client.getContractEvents({
      address: arbitration,
      abi: arbitrationAbi,
      eventName: "DisputeOpened",
      fromBlock: from,
      toBlock: to,
    });
    const active = this.active();
    for (const log of opened) {
      const id = log.args.disputeId;
      if (id === undefined || active.includes(id)) continue;
      const participants = await client.readContract({
        address: arbitration,
        abi: arbitrationAbi,
        functionName: "getParticipants",
        args: [id],
      });
      if (participants.some((p) => isAddressEqual(p.account, this.me))) {
        active.push(id);
        this.deps.logger.info(
          { disputeId: id.toString(), requestHash: log.args.requestHash },
          "dispute names this provider",
        );
      }
    }
    this.setActive(active);
    store.setValue(CURSOR_KEY, String(to + 1n));
  }

  private async trace(id: bigint, requestHash: Hex, length: bigint): Promise<ClaimTrace> {
    const key = id.toString();
    const cached = this.traces.get(key);
    if (cached !== undefined) return cached;
    const request = this.deps.store.request(requestHash);
    if (request === undefined) throw new Error(`dispute ${id}: request ${requestHash} is not in this provider's store`);
    const call = await parseOffchainCall(request.rawTx);
    const bundle = await this.deps.programs.get(request.programHash);
    const { manifest } = bundle;
    const started = Date.now();
    const trace = recordClaimTrace(
      bundle.elf,
      hexToBytes(call.input),
      { maxSteps: manifest.maxSteps, memLimit: manifest.memLimit, maxOutput: manifest.maxOutput },
      length,
      this.deps.faultyFor?.(request.selector),
    );
    this.deps.logger.info({ disputeId: key, ms: Date.now() - started }, "recorded the proving trace");
    this.traces.set(key, trace);
    return trace;
  }

  private async send(
    functionName: "commitFinal" | "bisect" | "proveStep" | "timeout" | "settle" | "withdraw",
    args: readonly unknown[],
  ): Promise<void> {
    const { wallet, client, arbitration } = this.deps;
    const hash = await wallet.writeContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName,
      args,
    } as Parameters<typeof wallet.writeContract>[0]);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
    this.moves++;
  }

  private async play(id: bigint): Promise<void> {
    const { client, arbitration, logger } = this.deps;
    const dispute = await client.readContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName: "getDispute",
      args: [id],
    });
    if (dispute.settled) {
      const balance = await client.readContract({
        address: arbitration,
        abi: arbitrationAbi,
        functionName: "balanceOf",
        args: [this.me],
      });
      if (balance > 0n) await this.send("withdraw", []);
      this.setActive(this.active().filter((d) => d !== id));
      this.traces.delete(id.toString());
      logger.info({ disputeId: id.toString(), withdrawn: balance.toString() }, "dispute settled");
      return;
    }
    if (dispute.openMatches === 0) {
      await this.send("settle", [id]);
      return;
    }
    this.clockBudget ??= BigInt(
      await client.readContract({ address: arbitration, abi: arbitrationAbi, functionName: "clockBudget" }),
    );
    const participants = await client.readContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName: "getParticipants",
      args: [id],
    });
    // The padded trace length T = 16^rounds; S_T is the final state.
    const length = 1n << BigInt(4 * dispute.rounds);
    const now = (await client.getBlock()).timestamp;
    for (const { a, b, side } of matchesOf(participants, this.me)) {
      const [m, width] = await client.readContract({
        address: arbitration,
        abi: arbitrationAbi,
        functionName: "getMatch",
        args: [id, BigInt(a), BigInt(b)],
      });
      const view: MatchView = {
        phase: m.phase as MatchView["phase"],
        roundsDone: m.roundsDone,
        movedA: m.movedA,
        movedB: m.movedB,
        lostA: m.lostA,
        lostB: m.lostB,
        lo: m.lo,
        roundStart: m.roundStart === 0 ? BigInt(dispute.openedAt) : BigInt(m.roundStart),
        usedA: BigInt(m.usedA),
        usedB: BigInt(m.usedB),
        start: m.roundsDone === 0 ? dispute.initialState : m.start,
        endA: m.endA,
        endB: m.endB,
        pending: m.pending,
        width,
      };
      const move = nextMove(view, side, this.clockBudget, now);
      const ids = [id, BigInt(a), BigInt(b)] as const;
      switch (move.kind) {
        case "commitFinal": {
          const trace = await this.trace(id, dispute.requestHash, length);
          await this.send("commitFinal", [...ids, bytesToHex(trace.finalState())]);
          logger.info({ disputeId: id.toString(), a, b }, "committed the final state");
          break;
        }
        case "bisect": {
          const trace = await this.trace(id, dispute.requestHash, length);
          const mine = move.steps.map((s) => trace.stateHashAt(s));
          const theirs = move.second
            ? await this.opponentHashes(id, a, b, side === 0 ? 1 : 0, view.roundsDone)
            : Array<Hex>(15).fill(zeroHash);
          await this.send("bisect", [...ids, mine, theirs]);
          logger.info(
            { disputeId: id.toString(), a, b, round: view.roundsDone, lo: view.lo.toString(), width: width.toString() },
            "posted dissection hashes",
          );
          break;
        }
        case "proveStep": {
          const trace = await this.trace(id, dispute.requestHash, length);
          const { preState, proof } = trace.witnessAt(move.stepIndex);
          await this.send("proveStep", [...ids, bytesToHex(preState), bytesToHex(proof)]);
          logger.info({ disputeId: id.toString(), a, b, step: move.stepIndex.toString() }, "proved the disputed step");
          break;
        }
        case "timeout":
          await this.send("timeout", ids);
          logger.info({ disputeId: id.toString(), a, b }, "claimed the opponent's timeout");
          break;
        default:
          break;
      }
    }
  }

  private async opponentHashes(id: bigint, a: number, b: number, side: number, round: number): Promise<Hex[]> {
    const logs = await this.deps.client.getContractEvents({
      address: this.deps.arbitration,
      abi: arbitrationAbi,
      eventName: "HashesPosted",
      args: { disputeId: id },
      fromBlock: 0n,
      toBlock: "latest",
    });
    const posted = logs.find(
      (l) =>
        l.args.a === BigInt(a) &&
        l.args.b === BigInt(b) &&
        l.args.side === BigInt(side) &&
        l.args.round === BigInt(round),
    );
    if (posted?.args.hashes === undefined)
      throw new Error(`dispute ${id}: the opponent's round-${round} hashes are not in the logs yet`);
    return [...posted.args.hashes];
  }
}

/** viem errors carry pages of context; logs keep the first line and the revert reason. */
function shortError(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; metaMessages?: string[] };
  return [e.shortMessage ?? e.message?.split("\n")[0] ?? String(error), ...(e.metaMessages ?? []).slice(0, 2)].join(
    " ",
  );
}
