// The wasm32 side of the program runtime (programs/runtime/verity.h): what a native image imports and exports.
/** A wasm module that does not match the Verity native interface. */
export class NativeModuleError extends Error {
  override name = "NativeModuleError";
}

/** Functions a native image may import from module "verity", with their wasm signatures. */
export const VERITY_IMPORTS = {
  read_input: "(i32 buf, i32 len) -> i32 n",
  write_output: "(i32 buf, i32 len) -> i32 n",
  log: "(i32 buf, i32 len) -> ()",
  oracle_select: "(i32 keyPtr) -> i32 0",
  oracle_read: "(i32 dst, i32 len, i32 offset) -> i32 n",
  exit: "(i32 code) -> never",
} as const;

export type VerityImport = keyof typeof VERITY_IMPORTS;

/** Checks that a module imports only functions of module "verity" and exports `memory` and `_start`. */
export function checkWasmInterface(module: WebAssembly.Module): void {
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== "verity" || imp.kind !== "function" || !Object.hasOwn(VERITY_IMPORTS, imp.name))
      throw new NativeModuleError(
        `wasm imports ${imp.kind} "${imp.module}.${imp.name}": only functions of module "verity" (${Object.keys(VERITY_IMPORTS).join(", ")}) are provided`,
      );
  }
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((e) => e.name === "memory" && e.kind === "memory"))
    throw new NativeModuleError('wasm does not export its memory as "memory"');
  if (!exports.some((e) => e.name === "_start" && e.kind === "function"))
    throw new NativeModuleError('wasm does not export a "_start" function');
}
