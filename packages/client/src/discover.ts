// Verified discovery: a service's providers (addresses, hosts, stakes, status), methods, prices and off-chain chain
// id, read with eth_getProof and checked against a trusted header. Nothing here trusts eth_call or eth_getStorageAt.
import {
  decodeProviderWord,
  decodeStorageString,
  decodeStringHead,
  methodSlot,
  minStakeSlot,
  offchainChainIdSlot,
  ProviderStatus,
  priceSlot,
  providerAddressSlot,
  providerCountSlot,
  providerHostSlot,
  providerStakeSlot,
  providerStatusSlot,
} from "@verity/protocol";
import { type Address, getAddress, type Hex, type PublicClient, toHex } from "viem";
import { ProofError, ServiceNotFoundError } from "./errors.js";
import type { TrustedHeader } from "./header.js";
import { readProvedStorage } from "./proof.js";

/** A provider as proved from the service's storage. */
export interface ProvedProvider {
  address: Address;
  host: string;
  stake: bigint;
  status: ProviderStatus;
  /** Open disputes locking the provider. */
  locks: number;
  /** Active, staked at least minStake, with a host: a provider the client may ask. */
  eligible: boolean;
}

/** A method as proved: its program hash (zero if not a method) and price. */
export interface ProvedMethod {
  selector: Hex;
  programHash: Hex;
  price: bigint;
}

/** A service's state at a trusted block. */
export interface ServiceState {
  service: Address;
  header: TrustedHeader;
  offchainChainId: bigint;
  minStake: bigint;
  providers: ProvedProvider[];
  methods: Map<Hex, ProvedMethod>;
  proofsChecked: number;
}

/** Bound on the provider list read in one discovery, so a huge list cannot exhaust the client. */
export const MAX_PROVIDERS = 1024;
// Slots per eth_getProof request: keeps each answer reasonably small.
const BATCH = 64;

const hex32 = (word: bigint): Hex => toHex(word, { size: 32 });

/** Reads proved words of `service` in batches; returns them and the proofs checked. */
async function prove(
  rpc: PublicClient,
  header: TrustedHeader,
  service: Address,
  slots: Hex[],
): Promise<{ words: Map<Hex, bigint>; proofs: number; exists: boolean }> {
  const words = new Map<Hex, bigint>();
  let proofs = 0;
  let exists = true;
  const unique = [...new Set(slots.map((s) => s.toLowerCase() as Hex))];
  for (let i = 0; i < unique.length || i === 0; i += BATCH) {
    const got = await readProvedStorage(rpc, header.stateRoot, header.number, service, unique.slice(i, i + BATCH));
    exists &&=
      got.account.exists &&
      got.account.codeHash !== "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
    proofs += got.proofsChecked;
    for (const [k, v] of got.words) words.set(k, v);
  }
  return { words, proofs, exists };
}

function get(words: Map<Hex, bigint>, slot: Hex): bigint {
  const v = words.get(slot.toLowerCase() as Hex);
  if (v === undefined) throw new ProofError(`slot ${slot} was not proved`);
  return v;
}

/** Reads and proves a service's providers and the given methods at a trusted header. */
export async function discoverService(
  rpc: PublicClient,
  header: TrustedHeader,
  service: Address,
  selectors: readonly Hex[],
): Promise<ServiceState> {
  const address = getAddress(service);
  // Round 1: fixed slots and the methods asked for.
  const fixed = [providerCountSlot(), offchainChainIdSlot(), minStakeSlot()];
  const methodSlots = selectors.flatMap((s) => [methodSlot(s), priceSlot(s)]);
  const r1 = await prove(rpc, header, address, [...fixed, ...methodSlots]);
  if (!r1.exists) throw new ServiceNotFoundError(address, header.number);
  let proofs = r1.proofs;
  const count = get(r1.words, providerCountSlot());
  if (count > BigInt(MAX_PROVIDERS)) {
    throw new ProofError(`service ${address} lists ${count} providers, more than this client reads (${MAX_PROVIDERS})`);
  }
  const methods = new Map<Hex, ProvedMethod>();
  for (const selector of selectors) {
    methods.set(selector.toLowerCase() as Hex, {
      selector,
      programHash: hex32(get(r1.words, methodSlot(selector))),
      price: get(r1.words, priceSlot(selector)),
    });
  }
  // Round 2: the provider addresses.
  const indexSlots = Array.from({ length: Number(count) }, (_, i) => providerAddressSlot(BigInt(i)));
  const r2 = indexSlots.length > 0 ? await prove(rpc, header, address, indexSlots) : { words: new Map(), proofs: 0 };
  proofs += r2.proofs;
  const addresses = indexSlots.map((slot) => {
    const word = get(r2.words, slot);
    if (word >> 160n !== 0n) throw new ProofError(`provider list entry ${slot} has bits above an address`);
    return getAddress(toHex(word, { size: 20 }));
  });
  // Round 3: each provider's record.
  const recordSlots = addresses.flatMap((p) => [providerStakeSlot(p), providerStatusSlot(p), providerHostSlot(p)]);
  const r3 = recordSlots.length > 0 ? await prove(rpc, header, address, recordSlots) : { words: new Map(), proofs: 0 };
  proofs += r3.proofs;
  // Round 4: long host strings' data slots.
  const heads = addresses.map((p) => {
    const slot = providerHostSlot(p);
    return { slot, word: hex32(get(r3.words, slot)) };
  });
  const longSlots = heads.flatMap(({ slot, word }) => {
    const head = decodeStringHead(slot, word);
    return head.form === "long" ? head.dataSlots : [];
  });
  const r4 = longSlots.length > 0 ? await prove(rpc, header, address, longSlots) : { words: new Map(), proofs: 0 };
  proofs += r4.proofs;
  const minStake = get(r1.words, minStakeSlot());
  const providers = addresses.map((p, i): ProvedProvider => {
    const { slot, word } = heads[i] as { slot: Hex; word: Hex };
    const head = decodeStringHead(slot, word);
    const data = head.form === "long" ? head.dataSlots.map((s) => hex32(get(r4.words, s))) : [];
    const host = decodeStorageString(slot, word, data);
    const packed = decodeProviderWord(hex32(get(r3.words, providerStatusSlot(p))));
    const stake = get(r3.words, providerStakeSlot(p));
    return {
      address: p,
      host,
      stake,
      status: packed.status,
      locks: packed.locks,
      eligible: packed.status === ProviderStatus.Active && stake >= minStake && stake > 0n && host.length > 0,
    };
  });
  return {
    service: address,
    header,
    offchainChainId: get(r1.words, offchainChainIdSlot()) & 0xffffffffffffffffn,
    minStake,
    providers,
    methods,
    proofsChecked: proofs,
  };
}
