// JSON-RPC error codes of the provider: stable numbers that clients may branch on (documented in docs/protocol.md).

/** Every error code a provider returns. JSON-RPC's own codes are negative; Verity's are 1000-1999. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  MalformedTransaction: 1001,
  WrongChainId: 1002,
  UnknownService: 1003,
  UnknownMethod: 1004,
  InputTooLarge: 1005,
  PaymentRequired: 1006,
  InvalidVoucher: 1007,
  NotFound: 1008,
  ExecutionTimeout: 1009,
  ProgramUnavailable: 1010,
  Overloaded: 1011,
  RequestConflict: 1012,
} as const;

/** A numeric provider error code. */
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** An error a JSON-RPC handler raises on purpose; the server turns it into a JSON-RPC error object. */
export class ProviderRpcError extends Error {
  override name = "ProviderRpcError";
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}
