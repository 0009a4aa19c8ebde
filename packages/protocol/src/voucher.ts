// EIP-712 payment-channel vouchers of PaymentChannels (contracts/src/payments/PaymentChannels.sol): the one
// definition that clients (sign), providers (verify, claim) and tests use.
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hashTypedData,
  hexToBigInt,
  isAddress,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  recoverTypedDataAddress,
  size,
  slice,
} from "viem";

/** EIP-712 domain name of PaymentChannels. */
export const VOUCHER_DOMAIN_NAME = "Verity PaymentChannels";
/** EIP-712 domain version of PaymentChannels. */
export const VOUCHER_DOMAIN_VERSION = "1";

/** EIP-712 types of a voucher: `Voucher(bytes32 channelId,uint256 cumulativeAmount)`. */
export const voucherTypes = {
  Voucher: [
    { name: "channelId", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
} as const;

/** What a payer signs: the cumulative amount owed on a channel over its whole life, in wei. */
export interface Voucher {
  channelId: Hex;
  cumulativeAmount: bigint;
}

/** A voucher with its payer signature, shaped as PaymentChannels.claim's `SignedVoucher` argument. */
export interface SignedVoucher extends Voucher {
  signature: Hex;
}

/** Where a voucher is valid: the chain and the PaymentChannels contract. */
export interface VoucherDomain {
  chainId: bigint | number;
  verifyingContract: Address;
}

/** A voucher or its context is malformed. */
export class VoucherError extends Error {
  override name = "VoucherError";
}

const UINT256_MAX = (1n << 256n) - 1n;
/** secp256k1 order / 2: PaymentChannels rejects signatures with a larger s. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function checkVoucher(voucher: Voucher): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(voucher.channelId)) {
    throw new VoucherError(`channelId must be 32 bytes (0x + 64 hex digits), got ${voucher.channelId}`);
  }
  if (voucher.cumulativeAmount < 0n || voucher.cumulativeAmount > UINT256_MAX) {
    throw new VoucherError(`cumulativeAmount must be a uint256, got ${voucher.cumulativeAmount}`);
  }
}

function checkAddress(what: string, address: Address): void {
  if (!isAddress(address, { strict: false }))
    throw new VoucherError(`${what} must be a 20-byte address, got ${address}`);
}

/** The EIP-712 domain of a PaymentChannels deployment. */
export function voucherDomain(domain: VoucherDomain) {
  checkAddress("verifyingContract", domain.verifyingContract);
  return {
    name: VOUCHER_DOMAIN_NAME,
    version: VOUCHER_DOMAIN_VERSION,
    chainId: BigInt(domain.chainId),
    verifyingContract: domain.verifyingContract,
  } as const;
}

/** The channel id of (payer, provider): keccak256(abi.encode(payer, provider)), as PaymentChannels.channelIdOf. */
export function channelIdOf(payer: Address, provider: Address): Hex {
  checkAddress("payer", payer);
  checkAddress("provider", provider);
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "address" }], [payer, provider]));
}

/** The EIP-712 digest of a voucher (what PaymentChannels.voucherDigest returns). */
export function hashVoucher(domain: VoucherDomain, voucher: Voucher): Hex {
  checkVoucher(voucher);
  return hashTypedData({
    domain: voucherDomain(domain),
    types: voucherTypes,
    primaryType: "Voucher",
    message: voucher,
  });
}

/** Signs a voucher with the payer's account; returns it ready for `claim`. */
export async function signVoucher(
  account: Pick<LocalAccount, "signTypedData">,
  domain: VoucherDomain,
  voucher: Voucher,
): Promise<SignedVoucher> {
  checkVoucher(voucher);
  const signature = await account.signTypedData({
    domain: voucherDomain(domain),
    types: voucherTypes,
    primaryType: "Voucher",
    message: voucher,
  });
  return { channelId: voucher.channelId, cumulativeAmount: voucher.cumulativeAmount, signature };
}

/** The address that signed a voucher; throws VoucherError for a signature PaymentChannels would reject. */
export async function recoverVoucherSigner(domain: VoucherDomain, signed: SignedVoucher): Promise<Address> {
  checkVoucher(signed);
  if (!/^0x[0-9a-fA-F]*$/.test(signed.signature) || size(signed.signature) !== 65) {
    throw new VoucherError(`signature must be 65 bytes (r || s || v), got ${signed.signature}`);
  }
  const s = hexToBigInt(slice(signed.signature, 32, 64));
  if (s > HALF_ORDER) throw new VoucherError("signature s is in the upper half of the curve order (malleable)");
  const v = hexToBigInt(slice(signed.signature, 64, 65));
  if (v !== 27n && v !== 28n && v !== 0n && v !== 1n) throw new VoucherError(`signature v must be 27 or 28, got ${v}`);
  return recoverTypedDataAddress({
    domain: voucherDomain(domain),
    types: voucherTypes,
    primaryType: "Voucher",
    message: { channelId: signed.channelId, cumulativeAmount: signed.cumulativeAmount },
    signature: signed.signature,
  });
}

/**
 * True when `signed` is a voucher that PaymentChannels would honour for the channel (payer -> provider): the
 * channel id is theirs and the payer signed it. Malformed input yields false.
 */
export async function verifyVoucher(
  domain: VoucherDomain,
  signed: SignedVoucher,
  parties: { payer: Address; provider: Address },
): Promise<boolean> {
  try {
    if (signed.channelId.toLowerCase() !== channelIdOf(parties.payer, parties.provider)) return false;
    const signer = await recoverVoucherSigner(domain, signed);
    return isAddressEqual(signer, parties.payer);
  } catch {
    return false;
  }
}
