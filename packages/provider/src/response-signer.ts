// The provider's response signature without viem's generic EIP-712 machinery (~1 ms per hash, noble ~1-2 ms per
// signature): the Response struct has a fixed layout of eight 32-byte words, so its digest is two Keccaks over
// preallocated buffers with the domain separator and type hash computed once. Equal to `hashResponse` and
// `signResponse` of @verity/protocol byte for byte (test/response-signer.test.ts).
import {
  assertResponse,
  type ProviderResponse,
  RESPONSE_DOMAIN_NAME,
  RESPONSE_DOMAIN_VERSION,
  type ResponseDomain,
  responseTypes,
  type SignedResponse,
} from "@verity/protocol";
import { keccak } from "@verity/vm";
import { getAddress, type Hex, hexToBytes, stringToBytes } from "viem";
import { signDigest } from "./fast-crypto.js";

const DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
const RESPONSE_TYPE = `Response(${responseTypes.Response.map((f) => `${f.type} ${f.name}`).join(",")})`;

// @verity/vm's Keccak-256 is ~6x faster than viem's on these short inputs.
const keccakBytes = (data: Uint8Array): Uint8Array => keccak(data);

/** A hex string is not the size its EIP-712 field needs. */
export class ResponseFieldError extends Error {
  override name = "ResponseFieldError";
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Writes the `bytes` bytes of 0x-hex `hex` into `out` at `offset`. */
function writeHex(out: Uint8Array, offset: number, hex: string, bytes: number, what: string): void {
  if (hex.length !== 2 + 2 * bytes) throw new ResponseFieldError(`${what} must be ${bytes} bytes of 0x-hex: ${hex}`);
  for (let i = 0; i < bytes; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 + 2 * i)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(3 + 2 * i)] ?? -1;
    if (hi < 0 || lo < 0) throw new ResponseFieldError(`${what} is not hex: ${hex}`);
    out[offset + i] = (hi << 4) | lo;
  }
}

/** The EIP-712 domain separator of the Arbitration contract at `domain`. */
export function responseDomainSeparator(domain: ResponseDomain): Uint8Array {
  const words = new Uint8Array(5 * 32);
  words.set(keccakBytes(stringToBytes(DOMAIN_TYPE)), 0);
  words.set(keccakBytes(stringToBytes(RESPONSE_DOMAIN_NAME)), 32);
  words.set(keccakBytes(stringToBytes(RESPONSE_DOMAIN_VERSION)), 64);
  let chainId = BigInt(domain.chainId);
  if (chainId < 0n || chainId >= 1n << 256n) throw new ResponseFieldError(`chainId out of uint256 range: ${chainId}`);
  for (let i = 127; i >= 96; i--) {
    words[i] = Number(chainId & 0xffn);
    chainId >>= 8n;
  }
  writeHex(words, 128 + 12, getAddress(domain.arbitration), 20, "arbitration");
  return keccakBytes(words);
}

/** Hashes and signs responses for one provider key and one Arbitration domain. */
export class ResponseSigner {
  private readonly key: Uint8Array;
  // 0x19 0x01 || domain separator || struct hash: only the last 32 bytes change per response.
  private readonly envelope = new Uint8Array(66);
  // type hash || the seven fields, one 32-byte word each.
  private readonly struct = new Uint8Array(8 * 32);

  /** A signer with the provider's key for responses verified by the Arbitration contract at `domain`. */
  constructor(privateKey: Hex, domain: ResponseDomain) {
    this.key = hexToBytes(privateKey);
    this.envelope[0] = 0x19;
    this.envelope[1] = 0x01;
    this.envelope.set(responseDomainSeparator(domain), 2);
    this.struct.set(keccakBytes(stringToBytes(RESPONSE_TYPE)), 0);
  }

  /** The EIP-712 digest of `response` (what `hashResponse` returns, as bytes). */
  digest(response: ProviderResponse): Uint8Array {
    assertResponse(response);
    const s = this.struct;
    // Addresses are left-padded to a word, bytes4 is right-padded; the zero padding is never written.
    writeHex(s, 32 + 12, response.service, 20, "service");
    writeHex(s, 64, response.requestHash, 32, "requestHash");
    writeHex(s, 96 + 12, response.requester, 20, "requester");
    writeHex(s, 128, response.selector, 4, "selector");
    writeHex(s, 160, response.programHash, 32, "programHash");
    writeHex(s, 192, response.inputHash, 32, "inputHash");
    writeHex(s, 224, response.resultHash, 32, "resultHash");
    this.envelope.set(keccakBytes(s), 34);
    return keccakBytes(this.envelope);
  }

  /** Signs `response` (the same signature as `signResponse` with this key's account). */
  sign(response: ProviderResponse): SignedResponse {
    return { resultHash: response.resultHash, signature: signDigest(this.digest(response), this.key) };
  }
}
