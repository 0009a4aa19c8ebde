// Disputes from the client's side: open one on Arbitration from the evidence of a disagreement, and wait for the
// verified result it records.
import { arbitrationAbi } from "@verity/protocol";
import {
  type Account,
  type Address,
  type Chain,
  decodeEventLog,
  encodeAbiParameters,
  type Hex,
  keccak256,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import { DisputeError } from "./errors.js";
import type { HeaderSource, TrustedHeader } from "./header.js";
import { readProvedStorage } from "./proof.js";
import type { CallReport, SignedAnswer } from "./report.js";

/** Arbitration.MAX_PARTICIPANTS: responses one dispute accepts. */
export const MAX_DISPUTE_RESPONSES = 16;

/** A dispute opened on chain. */
export interface OpenedDispute {
  disputeId: bigint;
  transactionHash: Hex;
}

/** Picks the responses for `open`: one per provider, at most 16, keeping every distinct result. */
export function disputeResponses(answers: readonly SignedAnswer[]): SignedAnswer[] {
  const byResult = new Map<string, SignedAnswer[]>();
  for (const a of answers) {
    const key = a.response.resultHash.toLowerCase();
    byResult.set(key, [...(byResult.get(key) ?? []), a]);
  }
  if (byResult.size < 2)
    throw new DisputeError("a dispute needs at least two different signed results; these answers agree");
  // Round-robin over results so every claim is represented even when truncating to 16.
  const lists = [...byResult.values()];
  const out: SignedAnswer[] = [];
  for (let i = 0; out.length < MAX_DISPUTE_RESPONSES; i++) {
    let added = false;
    for (const list of lists) {
      const a = list[i];
      if (a !== undefined && out.length < MAX_DISPUTE_RESPONSES) {
        out.push(a);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

/** Calls Arbitration.open with the report's signed responses and input; resolves with the dispute id once mined. */
export async function openDispute(parameters: {
  arbitration: Address;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  report: CallReport;
}): Promise<OpenedDispute> {
  const { arbitration, publicClient, walletClient, report } = parameters;
  const responses = disputeResponses(report.answers);
  const req = {
    requestHash: report.request.requestHash,
    requester: report.request.requester,
    selector: report.request.selector,
    programHash: report.request.programHash,
    inputHash: report.request.inputHash,
  };
  let hash: Hex;
  try {
    hash = await walletClient.writeContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName: "open",
      args: [
        report.request.service,
        req,
        report.request.input,
        responses.map((r) => ({ resultHash: r.response.resultHash, signature: r.signature })),
      ],
    } as Parameters<typeof walletClient.writeContract>[0]);
  } catch (error) {
    throw new DisputeError(
      `Arbitration.open was refused: ${(error as Error).message.split("\n").slice(0, 3).join(" ")}`,
    );
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new DisputeError(`Arbitration.open transaction ${hash} reverted`);
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== arbitration.toLowerCase()) continue;
    try {
      const event = decodeEventLog({ abi: arbitrationAbi, data: log.data, topics: log.topics });
      if (event.eventName === "DisputeOpened") {
        return { disputeId: (event.args as { disputeId: bigint }).disputeId, transactionHash: hash };
      }
    } catch {
      // Not an Arbitration event this ABI knows.
    }
  }
  throw new DisputeError(`Arbitration.open transaction ${hash} emitted no DisputeOpened event`);
}

/**
 * Storage slot of `Arbitration.verifiedResult` (declaration order in contracts/src/arbitration/Arbitration.sol:
 * disputeCount, disputes, participantsOf, matches, inDispute, balanceOf, verifiedResult; immutables and the
 * transient reentrancy flag take no slot). The client test checks it against the contract's getter.
 */
export const VERIFIED_RESULT_SLOT = 6n;

/** Slot of `verifiedResult[service][requestHash]`. */
export function verifiedResultSlot(service: Address, requestHash: Hex): Hex {
  const inner = keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [service, VERIFIED_RESULT_SLOT]),
  );
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [requestHash, inner]));
}

/** The verified result of a request at a trusted header, read with a storage proof (zero if none yet). */
export async function provedVerifiedResult(
  rpc: PublicClient,
  header: TrustedHeader,
  arbitration: Address,
  service: Address,
  requestHash: Hex,
): Promise<Hex> {
  const slot = verifiedResultSlot(service, requestHash);
  const { words } = await readProvedStorage(rpc, header.stateRoot, header.number, arbitration, [slot]);
  return toHex(words.get(slot.toLowerCase() as Hex) ?? 0n, { size: 32 });
}

/**
 * Polls `verifiedResult(service, requestHash)` at each new trusted header (storage proofs, not eth_call) until a
 * dispute records it; throws after timeoutMs. A pinned header never moves: pass a source that follows the chain.
 */
export async function waitForVerifiedResult(parameters: {
  arbitration: Address;
  publicClient: PublicClient;
  headerSource: HeaderSource;
  service: Address;
  requestHash: Hex;
  timeoutMs: number;
  pollMs?: number;
}): Promise<Hex> {
  const deadline = Date.now() + parameters.timeoutMs;
  for (;;) {
    const header = await parameters.headerSource.trustedHeader(parameters.publicClient);
    const result = await provedVerifiedResult(
      parameters.publicClient,
      header,
      parameters.arbitration,
      parameters.service,
      parameters.requestHash,
    );
    if (BigInt(result) !== 0n) return result;
    if (Date.now() > deadline) {
      throw new DisputeError(
        `no verified result for request ${parameters.requestHash} at block ${header.number} after ${parameters.timeoutMs} ms: the dispute is still being played (or was not opened)${parameters.headerSource.kind === "pinned" ? "; a pinned header never moves, so use a header source that follows the chain" : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, parameters.pollMs ?? 1000));
  }
}
