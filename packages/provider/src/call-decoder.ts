// parseOffchainCall of @verity/protocol with the provider's fast sender recovery: the same checks, fields and error
// codes, but the signing hash is cut from the received bytes (no re-serialization) and the public key is recovered
// by libsecp256k1 (fast-crypto.ts) instead of noble. Equal to parseOffchainCall on every transaction
// (test/call-decoder.test.ts), including non-canonical encodings, which take viem's re-serializing path.
import { type OffchainCall, OffchainCallError } from "@verity/protocol";
import { keccak } from "@verity/vm";
import {
  type Address,
  bytesToHex,
  getAddress,
  type Hex,
  hexToBytes,
  isHex,
  parseTransaction,
  serializeTransaction,
  size,
  slice,
  type TransactionSerializableEIP1559,
} from "viem";
import { recoverDigestAddress } from "./fast-crypto.js";

/** An RLP item of a byte string: where it starts, where its payload starts, its payload length, whether a list. */
interface Item {
  start: number;
  payload: number;
  length: number;
  list: boolean;
  /** The shortest encoding of this item (what any RLP encoder writes for it). */
  canonical: boolean;
}

function readItem(b: Uint8Array, pos: number): Item | undefined {
  const p = b[pos];
  if (p === undefined) return undefined;
  if (p < 0x80) return { start: pos, payload: pos, length: 1, list: false, canonical: true };
  if (p <= 0xb7) {
    const length = p - 0x80;
    return {
      start: pos,
      payload: pos + 1,
      length,
      list: false,
      canonical: !(length === 1 && (b[pos + 1] ?? 0) < 0x80),
    };
  }
  if (p >= 0xc0 && p <= 0xf7) return { start: pos, payload: pos + 1, length: p - 0xc0, list: true, canonical: true };
  const lengthBytes = p <= 0xbf ? p - 0xb7 : p - 0xf7;
  if (lengthBytes > 4 || pos + 1 + lengthBytes > b.length) return undefined;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + (b[pos + 1 + i] as number);
  return {
    start: pos,
    payload: pos + 1 + lengthBytes,
    length,
    list: p > 0xbf,
    canonical: b[pos + 1] !== 0 && length > 55,
  };
}

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

function uint(b: Uint8Array, item: Item): bigint {
  let v = 0n;
  for (let i = 0; i < item.length; i++) v = (v << 8n) | BigInt(b[item.payload + i] as number);
  return v;
}

function smallUint(b: Uint8Array, item: Item): number {
  let v = 0;
  for (let i = 0; i < item.length; i++) v = v * 256 + (b[item.payload + i] as number);
  return v;
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
  const outer = readItem(b, 1);
  if (outer === undefined || !outer.list || !outer.canonical || outer.payload + outer.length !== b.length)
    return undefined;
  const items: Item[] = [];
  let pos = outer.payload;
  for (let index = 0; index < 12; index++) {
    const item = readItem(b, pos);
    if (item === undefined || !item.canonical) return undefined;
    const next = item.payload + item.length;
    if (next > b.length) return undefined;
    if (index !== 8 && item.list) return undefined;
    const width = INT_FIELDS.get(index);
    // No leading zero byte (a single byte below 0x80 is its own payload, so 0x00 is caught here too).
    if (width !== undefined && (item.length > width || (item.length > 0 && b[item.payload] === 0))) return undefined;
    items.push(item);
    pos = next;
  }
  if (pos !== b.length) return undefined;
  const [chainId, nonce, tip, feeCap, , to, value, data, accessList, v, r, s] = items as [
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
    Item,
  ];
  if (chainId.length === 0 || to.length !== 20 || data.length < 4) return undefined;
  if (!accessList.list || accessList.length !== 0) return undefined;
  if (uint(b, tip) > uint(b, feeCap)) return undefined;
  const yParity = v.length === 0 ? 0 : v.length === 1 && b[v.payload] === 1 ? 1 : -1;
  if (yParity < 0 || r.length > 32 || s.length > 32) return undefined;
  const rs = new Uint8Array(64);
  rs.set(b.subarray(r.payload, r.payload + r.length), 32 - r.length);
  rs.set(b.subarray(s.payload, s.payload + s.length), 64 - s.length);

  const length = v.start - outer.payload;
  const header: number[] = [];
  if (length <= 55) header.push(0xc0 + length);
  else {
    const lengthBytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
    header.push(0xf7 + lengthBytes.length, ...lengthBytes);
  }
  const payload = new Uint8Array(1 + header.length + length);
  payload[0] = 0x02;
  payload.set(header, 1);
  payload.set(b.subarray(outer.payload, v.start), 1 + header.length);
  return {
    chainId: smallUint(b, chainId),
    nonce: smallUint(b, nonce),
    value: uint(b, value),
    to: b.subarray(to.payload, to.payload + 20),
    data: b.subarray(data.payload, data.payload + data.length),
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
  decode(serialized: Hex): OffchainCall {
    if (!isHex(serialized, { strict: true }) || size(serialized) < 2) {
      throw new OffchainCallError("Malformed", "the call must be a 0x-prefixed hex string of a signed transaction");
    }
    if (!serialized.startsWith("0x02")) {
      throw new OffchainCallError("NotEip1559", "the call must be an EIP-1559 (type 0x02) transaction");
    }
    const bytes =
      serialized.length % 2 === 0 ? new Uint8Array(Buffer.from(serialized.slice(2), "hex")) : hexToBytes(serialized);
    const fast = decodeCanonical(bytes);
    if (fast !== undefined) {
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
    return this.decodeWithViem(serialized, bytes);
  }

  /** The general path: viem's parse and re-serialization (only the recovery is native). */
  private decodeWithViem(serialized: Hex, bytes: Uint8Array): OffchainCall {
    let tx: ReturnType<typeof parseTransaction>;
    try {
      tx = parseTransaction(serialized);
    } catch (error) {
      throw new OffchainCallError("Malformed", `the transaction does not decode: ${(error as Error).message}`);
    }
    if (tx.r === undefined || tx.s === undefined || tx.yParity === undefined) {
      throw new OffchainCallError("BadSignature", "the transaction is not signed");
    }
    if (tx.to === undefined || tx.to === null) {
      throw new OffchainCallError("NoTarget", "the transaction has no `to`: it must call a Service contract");
    }
    const input = tx.data ?? "0x";
    if (size(input) < 4) {
      throw new OffchainCallError("NoSelector", "the calldata is shorter than a 4-byte method selector");
    }
    let requester: Address;
    try {
      // Hash what viem's recoverTransactionAddress hashes: its re-serialization of the parsed transaction.
      const payload = hexToBytes(
        serializeTransaction({
          ...(tx as TransactionSerializableEIP1559),
          r: undefined,
          s: undefined,
          v: undefined,
          yParity: undefined,
        }),
      );
      const rs = new Uint8Array(64);
      rs.set(hexToBytes(tx.r), 0);
      rs.set(hexToBytes(tx.s), 32);
      requester = recoverDigestAddress(keccak(payload), rs, tx.yParity);
    } catch (error) {
      throw new OffchainCallError("BadSignature", `the signature does not recover: ${(error as Error).message}`);
    }
    return {
      requestHash: bytesToHex(keccak(bytes)),
      requester,
      service: getAddress(tx.to),
      chainId: tx.chainId ?? 0,
      selector: slice(input, 0, 4),
      input,
      value: tx.value ?? 0n,
      nonce: tx.nonce ?? 0,
      serialized,
    };
  }
}
