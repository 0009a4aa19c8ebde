// Storage layout of VerityService (contracts/src/service/VerityService.sol): the slots a client reads with
// eth_getStorageAt / eth_getProof to learn, and prove, a service's providers, methods and prices.
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hexToBigInt,
  hexToBytes,
  isAddress,
  keccak256,
  numberToHex,
  pad,
  toHex,
} from "viem";

/** Fixed slots of VerityService's state variables (declaration order in the contract). */
export const serviceSlots = {
  providerList: 0n,
  providers: 1n,
  methods: 2n,
  prices: 3n,
  offchainChainId: 4n,
  minStake: 5n,
  owner: 6n,
  pendingOwner: 7n,
  requestCount: 8n,
  requests: 9n,
  outputs: 10n,
} as const;

/** Word offsets inside a provider record, from `providerSlot(provider)`. */
export const providerFields = { stake: 0n, packed: 1n, host: 2n } as const;

/** Provider lifecycle, as the contract's `ProviderStatus` enum. */
export const ProviderStatus = { None: 0, Active: 1, Exiting: 2, Withdrawn: 3, Slashed: 4 } as const;
/** A value of ProviderStatus. */
export type ProviderStatus = (typeof ProviderStatus)[keyof typeof ProviderStatus];

/** A storage slot or word is not what the layout expects. */
export class StorageLayoutError extends Error {
  override name = "StorageLayoutError";
}

const SLOT_SPACE = 1n << 256n;

/** A slot number as the 32-byte hex that eth_getStorageAt and eth_getProof take. */
export function slotHex(slot: bigint): Hex {
  if (slot < 0n || slot >= SLOT_SPACE) throw new StorageLayoutError(`slot ${slot} is outside [0, 2^256)`);
  return numberToHex(slot, { size: 32 });
}

/** `slot + offset` modulo 2^256, as Solidity computes array and struct member positions. */
export function slotAdd(slot: Hex, offset: bigint): Hex {
  return slotHex((hexToBigInt(slot) + offset) % SLOT_SPACE);
}

/** keccak256 of a slot number: where a dynamic array's or long string's data starts. */
export function dataSlot(slot: Hex): Hex {
  return keccak256(pad(slot, { size: 32 }));
}

function checkSelector(selector: Hex): void {
  if (!/^0x[0-9a-fA-F]{8}$/.test(selector)) {
    throw new StorageLayoutError(`selector must be 4 bytes (0x + 8 hex digits), got ${selector}`);
  }
}

function checkAddress(address: Address): void {
  if (!isAddress(address, { strict: false })) {
    throw new StorageLayoutError(`expected a 20-byte address, got ${address}`);
  }
}

/** Slot of `mapping(address => T)[key]` at `mappingSlot`: keccak256(abi.encode(key, mappingSlot)). */
export function addressMappingSlot(key: Address, mappingSlot: bigint): Hex {
  checkAddress(key);
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [key, mappingSlot]));
}

/** Slot of `mapping(bytes4 => T)[key]` at `mappingSlot`: the key is left-aligned in its 32-byte word. */
export function selectorMappingSlot(selector: Hex, mappingSlot: bigint): Hex {
  checkSelector(selector);
  return keccak256(encodeAbiParameters([{ type: "bytes4" }, { type: "uint256" }], [selector, mappingSlot]));
}

/** Slot holding the number of entries of the provider list. */
export function providerCountSlot(): Hex {
  return slotHex(serviceSlots.providerList);
}

/** Slot holding the address of the `index`-th provider (0-based). */
export function providerAddressSlot(index: bigint): Hex {
  if (index < 0n) throw new StorageLayoutError(`provider index must be >= 0, got ${index}`);
  return slotAdd(dataSlot(providerCountSlot()), index);
}

/** First slot of a provider's record (its stake). */
export function providerSlot(provider: Address): Hex {
  return addressMappingSlot(provider, serviceSlots.providers);
}

/** Slot of a provider's stake (uint256). */
export function providerStakeSlot(provider: Address): Hex {
  return slotAdd(providerSlot(provider), providerFields.stake);
}

/** Slot of a provider's packed status word (see decodeProviderWord). */
export function providerStatusSlot(provider: Address): Hex {
  return slotAdd(providerSlot(provider), providerFields.packed);
}

/** Head slot of a provider's host string (see stringDataSlots, decodeStorageString). */
export function providerHostSlot(provider: Address): Hex {
  return slotAdd(providerSlot(provider), providerFields.host);
}

/** Slot of `methods[selector]` (the program hash, 0 if not a method). */
export function methodSlot(selector: Hex): Hex {
  return selectorMappingSlot(selector, serviceSlots.methods);
}

/** Slot of `prices[selector]` (wei per call). */
export function priceSlot(selector: Hex): Hex {
  return selectorMappingSlot(selector, serviceSlots.prices);
}

/** Slot of the off-chain chain id (uint64 in the low 8 bytes). */
export function offchainChainIdSlot(): Hex {
  return slotHex(serviceSlots.offchainChainId);
}

/** Slot of the minimum stake (uint256). */
export function minStakeSlot(): Hex {
  return slotHex(serviceSlots.minStake);
}

