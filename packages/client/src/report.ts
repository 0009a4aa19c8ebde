// The verification report returned with every call: what was asked, who answered, what was checked.
import type { ProviderResponse } from "@verity/protocol";
import type { Address, Hex } from "viem";

/** Why a provider was asked. */
export type AttemptRole = "primary" | "spot-check" | "fallback";

/** What became of one provider asked. */
export type AttemptOutcome =
  | "answered" // a valid, signed answer (counted in a group)
  | "timeout" // no answer within timeoutMs
  | "error" // transport failure or a JSON-RPC error
  | "invalid"; // an answer that fails verification (signature, request fields, output vs result hash)

/** One provider asked during a call. */
export interface ProviderAttempt {
  provider: Address;
  host: string;
  role: AttemptRole;
  outcome: AttemptOutcome;
  /** Milliseconds from sending to the answer or failure. */
  latencyMs: number;
  error?: string;
  /** Provider JSON-RPC error code, when it answered with one. */
  errorCode?: number;
  resultHash?: Hex;
}

/** A valid signed answer, kept as dispute evidence. */
export interface SignedAnswer {
  provider: Address;
  response: ProviderResponse;
  signature: Hex;
  status: number;
  exitCode: number;
  output: Hex;
  outputHash: Hex;
}

/** Providers that signed the same result. */
export interface ResultGroup {
  resultHash: Hex;
  status: number;
  exitCode: number;
  providers: Address[];
}

/** The request as the client signed it. */
export interface RequestInfo {
  requestHash: Hex;
  requester: Address;
  service: Address;
  selector: Hex;
  programHash: Hex;
  inputHash: Hex;
  /** The full calldata (the program input). */
  input: Hex;
  /** The signed off-chain transaction. */
  tx: Hex;
}

/** The block the provider list was read (and proved) at. */
export interface DiscoveryInfo {
  blockNumber: bigint;
  blockHash: Hex;
  stateRoot: Hex;
  /** Where the header came from: "pinned", "node" (devnet only), "helios". */
  headerSource: string;
  /** Number of account and storage proofs checked. */
  proofsChecked: number;
  listed: number;
  eligible: number;
}

/** Everything a call did and checked. */
export interface CallReport {
  request: RequestInfo;
  discovery: DiscoveryInfo;
  /** Answers wanted (redundancy, or 1-2 in spot-check mode). */
  wanted: number;
  /** Every provider asked, in the order asked. */
  attempts: ProviderAttempt[];
  /** Answers grouped by result hash, largest group first. */
  groups: ResultGroup[];
  /** Providers whose signed results are equal (empty on disagreement). */
  agreed: Address[];
  /** EIP-712 signatures checked (each recovered to the provider asked). */
  signaturesChecked: number;
  /** Providers confirmed active and staked in the verified on-chain list. */
  registrationsChecked: number;
  /** The valid signed answers (dispute evidence). */
  answers: SignedAnswer[];
  /** Local re-execution's result hash, when `reexecute` was given. */
  reexecuted?: Hex;
  /** Whether the spot-check drew a second provider (spot-check mode only). */
  spotCheckDrawn?: boolean;
  /** Price paid per provider, in wei (0 for free methods). */
  pricePerProvider: bigint;
}
