// Checks one provider answer against the request the client signed and the verified on-chain facts.
import { type ResponseDomain, recoverResponseSigner } from "@verity/protocol";
import { OutputCommitment, resultHash, Status } from "@verity/vm";
import { type Address, bytesToHex, type Hex, hexToBytes, isAddress, isAddressEqual, isHex } from "viem";
import type { RequestInfo, SignedAnswer } from "./report.js";

/** An answer that fails a check; the message says which. */
export class InvalidAnswerError extends Error {
  override name = "InvalidAnswerError";
}

function hex(what: string, value: unknown, bytes?: number): Hex {
  if (typeof value !== "string" || !isHex(value, { strict: true })) {
    throw new InvalidAnswerError(`${what} is not 0x-hex: ${JSON.stringify(value)}`);
  }
  if (bytes !== undefined && value.length !== 2 + 2 * bytes)
    throw new InvalidAnswerError(`${what} is not ${bytes} bytes`);
  return value.toLowerCase() as Hex;
}

function address(what: string, value: unknown): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new InvalidAnswerError(`${what} is not an address: ${JSON.stringify(value)}`);
  }
  return value;
}

function u32(what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new InvalidAnswerError(`${what} is not a u32: ${JSON.stringify(value)}`);
  }
  return value;
}

function same(what: string, got: string, expected: string): void {
  if (got.toLowerCase() !== expected.toLowerCase()) {
    throw new InvalidAnswerError(`${what} is ${got}, expected ${expected}: the answer is not for this request`);
  }
}

/**
 * Verifies a raw verity_call answer from `provider`: it is for exactly this request (all signed fields), its
 * output matches its result hash, and its EIP-712 signature recovers to `provider`. Returns the typed answer.
 */
export async function verifyAnswer(
  raw: unknown,
  provider: Address,
  request: RequestInfo,
  domain: ResponseDomain,
): Promise<SignedAnswer> {
  if (typeof raw !== "object" || raw === null) throw new InvalidAnswerError("the answer is not an object");
  const a = raw as Record<string, unknown>;
  const r = a.response as Record<string, unknown> | undefined;
  if (typeof r !== "object" || r === null) throw new InvalidAnswerError("the answer has no response object");
  const claimed = address("provider", a.provider);
  if (!isAddressEqual(claimed, provider)) {
    throw new InvalidAnswerError(`the answer claims provider ${claimed}, but ${provider} was asked`);
  }
  const response = {
    service: address("response.service", r.service),
    requestHash: hex("response.requestHash", r.requestHash, 32),
    requester: address("response.requester", r.requester),
    selector: hex("response.selector", r.selector, 4),
    programHash: hex("response.programHash", r.programHash, 32),
    inputHash: hex("response.inputHash", r.inputHash, 32),
    resultHash: hex("response.resultHash", r.resultHash, 32),
  };
  same("response.service", response.service, request.service);
  same("response.requestHash", response.requestHash, request.requestHash);
  same("response.requester", response.requester, request.requester);
  same("response.selector", response.selector, request.selector);
  same("response.programHash", response.programHash, request.programHash);
  same("response.inputHash", response.inputHash, request.inputHash);

  const status = u32("status", a.status);
  const exitCode = u32("exitCode", a.exitCode);
  const output = hex("output", a.output);
  const outputHash = hex("outputHash", a.outputHash, 32);
  if (status > 0xff) throw new InvalidAnswerError(`status ${status} is not a VM status byte`);
  if (status === Status.Exited) {
    const commitment = new OutputCommitment();
    commitment.append(hexToBytes(output));
    same("outputHash (of the output bytes)", bytesToHex(commitment.hash()), outputHash);
  } else if (output !== "0x") {
    throw new InvalidAnswerError(`status ${status} is an error halt but the answer carries output`);
  }
  same(
    "resultHash (of status, exitCode, outputHash)",
    bytesToHex(resultHash(status as Status, exitCode, hexToBytes(outputHash))),
    response.resultHash,
  );

  const signature = hex("signature", a.signature, 65);
  let signer: Address;
  try {
    signer = await recoverResponseSigner(domain, response, signature);
  } catch (error) {
    throw new InvalidAnswerError(`the signature is not one Arbitration accepts: ${(error as Error).message}`);
  }
  if (!isAddressEqual(signer, provider)) {
    throw new InvalidAnswerError(`the signature recovers to ${signer}, not to the provider asked (${provider})`);
  }
  return { provider, response, signature, status, exitCode, output, outputHash };
}
