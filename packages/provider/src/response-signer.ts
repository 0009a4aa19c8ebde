// The provider's response signature: @verity/protocol's fixed-layout EIP-712 digest under a domain separator
// computed once, signed by libsecp256k1 (noble takes ~1–2 ms per signature). The same signature as `signResponse`
// of @verity/protocol (test/response-signer.test.ts).
import {
  type ProviderResponse,
  type ResponseDomain,
  responseDigest,
  responseDomainSeparator,
  type SignedResponse,
} from "@verity/protocol";
import { type Hex, hexToBytes } from "viem";
import { signDigest } from "./fast-crypto.js";

/** Hashes and signs responses for one provider key and one Arbitration domain. */
export class ResponseSigner {
  private readonly key: Uint8Array;
  private readonly separator: Uint8Array;

  /** A signer with the provider's key for responses verified by the Arbitration contract at `domain`. */
  constructor(privateKey: Hex, domain: ResponseDomain) {
    this.key = hexToBytes(privateKey);
    this.separator = responseDomainSeparator(domain);
  }

  /** The EIP-712 digest of `response` (what `hashResponse` returns, as bytes). */
  digest(response: ProviderResponse): Uint8Array {
    return responseDigest(this.separator, response);
  }

  /** Signs `response` (the same signature as `signResponse` with this key's account). */
  sign(response: ProviderResponse): SignedResponse {
    return { resultHash: response.resultHash, signature: signDigest(this.digest(response), this.key) };
  }
}
