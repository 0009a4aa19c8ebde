// @verity/provider: the Verity provider node.
export { ConfigError, type FaultyMode, loadConfig, type ProviderConfig } from "./config.js";
export {
  corruptAt,
  corruptOutput,
  type ExecutionLimits,
  type ExecutionResult,
  executeCorrupted,
  executeProgram,
  executeProving,
  provingMachine,
} from "./execute.js";
export { ExecutionTimeoutError, ExecutorPool, type ExecutorPoolOptions, PoolOverloadedError } from "./executor-pool.js";
export { ProviderMetrics } from "./metrics.js";
export { ProgramStore, type ProgramStoreOptions, ProgramUnavailableError } from "./program-store.js";
export { type CallAnswer, PROVIDER_VERSION, ProviderNode } from "./provider-node.js";
export { ProviderRpcError, RpcErrorCode } from "./rpc-errors.js";
export { createServer, type RpcHandlers, type ServerDeps } from "./server.js";
export { type ServiceEntry, type ServiceMethod, ServiceCatalog } from "./service-catalog.js";
export { ProviderStore, type StoredRequest, type StoredResponse, type StoredVoucher } from "./store.js";
