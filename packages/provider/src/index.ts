// @verity/provider: the Verity provider node.

export { CallDecoder } from "./call-decoder.js";
export { type ClaimTrace, recordClaimTrace } from "./claim-trace.js";
export { ConfigError, type FaultyMode, loadConfig, type ProviderConfig } from "./config.js";
export { DisputeBot, type DisputeBotDeps } from "./dispute-bot.js";
export {
  corruptAt,
  corruptOutput,
  type ExecutionLimits,
  type ExecutionResult,
  effectiveCorruption,
  executeCorrupted,
  executeProgram,
  executeProving,
  provingMachine,
} from "./execute.js";
export { ExecutionTimeoutError, ExecutorPool, type ExecutorPoolOptions, PoolOverloadedError } from "./executor-pool.js";
export {
  nativeSecp256k1,
  nativeSecp256k1Error,
  recoverDigestAddress,
  Secp256k1Error,
  signDigest,
} from "./fast-crypto.js";
export { ProviderMetrics } from "./metrics.js";
export { PollLoop } from "./poll-loop.js";
export { ProgramStore, type ProgramStoreOptions, ProgramUnavailableError } from "./program-store.js";
export { type CallAnswer, PROVIDER_VERSION, ProviderNode } from "./provider-node.js";
export { RequestWatcher, type RequestWatcherDeps } from "./request-watcher.js";
export { ResponseSigner } from "./response-signer.js";
export { ProviderRpcError, RpcErrorCode } from "./rpc-errors.js";
export { runProvider } from "./run.js";
export { createServer, type RpcHandlers, type ServerDeps } from "./server.js";
export { ServiceCatalog, type ServiceEntry, type ServiceMethod } from "./service-catalog.js";
export {
  type CallRecord,
  ProviderStore,
  type ProviderStoreOptions,
  type StoredRequest,
  type StoredResponse,
  type StoredVoucher,
  StoreWriteError,
  type UnsignedCallRecord,
} from "./store.js";
