export * from "./generated/contracts.js";
