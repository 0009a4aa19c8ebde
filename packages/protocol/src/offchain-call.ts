// The off-chain call: an ordinary signed EIP-1559 transaction to a Service method, made unminable by carrying the
// Service's off-chain chain id. Clients build it with `signOffchainCall`; providers decode it with `parseOffchainCall`.
import {
  type Address,
  getAddress,
  type Hex,
  isHex,
  keccak256,
  type LocalAccount,
  parseTransaction,
  recoverTransactionAddress,
  size,
  slice,
  type TransactionSerializedEIP1559,
} from "viem";

/** A decoded, signature-checked off-chain call. */
export interface OffchainCall {
  /** keccak256 of the signed serialized transaction: the request's identity everywhere in the protocol. */
  readonly requestHash: Hex;
  /** The signer of the transaction (the user who pays and is compensated in a dispute). */
  readonly requester: Address;
  /** The Service contract the call targets (`to`). */
  readonly service: Address;
  /** The Service's off-chain chain id the transaction was signed for. */
  readonly chainId: number;
  /** First 4 bytes of the calldata: the method. */
  readonly selector: Hex;
  /** The full calldata, selector included: the program's input. */
  readonly input: Hex;
  readonly value: bigint;
  readonly nonce: number;
  /** The signed transaction as received. */
  readonly serialized: Hex;
}

/** Why an off-chain call was rejected. */
export type OffchainCallErrorCode = "Malformed" | "NotEip1559" | "NoTarget" | "NoSelector" | "BadSignature";

/** An off-chain transaction that cannot be decoded or whose signature does not recover. */
export class OffchainCallError extends Error {
  override name = "OffchainCallError";
  constructor(
    readonly code: OffchainCallErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parameters of `signOffchainCall`. */
export interface SignOffchainCallParameters {
  account: LocalAccount;
  service: Address;
  offchainChainId: number | bigint;
  /** Calldata: selector and ABI-encoded arguments (viem's `encodeFunctionData`). */
  data: Hex;
  /** Distinguishes two calls with equal calldata; defaults to the current time in milliseconds. */
  nonce?: number;
  value?: bigint;
}

/** Signs an off-chain call with a local account; the result is what `verity_call` takes. */
export async function signOffchainCall(parameters: SignOffchainCallParameters): Promise<Hex> {
  const { account, service, data } = parameters;
  if (!isHex(data) || size(data) < 4) {
    throw new OffchainCallError("NoSelector", `calldata must start with a 4-byte selector, got ${data}`);
  }
  return account.signTransaction({
    type: "eip1559",
    chainId: Number(parameters.offchainChainId),
    to: service,
    data,
    value: parameters.value ?? 0n,
    nonce: parameters.nonce ?? Date.now(),
    gas: 0n,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
  });
}

/** Decodes a signed off-chain call and recovers its sender; throws `OffchainCallError` on anything malformed. */
export async function parseOffchainCall(serialized: Hex): Promise<OffchainCall> {
  if (!isHex(serialized, { strict: true }) || size(serialized) < 2) {
    throw new OffchainCallError("Malformed", "the call must be a 0x-prefixed hex string of a signed transaction");
  }
  if (!serialized.startsWith("0x02")) {
    throw new OffchainCallError("NotEip1559", "the call must be an EIP-1559 (type 0x02) transaction");
  }
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
    requester = await recoverTransactionAddress({ serializedTransaction: serialized as TransactionSerializedEIP1559 });
  } catch (error) {
    throw new OffchainCallError("BadSignature", `the signature does not recover: ${(error as Error).message}`);
  }
  return {
    requestHash: keccak256(serialized),
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
