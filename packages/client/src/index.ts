// @verity/client: the Verity SDK for Node and browsers (docs/components/client.md).
export { type Channels, createChannels, memoryVoucherStore, type VoucherStore } from "./channels.js";
export {
  createVerityClient,
  groupAnswers,
  type TrustOption,
  type VerityCallParameters,
  type VerityCallResult,
  type VerityClient,
  type VerityClientOptions,
} from "./client.js";
export {
  discoverService,
  MAX_PROVIDERS,
  type ProvedMethod,
  type ProvedProvider,
  type ServiceState,
} from "./discover.js";
export {
  disputeResponses,
  MAX_DISPUTE_RESPONSES,
  type OpenedDispute,
  openDispute,
  provedVerifiedResult,
  VERIFIED_RESULT_SLOT,
  verifiedResultSlot,
  waitForVerifiedResult,
} from "./dispute.js";
export * from "./errors.js";
export {
  encodeHeader,
  type HeaderSource,
  type HeliosConfig,
  headerHash,
  heliosHeader,
  nodeHeader,
  pinnedHeader,
  type RpcBlock,
  type TrustedHeader,
} from "./header.js";
export {
  EMPTY_TRIE_ROOT,
  type ProvedAccount,
  readProvedStorage,
  verifyAccountProof,
  verifyStorageProof,
} from "./proof.js";
export {
  BundleUnavailableError,
  type NativeReexecutorOptions,
  nativeReexecutor,
  type ReexecuteCall,
  type Reexecutor,
} from "./reexecute.js";
export type * from "./report.js";
export { randomInt, randomUnit, shuffle } from "./select.js";
export { InvalidAnswerError, verifyAnswer } from "./verify.js";
