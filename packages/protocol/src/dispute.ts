// The dispute game of the Arbitration contract seen from a player: trace length, which steps to post, how the
// contract narrows an interval, and what move a side owes next. Pure functions, mirrored from
// contracts/src/arbitration/Arbitration.sol, so a bot can decide without simulating the chain.
import type { Hex } from "viem";

/** Sub-intervals per dissection round. */
export const DISSECTION_ARITY = 16;
/** State hashes each side posts per round (the inner points of a 16-way split). */
export const HASHES_PER_ROUND = DISSECTION_ARITY - 1;

/** Phases of a match, numbered as the contract's `Arbitration.Phase`. */
export const MatchPhase = { Final: 0, Dissect: 1, Step: 2, Done: 3 } as const;
export type MatchPhase = (typeof MatchPhase)[keyof typeof MatchPhase];

/** Side 0 is participant `a`, side 1 participant `b` of match (a, b), a < b. */
export type Side = 0 | 1;

/** Arguments the dispute helpers cannot work with. */
export class DisputeError extends Error {
  override name = "DisputeError";
}

/** Least r with 16^r > maxSteps: the number of dissection rounds (`Arbitration.traceRounds`). */
export function traceRounds(maxSteps: bigint): number {
  if (maxSteps < 0n || maxSteps >= 1n << 64n) throw new DisputeError(`maxSteps must be a u64, got ${maxSteps}`);
  let r = 0;
  for (let t = 1n; t <= maxSteps; t <<= 4n) r++;
  return r;
}

/** T = 16^r, the padded trace length: S_T is the final state both sides commit (a halted machine steps to itself). */
export function traceLength(maxSteps: bigint): bigint {
  return 1n << BigInt(4 * traceRounds(maxSteps));
}

/** Width of the current interval after `roundsDone` of `rounds` dissection rounds. */
export function intervalWidth(rounds: number, roundsDone: number): bigint {
  if (roundsDone < 0 || roundsDone > rounds) throw new DisputeError(`roundsDone ${roundsDone} not in 0..${rounds}`);
  return 1n << BigInt(4 * (rounds - roundsDone));
}

/** The 15 step indices whose state hashes a side posts for the interval [lo, lo + width]. */
export function dissectionPoints(lo: bigint, width: bigint): bigint[] {
  if (width < DISSECTION_ARITY || width % BigInt(DISSECTION_ARITY) !== 0n) {
    throw new DisputeError(`an interval of width ${width} cannot be dissected (needs a multiple of 16)`);
  }
  const sub = width / BigInt(DISSECTION_ARITY);
  return Array.from({ length: HASHES_PER_ROUND }, (_, i) => lo + BigInt(i + 1) * sub);
}

/** The current interval of a match: agreed start hash at `lo`, each side's end hash at `lo + width`. */
export interface Interval {
  lo: bigint;
  width: bigint;
  start: Hex;
  endA: Hex;
  endB: Hex;
}

function checkHashes(what: string, hashes: readonly Hex[]): void {
  if (hashes.length !== HASHES_PER_ROUND) {
    throw new DisputeError(`${what} must hold ${HASHES_PER_ROUND} state hashes, got ${hashes.length}`);
  }
}

/**
 * The interval the contract keeps once both sides posted their 15 hashes: the first of the 16 sub-intervals whose
 * end hashes differ (its start is then agreed). Hash comparison is case-insensitive, as bytes32 equality is.
 */
export function narrow(interval: Interval, hashesA: readonly Hex[], hashesB: readonly Hex[]): Interval {
  checkHashes("hashesA", hashesA);
  checkHashes("hashesB", hashesB);
  const sub = interval.width / BigInt(DISSECTION_ARITY);
  if (sub === 0n) throw new DisputeError("an interval of width 1 is settled by a step proof, not narrowed");
  const same = (x: Hex, y: Hex) => x.toLowerCase() === y.toLowerCase();
  let j = 1;
  while (j < DISSECTION_ARITY && same(hashesA[j - 1] as Hex, hashesB[j - 1] as Hex)) j++;
  return {
    lo: interval.lo + BigInt(j - 1) * sub,
    width: sub,
    start: j > 1 ? (hashesA[j - 2] as Hex) : interval.start,
    endA: j < DISSECTION_ARITY ? (hashesA[j - 1] as Hex) : interval.endA,
    endB: j < DISSECTION_ARITY ? (hashesB[j - 1] as Hex) : interval.endB,
  };
}

/** A participant as `Arbitration.getParticipants` returns it (the fields these helpers read). */
export interface ParticipantView {
  account: Hex;
  resultHash: Hex;
  equivocator: boolean;
  lost?: boolean;
  isChallenger?: boolean;
}

/** Every match (a, b) of a dispute: a < b, neither an equivocator, different result hashes. */
export function matchPairs(participants: readonly ParticipantView[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < participants.length; a++) {
    const pa = participants[a] as ParticipantView;
    if (pa.equivocator) continue;
    for (let b = a + 1; b < participants.length; b++) {
      const pb = participants[b] as ParticipantView;
      if (!pb.equivocator && pa.resultHash.toLowerCase() !== pb.resultHash.toLowerCase()) pairs.push([a, b]);
    }
  }
  return pairs;
}