/** Slot of the owner address. */
export function ownerSlot(): Hex {
  return slotHex(serviceSlots.owner);
}

function word(value: Hex): bigint {
  if (!/^0x[0-9a-fA-F]{0,64}$/.test(value)) {
    throw new StorageLayoutError(`storage word must be at most 32 bytes of hex, got ${value}`);
  }
  return value === "0x" ? 0n : hexToBigInt(value);
}

/** A uint256 storage word as a bigint. */
export function decodeUint(value: Hex): bigint {
  return word(value);
}

/** The uint64 off-chain chain id from the word at offchainChainIdSlot(). */
export function decodeOffchainChainId(value: Hex): bigint {
  return word(value) & 0xffffffffffffffffn;
}

/** An address stored in the low 20 bytes of a word (provider list entries, owner). */
export function decodeAddress(value: Hex): Address {
  const w = word(value);
  if (w >> 160n !== 0n) throw new StorageLayoutError(`word ${value} has bits above an address's 160`);
  return pad(toHex(w), { size: 20 }) as Address;
}

/** A bytes32 word (program hash) as 32-byte hex. */
export function decodeBytes32(value: Hex): Hex {
  return slotHex(word(value));
}

/** The fields packed in a provider's status word. */
export interface ProviderWord {
  status: ProviderStatus;
  /** Timestamp of requestExit (0 unless exiting). */
  exitRequestedAt: bigint;
  /** Number of open disputes locking the provider. */
  locks: number;
  /** True once the address is in the provider list. */
  listed: boolean;
}

/** Decodes [status u8 | exitRequestedAt u64 | locks u32 | listed bool], least significant byte first. */
export function decodeProviderWord(value: Hex): ProviderWord {
  const w = word(value);
  const status = Number(w & 0xffn);
  if (status > ProviderStatus.Slashed) throw new StorageLayoutError(`provider status byte ${status} is not 0..4`);
  const listedByte = (w >> 104n) & 0xffn;
  if (listedByte > 1n) throw new StorageLayoutError(`provider listed byte ${listedByte} is not 0 or 1`);
  if (w >> 112n !== 0n) throw new StorageLayoutError(`provider status word ${value} has bits above byte 13`);
  return {
    status: status as ProviderStatus,
    exitRequestedAt: (w >> 8n) & 0xffffffffffffffffn,
    locks: Number((w >> 72n) & 0xffffffffn),
    listed: listedByte === 1n,
  };
}

/** How a Solidity `string`/`bytes` is held: inline (< 32 bytes) or in `ceil(length/32)` data slots. */
export type StringHead = { form: "short"; length: number } | { form: "long"; length: number; dataSlots: Hex[] };

/** Reads a string's head word at `headSlot`: its length and, for the long form, the data slots to fetch. */
export function decodeStringHead(headSlot: Hex, headWord: Hex): StringHead {
  const w = word(headWord);
  if ((w & 1n) === 0n) {
    const length = Number((w & 0xffn) >> 1n);
    if (length > 31) throw new StorageLayoutError(`short string length ${length} is above 31`);
    return { form: "short", length };
  }
  const length = (w - 1n) >> 1n;
  if (length < 32n) throw new StorageLayoutError(`long string length ${length} is below 32`);
  if (length > 1n << 24n) throw new StorageLayoutError(`long string length ${length} is implausibly large`);
  const count = Number((length + 31n) / 32n);
  const start = dataSlot(headSlot);
  return {
    form: "long",
    length: Number(length),
    dataSlots: Array.from({ length: count }, (_, i) => slotAdd(start, BigInt(i))),
  };
}

/** Decodes a stored string from its head word and (long form) the words of its data slots, in order. */
export function decodeStorageString(headSlot: Hex, headWord: Hex, dataWords: readonly Hex[] = []): string {
  const head = decodeStringHead(headSlot, headWord);
  let bytes: Uint8Array;
  if (head.form === "short") {
    bytes = hexToBytes(slotHex(word(headWord))).subarray(0, head.length);
    const tail = hexToBytes(slotHex(word(headWord))).subarray(head.length, 31);
    if (tail.some((b) => b !== 0)) throw new StorageLayoutError("short string has non-zero bytes past its length");
  } else {
    if (dataWords.length !== head.dataSlots.length) {
      throw new StorageLayoutError(`long string needs ${head.dataSlots.length} data words, got ${dataWords.length}`);
    }
    const all = new Uint8Array(dataWords.length * 32);
    dataWords.forEach((w, i) => {
      all.set(hexToBytes(slotHex(word(w))), i * 32);
    });
    bytes = all.subarray(0, head.length);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/**
 * The off-chain chain id of a service, as VerityService.deriveOffchainChainId: the low 48 bits of
 * keccak256(abi.encode("verity.offchain", chainId, service)) with bit 47 set; bit 0 flipped if that equals chainId.
 */
export function deriveOffchainChainId(chainId: bigint, service: Address): bigint {
  checkAddress(service);
  const h = hexToBigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: "string" }, { type: "uint256" }, { type: "address" }],
        ["verity.offchain", chainId, service],
      ),
    ),
  );
  let id = (h & 0xffffffffffffn) | (1n << 47n);
  if (id === chainId) id ^= 1n;
  return id;
}
