// EIP-712 signed responses of the Arbitration contract (contracts/src/arbitration/Arbitration.sol): the one
// definition that providers (sign), clients (verify) and the dispute bot (open, challenge) use.
import { keccak } from "@verity/vm";
import {
  type Address,
  bytesToHex,
  getAddress,
  type Hex,
  hashDomain,
  hexToBigInt,
  hexToBytes,
  isAddress,
  isAddressEqual,
  type LocalAccount,
  recoverTypedDataAddress,
  size,
  slice,
  stringToBytes,
} from "viem";

/** EIP-712 domain name of the Arbitration contract. */
export const RESPONSE_DOMAIN_NAME = "Verity";
/** EIP-712 domain version of the Arbitration contract. */
export const RESPONSE_DOMAIN_VERSION = "1";

/** EIP-712 types of a response, field for field as `Arbitration.RESPONSE_TYPEHASH`. */
export const responseTypes = {
  Response: [
    { name: "service", type: "address" },
    { name: "requestHash", type: "bytes32" },
    { name: "requester", type: "address" },
    { name: "selector", type: "bytes4" },
    { name: "programHash", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "resultHash", type: "bytes32" },
  ],
} as const;

const DOMAIN_FIELDS = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
] as const;

const RESPONSE_TYPEHASH = keccak(
  stringToBytes(`Response(${responseTypes.Response.map((f) => `${f.type} ${f.name}`).join(",")})`),
);

/** The request a response answers, shaped as the contract's `RequestInfo` argument of `open` and `challenge`. */
export interface DisputeRequest {
  /** keccak256 of the signed off-chain transaction. */
  requestHash: Hex;
  /** The transaction's sender. */
  requester: Address;
  /** The 4-byte method selector. */
  selector: Hex;
  /** `service.programOf(selector)`. */
  programHash: Hex;
  /** `keccak(chunkRoot(input) || u32(len))`, docs/protocol.md §1.6. */
  inputHash: Hex;
}

/** What a provider signs: a request on a service and the result hash of its run (docs/protocol.md §1.8). */
export interface ProviderResponse extends DisputeRequest {
  service: Address;
  resultHash: Hex;
}

/** A response signature, shaped as the contract's `SignedResponse` argument. */
export interface SignedResponse {
  resultHash: Hex;
  signature: Hex;
}

/** Where responses are verified: the chain and the Arbitration contract (the EIP-712 verifying contract). */
export interface ResponseDomain {
  chainId: number | bigint;
  arbitration: Address;
}

/** A response or signature that cannot be what the Arbitration contract accepts. */
export class ResponseError extends Error {
  override name = "ResponseError";
}

// secp256k1 n / 2: the contract refuses the malleable twin of a signature (s above it).
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function checkBytes(what: string, value: Hex, bytes: number): void {
  if (!/^0x[0-9a-fA-F]*$/.test(value) || size(value) !== bytes) {
    throw new ResponseError(`${what} must be ${bytes} bytes of 0x-hex, got ${JSON.stringify(value)}`);
  }
}

function checkAddress(what: string, value: Address): void {
  if (!isAddress(value, { strict: false })) {
    throw new ResponseError(`${what} must be a 20-byte address, got ${JSON.stringify(value)}`);
  }
}

/** Throws a ResponseError unless every field has the size its EIP-712 type requires. */
export function assertResponse(response: ProviderResponse): void {
  checkAddress("service", response.service);
  checkAddress("requester", response.requester);
  checkBytes("requestHash", response.requestHash, 32);
  checkBytes("selector", response.selector, 4);
  checkBytes("programHash", response.programHash, 32);
  checkBytes("inputHash", response.inputHash, 32);
  checkBytes("resultHash", response.resultHash, 32);
}

/** The EIP-712 domain object of the Arbitration contract. */
export function responseDomain(domain: ResponseDomain) {
  checkAddress("arbitration", domain.arbitration);
  return {
    name: RESPONSE_DOMAIN_NAME,
    version: RESPONSE_DOMAIN_VERSION,
    chainId: BigInt(domain.chainId),
    verifyingContract: getAddress(domain.arbitration),
  } as const;
}

/** The full typed-data object of a response (for `signTypedData`, `hashTypedData`, wallets). */
export function responseTypedData(domain: ResponseDomain, response: ProviderResponse) {
  assertResponse(response);
  return {
    domain: responseDomain(domain),
    types: responseTypes,
    primaryType: "Response",
    message: {
      // Checksummed, so callers may pass addresses in any case.
      service: getAddress(response.service),
      requestHash: response.requestHash,
      requester: getAddress(response.requester),
      selector: response.selector,
      programHash: response.programHash,
      inputHash: response.inputHash,
      resultHash: response.resultHash,
    },
  } as const;
}