/** The matches `account` plays, with its side in each. */
export function matchesOf(
  participants: readonly ParticipantView[],
  account: Hex,
): Array<{ a: number; b: number; side: Side }> {
  const me = account.toLowerCase();
  return matchPairs(participants).flatMap(([a, b]) => {
    if ((participants[a] as ParticipantView).account.toLowerCase() === me) return [{ a, b, side: 0 as Side }];
    if ((participants[b] as ParticipantView).account.toLowerCase() === me) return [{ a, b, side: 1 as Side }];
    return [];
  });
}

/** A match as `Arbitration.getMatch` returns it (with start and roundStart filled in) plus the current width. */
export interface MatchView {
  phase: MatchPhase;
  roundsDone: number;
  movedA: boolean;
  movedB: boolean;
  lostA: boolean;
  lostB: boolean;
  lo: bigint;
  roundStart: bigint;
  usedA: bigint;
  usedB: bigint;
  start: Hex;
  endA: Hex;
  endB: Hex;
  pending: Hex;
  width: bigint;
}

/** Seconds of clock a side has left at time `now` (0 when out of time). Only a side that owes a move is charged. */
export function clockLeft(view: MatchView, side: Side, clockBudget: bigint, now: bigint): bigint {
  const used = side === 0 ? view.usedA : view.usedB;
  const moved = side === 0 ? view.movedA : view.movedB;
  const elapsed = moved || view.phase === MatchPhase.Done ? 0n : now > view.roundStart ? now - view.roundStart : 0n;
  const left = clockBudget - used - elapsed;
  return left > 0n ? left : 0n;
}

/** True when `timeout(a, b)` would end the match at `now` for `side` (its clock ran out while it owed a move). */
export function isTimedOut(view: MatchView, side: Side, clockBudget: bigint, now: bigint): boolean {
  if (view.phase === MatchPhase.Done) return false;
  const used = side === 0 ? view.usedA : view.usedB;
  const moved = side === 0 ? view.movedA : view.movedB;
  return !moved && used + (now - view.roundStart) > clockBudget;
}

/** What a side should do next in a match. */
export type Move =
  /** Post the 329-byte final state S_T of its own run with `commitFinal`. */
  | { kind: "commitFinal"; deadline: bigint }
  /** Post its state hashes at `steps`; `second` means the opponent already posted: pass its hashes too. */
  | { kind: "bisect"; steps: bigint[]; second: boolean; deadline: bigint }
  /** Prove the step from state `stepIndex` (hash `start`) with `proveStep(pre-state encoding, witness)`. */
  | { kind: "proveStep"; stepIndex: bigint; start: Hex; deadline: bigint }
  /** The opponent's clock ran out: anyone may call `timeout`. */
  | { kind: "timeout" }
  /** Nothing to do until the opponent moves (or its clock runs out at `opponentDeadline`). */
  | { kind: "wait"; opponentDeadline: bigint }
  /** The match is over. */
  | { kind: "done"; lost: boolean; opponentLost: boolean };

/** Decides `side`'s next move in a match at time `now` (seconds), given the deployment's clock budget. */
export function nextMove(view: MatchView, side: Side, clockBudget: bigint, now: bigint): Move {
  const other: Side = side === 0 ? 1 : 0;
  if (view.phase === MatchPhase.Done) {
    return {
      kind: "done",
      lost: side === 0 ? view.lostA : view.lostB,
      opponentLost: side === 0 ? view.lostB : view.lostA,
    };
  }
  if (isTimedOut(view, other, clockBudget, now)) return { kind: "timeout" };
  const deadline = now + clockLeft(view, side, clockBudget, now);
  const moved = side === 0 ? view.movedA : view.movedB;
  const otherMoved = side === 0 ? view.movedB : view.movedA;
  switch (view.phase) {
    case MatchPhase.Final:
      if (!moved) return { kind: "commitFinal", deadline };
      break;
    case MatchPhase.Dissect:
      if (!moved) return { kind: "bisect", steps: dissectionPoints(view.lo, view.width), second: otherMoved, deadline };
      break;
    case MatchPhase.Step:
      // Anyone may prove the step; both clocks run until someone does, so the side that is right should.
      return { kind: "proveStep", stepIndex: view.lo, start: view.start, deadline };
  }
  return { kind: "wait", opponentDeadline: now + clockLeft(view, other, clockBudget, now) };
}

/**
 * Upper bound, in seconds, from `open` to the last match decision: each match ends within 2 x clockBudget (both
 * clocks run at most the budget each, and a round lasts as long as its slower side), and matches run in parallel.
 * A service's unbonding delay must exceed the time to open a dispute plus this.
 */
export function maxDisputeDuration(clockBudget: bigint): bigint {
  return 2n * clockBudget;
}
