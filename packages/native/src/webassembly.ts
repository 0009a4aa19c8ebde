// The part of the WebAssembly JS API this package uses. TypeScript declares it only in lib.dom/lib.webworker, which
// the Node-only projects here do not load; Node 20 provides it at run time.
declare global {
  namespace WebAssembly {
    type ImportExportKind = "function" | "table" | "memory" | "global" | "tag";
    interface ModuleImportDescriptor {
      module: string;
      name: string;
      kind: ImportExportKind;
    }
    interface ModuleExportDescriptor {
      name: string;
      kind: ImportExportKind;
    }
    // biome-ignore lint/complexity/noBannedTypes: host functions of any signature
    type ImportValue = Function | Memory;
    type Imports = Record<string, Record<string, ImportValue>>;
    type Exports = Record<string, unknown>;
    class Module {
      constructor(bytes: Uint8Array);
      static imports(module: Module): ModuleImportDescriptor[];
      static exports(module: Module): ModuleExportDescriptor[];
    }
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Exports;
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    class CompileError extends Error {}
    class LinkError extends Error {}
    class RuntimeError extends Error {}
  }
}

export {};
