// EIP-1186 proofs (eth_getProof) checked against a trusted state root with @ethereumjs/mpt: the only way the client
// learns on-chain state. Every value used comes out of a verified proof, never from the RPC's own claim.
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import {
  type Address,
  bytesToHex,
  type Hex,
  hexToBigInt,
  hexToBytes,
  isHex,
  keccak256,
  type PublicClient,
  toHex,
} from "viem";
import { ProofError } from "./errors.js";

/** keccak256(RLP("")): the root of an empty trie. */
export const EMPTY_TRIE_ROOT: Hex = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

/** An account's fields, proved. `exists` is false for a proved absence. */
export interface ProvedAccount {
  exists: boolean;
  nonce: bigint;
  balance: bigint;
  storageRoot: Hex;
  codeHash: Hex;
}

interface RpcStorageProof {
  key: Hex;
  value: Hex;
  proof: Hex[];
}

interface RpcProof {
  address: Address;
  storageHash: Hex;
  accountProof: Hex[];
  storageProof: RpcStorageProof[];
}

function nodes(what: string, proof: unknown): Uint8Array[] {
  if (!Array.isArray(proof) || proof.some((n) => typeof n !== "string" || !isHex(n, { strict: true }))) {
    throw new ProofError(`${what}: the proof is not an array of 0x-hex trie nodes`);
  }
  return (proof as Hex[]).map((n) => hexToBytes(n));
}

// verifyMerkleProof does not check the root of an empty proof, so an empty proof is only accepted for an empty trie.
async function provedValue(what: string, root: Hex, key: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | null> {
  if (proof.length === 0) {
    if (root.toLowerCase() === EMPTY_TRIE_ROOT) return null;
    throw new ProofError(`${what}: empty proof for the non-empty trie ${root}`);
  }
  if (keccak256(proof[0] as Uint8Array) !== root.toLowerCase()) {
    throw new ProofError(`${what}: the proof's first node does not hash to the expected root ${root}`);
  }
  try {
    return await verifyMerkleProof(key, proof, { root: hexToBytes(root), useKeyHashing: true });
  } catch (error) {
    throw new ProofError(`${what}: invalid Merkle proof (${(error as Error).message})`);
  }
}

function rlpInt(what: string, value: Uint8Array): bigint {
  if (value.length > 0 && value[0] === 0) throw new ProofError(`${what}: non-minimal integer in the proved value`);
  return value.length === 0 ? 0n : hexToBigInt(bytesToHex(value));
}

/** Verifies an account proof against `stateRoot`; returns the account as proved. */
export async function verifyAccountProof(
  stateRoot: Hex,
  address: Address,
  accountProof: unknown,
): Promise<ProvedAccount> {
  const what = `account ${address}`;
  const value = await provedValue(what, stateRoot, hexToBytes(address), nodes(what, accountProof));
  if (value === null) {
    return { exists: false, nonce: 0n, balance: 0n, storageRoot: EMPTY_TRIE_ROOT, codeHash: keccak256("0x") };
  }
  const decoded = RLP.decode(value);
  if (!Array.isArray(decoded) || decoded.length !== 4 || decoded.some((x) => !(x instanceof Uint8Array))) {
    throw new ProofError(`${what}: the proved account is not RLP [nonce, balance, storageRoot, codeHash]`);
  }
  const [nonce, balance, storageRoot, codeHash] = decoded as Uint8Array[];
  if (storageRoot?.length !== 32 || codeHash?.length !== 32) {
    throw new ProofError(`${what}: the proved account's storage root or code hash is not 32 bytes`);
  }
  return {
    exists: true,
    nonce: rlpInt(what, nonce as Uint8Array),
    balance: rlpInt(what, balance as Uint8Array),
    storageRoot: bytesToHex(storageRoot),
    codeHash: bytesToHex(codeHash),
  };
}

/** Verifies a storage proof of `slot` against `storageRoot`; returns the proved word (0 when absent). */
export async function verifyStorageProof(storageRoot: Hex, slot: Hex, proof: unknown): Promise<bigint> {
  const what = `storage slot ${slot}`;
  const key = hexToBytes(slot);
  if (key.length !== 32) throw new ProofError(`${what}: a slot must be 32 bytes`);
  const value = await provedValue(what, storageRoot, key, nodes(what, proof));
  if (value === null) return 0n;
  const decoded = RLP.decode(value);
  // An encoded empty string (0x80) is zero: some nodes keep explicit zero words in the proof they serve.
  if (!(decoded instanceof Uint8Array) || decoded.length > 32) {
    throw new ProofError(`${what}: the proved value ${bytesToHex(value)} is not an RLP word`);
  }
  return rlpInt(what, decoded);
}

/** Proved storage words of one account at one block. */
export interface ProvedStorage {
  account: ProvedAccount;
  /** Slot (lowercase 32-byte hex) to proved word. */
  words: Map<Hex, bigint>;
  /** Proofs checked (the account proof and one per slot). */
  proofsChecked: number;
}

/**
 * Fetches eth_getProof for `slots` at block `blockNumber` from an untrusted RPC and verifies all of it against
 * `stateRoot`. Throws ProofError when any proof fails or the RPC's claimed values differ from the proved ones.
 */
export async function readProvedStorage(
  rpc: PublicClient,
  stateRoot: Hex,
  blockNumber: bigint,
  address: Address,
  slots: readonly Hex[],
): Promise<ProvedStorage> {
  const keys = slots.map((s) => s.toLowerCase() as Hex);
  const raw = (await rpc.request({
    method: "eth_getProof",
    params: [address, keys, toHex(blockNumber)],
  })) as unknown as RpcProof;
  if (typeof raw !== "object" || raw === null) throw new ProofError(`eth_getProof for ${address}: no answer object`);
  const account = await verifyAccountProof(stateRoot, address, raw.accountProof);
  if (typeof raw.storageHash !== "string" || raw.storageHash.toLowerCase() !== account.storageRoot) {
    throw new ProofError(
      `account ${address}: the RPC claims storage root ${raw.storageHash} but the proof says ${account.storageRoot}`,
    );
  }
  if (!Array.isArray(raw.storageProof) || raw.storageProof.length !== keys.length) {
    throw new ProofError(`eth_getProof for ${address}: expected ${keys.length} storage proofs`);
  }
  const words = new Map<Hex, bigint>();
  for (let i = 0; i < keys.length; i++) {
    const slot = keys[i] as Hex;
    const entry = raw.storageProof[i] as RpcStorageProof;
    if (typeof entry?.key !== "string" || hexToBigInt(entry.key) !== hexToBigInt(slot)) {
      throw new ProofError(`storage proof ${i} of ${address} is for key ${entry?.key}, expected ${slot}`);
    }
    const word = await verifyStorageProof(account.storageRoot, slot, entry.proof);
    if (typeof entry.value !== "string" || !isHex(entry.value) || hexToBigInt(entry.value) !== word) {
      throw new ProofError(
        `storage slot ${slot} of ${address}: the RPC claims ${entry.value} but the proof says ${toHex(word)}`,
      );
    }
    words.set(slot, word);
  }
  return { account, words, proofsChecked: 1 + keys.length };
}
