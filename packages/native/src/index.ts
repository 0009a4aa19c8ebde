import "./webassembly.js";

export {
  type ExecutionLimits,
  type ExecutionResult,
  executeProgram,
  executeProving,
  machineResult,
  provingMachine,
} from "./execute.js";
export { checkWasmInterface, NativeModuleError, VERITY_IMPORTS, type VerityImport } from "./interface.js";
export { type IsolatedRunOptions, NativeTimeoutError, runNativeIsolated } from "./isolated.js";
export {
  compileNative,
  NativeDivergenceError,
  type NativeResult,
  type NativeRunOptions,
  runNative,
} from "./run.js";