/** The EIP-712 domain separator of the Arbitration contract at `domain` (32 bytes; compute once per domain). */
export function responseDomainSeparator(domain: ResponseDomain): Uint8Array {
  const chainId = BigInt(domain.chainId);
  if (chainId < 0n || chainId >= 1n << 256n) throw new ResponseError(`chainId must be a uint256, got ${chainId}`);
  return hexToBytes(hashDomain({ domain: responseDomain(domain), types: { EIP712Domain: DOMAIN_FIELDS } }));
}

/**
 * The EIP-712 digest of a response under a precomputed domain separator. The Response struct is eight fixed 32-byte
 * words (type hash, then each field padded as EIP-712 encodes it), so the digest is two Keccaks: what viem's generic
 * `hashTypedData` computes, without its per-call type walk (≈ 30 µs instead of ≈ 500 µs).
 */
export function responseDigest(domainSeparator: Uint8Array, response: ProviderResponse): Uint8Array {
  assertResponse(response);
  const struct = new Uint8Array(8 * 32);
  struct.set(RESPONSE_TYPEHASH, 0);
  // Addresses are left-padded to a word, bytes4 right-padded, bytes32 fill theirs.
  struct.set(hexToBytes(response.service), 32 + 12);
  struct.set(hexToBytes(response.requestHash), 64);
  struct.set(hexToBytes(response.requester), 96 + 12);
  struct.set(hexToBytes(response.selector), 128);
  struct.set(hexToBytes(response.programHash), 160);
  struct.set(hexToBytes(response.inputHash), 192);
  struct.set(hexToBytes(response.resultHash), 224);
  const envelope = new Uint8Array(2 + 32 + 32);
  envelope[0] = 0x19;
  envelope[1] = 0x01;
  envelope.set(domainSeparator, 2);
  envelope.set(keccak(struct), 34);
  return keccak(envelope);
}

/** The EIP-712 digest of a response; equals `Arbitration.responseDigest(service, request, resultHash)`. */
export function hashResponse(domain: ResponseDomain, response: ProviderResponse): Hex {
  return bytesToHex(responseDigest(responseDomainSeparator(domain), response));
}

/** Signs a response with a local account (a provider key). */
export async function signResponse(
  account: Pick<LocalAccount, "signTypedData">,
  domain: ResponseDomain,
  response: ProviderResponse,
): Promise<SignedResponse> {
  const signature = await account.signTypedData(responseTypedData(domain, response));
  return { resultHash: response.resultHash, signature };
}

/** Throws a ResponseError unless the signature is the 65-byte low-s r||s||v form the contract accepts. */
export function assertCanonicalSignature(signature: Hex): void {
  checkBytes("signature", signature, 65);
  const s = hexToBigInt(slice(signature, 32, 64));
  const v = hexToBigInt(slice(signature, 64, 65));
  if (s > HALF_N) throw new ResponseError("signature s is in the upper half of the curve order (malleable twin)");
  if (v !== 27n && v !== 28n) throw new ResponseError(`signature v must be 27 or 28, got ${v}`);
}

/** The address that signed `response` (throws ResponseError for a signature the contract would refuse). */
export async function recoverResponseSigner(
  domain: ResponseDomain,
  response: ProviderResponse,
  signature: Hex,
): Promise<Address> {
  assertCanonicalSignature(signature);
  return recoverTypedDataAddress({ ...responseTypedData(domain, response), signature });
}

/** True when `signature` is `signer`'s valid signature of `response` in this domain. */
export async function verifyResponse(
  domain: ResponseDomain,
  response: ProviderResponse,
  signature: Hex,
  signer: Address,
): Promise<boolean> {
  assertResponse(response);
  try {
    return isAddressEqual(await recoverResponseSigner(domain, response, signature), signer);
  } catch {
    // A malformed, malleable or unrecoverable signature is simply not this signer's.
    return false;
  }
}

/** The `RequestInfo` part of a response (the tuple `open` and `challenge` take). */
export function disputeRequestOf(response: ProviderResponse): DisputeRequest {
  return {
    requestHash: response.requestHash,
    requester: getAddress(response.requester),
    selector: response.selector,
    programHash: response.programHash,
    inputHash: response.inputHash,
  };
}
