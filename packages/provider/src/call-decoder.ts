// parseOffchainCall of @verity/protocol, faster: the same checks, fields and error codes, but the call is decoded by
// @ethereumjs/rlp straight from the received bytes, the signing payload is re-encoded from its first nine fields (no
// viem parse and re-serialization), and the sender is recovered by libsecp256k1 (fast-crypto.ts) instead of noble.
// Equal to parseOffchainCall on every transaction (test/call-decoder.test.ts); anything off the one common shape
// (non-canonical RLP, an access list, wide integers, malformed input) is handed to parseOffchainCall itself.
import { type NestedUint8Array, RLP } from "@ethereumjs/rlp";
import { type OffchainCall, OffchainCallError, parseOffchainCall } from "@verity/protocol";
import { keccak } from "@verity/vm";
import { type Address, getAddress, type Hex, hexToBytes, isHex } from "viem";
import { recoverDigestAddress } from "./fast-crypto.js";

/** Largest integer width (bytes) the fast path accepts per field; wider ones go through viem (which loses precision). */
const INT_FIELDS: ReadonlyMap<number, number> = new Map([
  [0, 6], // chainId (viem parses it to a JS number)
  [1, 6], // nonce (likewise)
  [2, 32], // maxPriorityFeePerGas
  [3, 32], // maxFeePerGas
  [4, 32], // gas
  [6, 32], // value
]);

/** A signed type-2 transaction decoded straight from its bytes (fields the provider needs, and the signing payload). */
export interface CanonicalCall {
  chainId: number;
  nonce: number;
  value: bigint;
  /** The `to` address, 20 bytes. */
  to: Uint8Array;
  /** The calldata, at least 4 bytes. */
  data: Uint8Array;
  yParity: number;
  /** r || s, each left-padded to 32 bytes. */
  rs: Uint8Array;
  /** `0x02 || rlp([chainId, …, accessList])`: what the sender signed (its keccak is the signing hash). */
  payload: Uint8Array;
}

function uint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const byte of bytes) v = (v << 8n) | BigInt(byte);
  return v;
}

function smallUint(bytes: Uint8Array): number {
  let v = 0;
  for (const byte of bytes) v = v * 256 + byte;
  return v;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decodes a signed EIP-1559 call without viem when it is in the one shape where that gives exactly viem's result:
 * canonical RLP throughout, a 20-byte `to`, calldata of 4 bytes or more, an empty access list, a tip not above the fee
 * cap, a yParity of 0 or 1 and r, s of at most 32 bytes (then viem's parse accepts it unchanged and its
 * re-serialization equals the bytes cut here). Undefined for anything else: the caller takes viem's path, which
 * decides (and words the errors) exactly as parseOffchainCall does.
 */
export function decodeCanonical(b: Uint8Array): CanonicalCall | undefined {
  if (b[0] !== 0x02) return undefined;
  const body = b.subarray(1);
  let decoded: Uint8Array | NestedUint8Array;
  try {
    decoded = RLP.decode(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 12) return undefined;
  // Canonical RLP throughout: re-encoding gives back exactly the received bytes.
  if (!equalBytes(RLP.encode(decoded), body)) return undefined;
  const fields: Uint8Array[] = [];
  for (let index = 0; index < 12; index++) {
    const item = decoded[index];
    if (index === 8) {
      if (!Array.isArray(item) || item.length !== 0) return undefined; // an empty access list
      fields.push(new Uint8Array(0));
      continue;
    }
    if (!(item instanceof Uint8Array)) return undefined;
    const width = INT_FIELDS.get(index);
    // Integers without a leading zero byte, narrow enough for the type viem gives them.
    if (width !== undefined && (item.length > width || (item.length > 0 && item[0] === 0))) return undefined;
    fields.push(item);
  }
  // EIP-1559 field order: chainId, nonce, tip, fee cap, gas, to, value, data, access list, yParity, r, s.
  const field = (index: number): Uint8Array => fields[index] as Uint8Array;
  const chainId = field(0);
  const to = field(5);
  const data = field(7);
  const v = field(9);
  const r = field(10);
  const s = field(11);
  if (chainId.length === 0 || to.length !== 20 || data.length < 4) return undefined;
  if (uint(field(2)) > uint(field(3))) return undefined; // tip above fee cap
  const yParity = v.length === 0 ? 0 : v.length === 1 && v[0] === 1 ? 1 : -1;
  if (yParity < 0 || r.length > 32 || s.length > 32) return undefined;
  const rs = new Uint8Array(64);
  rs.set(r, 32 - r.length);
  rs.set(s, 64 - s.length);
  const unsigned = RLP.encode(decoded.slice(0, 9));
  const payload = new Uint8Array(1 + unsigned.length);
  payload[0] = 0x02;
  payload.set(unsigned, 1);
  return {
    chainId: smallUint(chainId),
    nonce: smallUint(field(1)),
    value: uint(field(6)),
    to,
    data,
    yParity,
    rs,
    payload,
  };
}

/** The signing payload of a call `decodeCanonical` accepts (undefined for the others). */
export function unsignedPayload(b: Uint8Array): Uint8Array | undefined {
  return decodeCanonical(b)?.payload;
}

function hexOf(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Decodes signed off-chain calls (what `parseOffchainCall` returns, faster). */
export class CallDecoder {
  /** Decodes a signed off-chain call and recovers its sender; throws `OffchainCallError` on anything malformed. */
  async decode(serialized: Hex): Promise<OffchainCall> {
    const bytes =
      isHex(serialized, { strict: true }) && serialized.startsWith("0x02") ? hexToBytes(serialized) : undefined;
    const fast = bytes === undefined ? undefined : decodeCanonical(bytes);
    // Everything off the fast path (and every error wording) is parseOffchainCall's own.
    if (bytes === undefined || fast === undefined) return parseOffchainCall(serialized);
    let requester: Address;
    try {
      requester = recoverDigestAddress(keccak(fast.payload), fast.rs, fast.yParity);
    } catch (error) {
      throw new OffchainCallError("BadSignature", `the signature does not recover: ${(error as Error).message}`);
    }
    const input = hexOf(fast.data);
    return {
      requestHash: hexOf(keccak(bytes)),
      requester,
      service: getAddress(hexOf(fast.to)),
      chainId: fast.chainId,
      selector: input.slice(0, 10) as Hex,
      input,
      value: fast.value,
      nonce: fast.nonce,
      serialized,
    };
  }
}
