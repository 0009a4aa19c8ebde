// Typed errors of the client SDK: each names what went wrong and what the caller can do about it.
import type { Address, Hex } from "viem";
import type { CallReport, ProviderAttempt } from "./report.js";

/** Stable codes of every error the client throws. */
export type VerityClientErrorCode =
  | "Config"
  | "UntrustedHeader"
  | "ProofInvalid"
  | "ServiceNotFound"
  | "UnknownMethod"
  | "NoEligibleProviders"
  | "AllProvidersFailed"
  | "Disagreement"
  | "HeliosUnavailable"
  | "NoAccount"
  | "Dispute"
  | "Payment"
  | "ProgramHalted"
  | "BundleUnavailable";

/** Base class of the client's errors. */
export class VerityClientError extends Error {
  override name = "VerityClientError";
  constructor(
    readonly code: VerityClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An option of createVerityClient is missing or unusable. */
export class ConfigError extends VerityClientError {
  override name = "ConfigError";
  constructor(message: string) {
    super("Config", message);
  }
}

/** The block header the reads are anchored to could not be established (wrong hash, malformed header). */
export class UntrustedHeaderError extends VerityClientError {
  override name = "UntrustedHeaderError";
  constructor(message: string) {
    super("UntrustedHeader", message);
  }
}

/** The RPC's eth_getProof answer does not prove what it claims: the RPC is faulty or tampering. */
export class ProofError extends VerityClientError {
  override name = "ProofError";
  constructor(message: string) {
    super(
      "ProofInvalid",
      `${message}. The RPC endpoint returned data that does not match the trusted state root: do not trust it; use another RPC endpoint`,
    );
  }
}

/** The service address holds no contract at the trusted block. */
export class ServiceNotFoundError extends VerityClientError {
  override name = "ServiceNotFoundError";
  constructor(service: Address, block: bigint) {
    super("ServiceNotFound", `no account at ${service} in block ${block}: check the service address and the chain`);
  }
}

/** The selector is not a method of the service (its program hash is zero on chain). */
export class UnknownMethodError extends VerityClientError {
  override name = "UnknownMethodError";
  constructor(service: Address, selector: Hex) {
    super(
      "UnknownMethod",
      `selector ${selector} is not a method of service ${service} (programOf is zero): check the ABI and the service address`,
    );
  }
}

/** No provider is active, staked and allowed by the client's filter. */
export class NoEligibleProvidersError extends VerityClientError {
  override name = "NoEligibleProvidersError";
  constructor(
    service: Address,
    readonly listed: number,
    detail: string,
  ) {
    super(
      "NoEligibleProviders",
      `service ${service} has no eligible provider (${listed} listed; ${detail}): wait for providers to register, or relax the \`providers\` filter`,
    );
  }
}

/** Fewer answers than needed arrived: every provider asked timed out, failed, or answered invalidly. */
export class AllProvidersFailedError extends VerityClientError {
  override name = "AllProvidersFailedError";
  constructor(
    readonly report: CallReport,
    needed: number,
  ) {
    const summary = report.attempts.map(
      (a: ProviderAttempt) => `${a.provider}: ${a.outcome}${a.error ? ` (${a.error})` : ""}`,
    );
    super(
      "AllProvidersFailed",
      `got ${report.groups.reduce((n, g) => n + g.providers.length, 0)} valid answers, needed ${needed}; ${summary.join("; ")}. Retry later, raise timeoutMs, or lower redundancy`,
    );
  }
}

/** Valid signed answers disagree: at least one provider lied. The evidence opens a dispute (client.openDispute). */
export class DisagreementError extends VerityClientError {
  override name = "DisagreementError";
  constructor(readonly report: CallReport) {
    const groups = report.groups.map((g) => `${g.resultHash} by ${g.providers.join(", ")}`);
    super(
      "Disagreement",
      `providers disagree on request ${report.request.requestHash}: ${groups.join(" vs ")}. Open a dispute with client.openDispute(error.report) to find out who lied and slash them`,
    );
  }
}

/** Helios was asked for but cannot run here: the package is not installed, or this is not a browser. */
export class HeliosUnavailableError extends VerityClientError {
  override name = "HeliosUnavailableError";
  constructor(cause: string, kind: "not-installed" | "not-a-browser" = "not-installed") {
    super(
      "HeliosUnavailable",
      kind === "not-a-browser"
        ? `the Helios header source runs only in a browser or web worker (${cause}); in Node, trust a pinned block hash ({ blockHash }) obtained out of band`
        : `the Helios header source needs the optional package @a16z/helios, which could not be loaded (${cause}): install it with \`npm install @a16z/helios\`, or use a pinned block hash`,
    );
  }
}

/** An operation needs a signing account and the client has none. */
export class NoAccountError extends VerityClientError {
  override name = "NoAccountError";
  constructor(what: string) {
    super("NoAccount", `${what} needs an account: pass \`account\` (a viem LocalAccount) to createVerityClient`);
  }
}

/** A dispute could not be opened or followed. */
export class DisputeError extends VerityClientError {
  override name = "DisputeError";
  constructor(message: string) {
    super("Dispute", message);
  }
}

/** A payment-channel operation failed. */
export class PaymentError extends VerityClientError {
  override name = "PaymentError";
  constructor(message: string) {
    super("Payment", message);
  }
}

/** All providers agree that the program halted with an error status: there is no return value to decode. */
export class ProgramHaltedError extends VerityClientError {
  override name = "ProgramHaltedError";
  constructor(
    readonly report: CallReport,
    readonly status: number,
  ) {
    super(
      "ProgramHalted",
      `the providers agree the program halted with status ${status} (not Exited): check the arguments against the method's limits`,
    );
  }
}
