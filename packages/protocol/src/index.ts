export * from "./dispute.js";
export * from "./generated/contracts.js";
export * from "./offchain-call.js";
export * from "./program.js";
export * from "./response.js";
export * from "./storage-layout.js";
export * from "./voucher.js";
