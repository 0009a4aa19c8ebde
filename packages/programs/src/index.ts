export { type BuildOptions, type BuildResult, buildProgram, buildRv32Elf, RUNTIME_DIR } from "./build.js";
export { type ProgramConfig, ProgramConfigError, readProgramConfig } from "./config.js";
export {
  COMMON_CFLAGS,
  CompileError,
  checkToolchains,
  RV32_FLAGS,
  ToolchainMissingError,
  WASM_FLAGS,
} from "./toolchain.js";
