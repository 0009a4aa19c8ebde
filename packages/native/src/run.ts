// runNative: runs a program's wasm32 native image and computes the same result hash as the proving VM (§1.7, §1.8).
import {
  keccak,
  MAX_KECCAK_BLOB,
  OracleError,
  type OracleResolver,
  OutputCommitment,
  oracleKeyMatches,
  resultHash,
  Status,
  toHex,
} from "@verity/vm";

import { checkWasmInterface, NativeModuleError } from "./interface.js";

const WASM_PAGE = 65536;

/** Options of runNative. */
export type NativeRunOptions = {
  /** The program's input (the service call's calldata). */
  input: Uint8Array;
  /** Output limit in bytes (the manifest's maxOutput). */
  maxOutput: number;
  /** Largest memory the module may use, in 64 KiB pages. */
  memoryLimitPages: number;
  /** Resolves data-oracle keys; a missing blob throws OracleError (the run cannot continue). */
  oracle?: OracleResolver;
  /** Receives what the program writes to its log (stderr); ignored by default. */
  log?: (bytes: Uint8Array) => void;
};

/** Result of a native run, comparable with the proving VM's. */
export type NativeResult = {
  status: Status;
  /** exit() argument as u32 (0 unless Exited). */
  exitCode: number;
  /** The output bytes (empty unless Exited). */
  output: Uint8Array;
  /** Output commitment (§1.7), zero unless Exited. */
  outputHash: Uint8Array;
  /** keccak(u8(status) || u32(exitCode) || outputHash) (§1.8). */
  resultHash: Uint8Array;
};

/**
 * The native run cannot reproduce the proving VM's result: the module trapped where RV32IM would not (division by
 * zero, float-to-int overflow, call-stack exhaustion, bad indirect call) or returned without exit. The caller must
 * run the proving VM to obtain the authoritative result.
 */
export class NativeDivergenceError extends Error {
  override name = "NativeDivergenceError";
}

/** Signals thrown from host functions to unwind the wasm stack. */
class Halt {
  constructor(
    readonly status: Status,
    readonly exitCode = 0,
  ) {}
}

const moduleCache = new Map<string, WebAssembly.Module>();
const MODULE_CACHE_LIMIT = 64;

/** Compiles (once per distinct wasm, keyed by keccak) and checks a native image. */
export function compileNative(wasm: Uint8Array): WebAssembly.Module {
  const key = toHex(keccak(wasm));
  let module = moduleCache.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(wasm);
    checkWasmInterface(module);
    if (moduleCache.size >= MODULE_CACHE_LIMIT) moduleCache.delete(moduleCache.keys().next().value as string);
    moduleCache.set(key, module);
  }
  return module;
}

/** Runs a native image to completion and returns its status, output and result hash. */
export function runNative(wasm: Uint8Array | WebAssembly.Module, opts: NativeRunOptions): NativeResult {
  const module = wasm instanceof WebAssembly.Module ? wasm : compileNative(wasm);
  if (wasm instanceof WebAssembly.Module) checkWasmInterface(module);
  const { input, maxOutput, oracle } = opts;
  const limitBytes = opts.memoryLimitPages * WASM_PAGE;

  let memory: WebAssembly.Memory | undefined;
  const mem = (ptr: number, len: number): Uint8Array => {
    const buf = new Uint8Array((memory as WebAssembly.Memory).buffer);
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (p + n > buf.length) throw new Halt(Status.MemoryLimit);
    return buf.subarray(p, p + n);
  };

  let inputCursor = 0;
  const output = new OutputCommitment();
  const chunks: Uint8Array[] = [];
  let oracleKey: Uint8Array | undefined;
  let blob: Uint8Array | undefined;

  const selectedBlob = (): Uint8Array => {
    if (blob !== undefined) return blob;
    const key = oracleKey;
    if (key === undefined || key.every((b) => b === 0) || (key[0] !== 1 && key[0] !== 2))
      throw new Halt(Status.BadOracleKey);
    const found = oracle?.get(key);
    if (found === undefined)
      throw new OracleError(`oracle blob for key 0x${Buffer.from(key).toString("hex")} not available`);
    if (!oracleKeyMatches(key, found))
      throw new OracleError(`oracle blob for key 0x${Buffer.from(key).toString("hex")} does not match the key`);
    if (key[0] === 1 && found.length > MAX_KECCAK_BLOB) throw new Halt(Status.BadOracleKey);
    blob = found;
    return found;
  };

  const imports = {
    verity: {
      read_input(ptr: number, len: number): number {
        const n = Math.min(len >>> 0, input.length - inputCursor);
        if (n === 0) return 0;
        mem(ptr, n).set(input.subarray(inputCursor, inputCursor + n));
        inputCursor += n;
        return n;
      },
      write_output(ptr: number, len: number): number {
        const n = len >>> 0;
        if (n === 0) return 0;
        if (output.length + n > maxOutput) throw new Halt(Status.OutputLimit);
        const bytes = mem(ptr, n).slice();
        output.append(bytes);
        chunks.push(bytes);
        return n;
      },
      log(ptr: number, len: number): void {
        if (opts.log !== undefined) opts.log(mem(ptr, len).slice());
      },
      oracle_select(ptr: number): number {
        oracleKey = mem(ptr, 32).slice();
        blob = undefined;
        return 0;
      },
      oracle_read(dst: number, len: number, offset: number): number {
        const b = selectedBlob();
        const off = offset >>> 0;
        const n = Math.min(len >>> 0, Math.max(0, b.length - off));
        if (n === 0) return 0;
        mem(dst, n).set(b.subarray(off, off + n));
        return n;
      },
      exit(code: number): never {
        throw new Halt(Status.Exited, code >>> 0);
      },
    },
  };

  let halt: Halt;
  try {
    const instance = new WebAssembly.Instance(module, imports);
    memory = instance.exports.memory as WebAssembly.Memory;
    if (memory.buffer.byteLength > limitBytes) throw new Halt(Status.MemoryLimit);
    (instance.exports._start as () => void)();
    throw new NativeDivergenceError("_start returned without calling exit");
  } catch (e) {
    halt = classify(e);
  }
  // Growth beyond the limit is a MemoryLimit halt whatever happened afterwards.
  if (memory !== undefined && memory.buffer.byteLength > limitBytes) halt = new Halt(Status.MemoryLimit);

  const exited = halt.status === Status.Exited;
  const outputHash = exited ? output.hash() : new Uint8Array(32);
  const exitCode = exited ? halt.exitCode : 0;
  return {
    status: halt.status,
    exitCode,
    output: exited ? concat(chunks, output.length) : new Uint8Array(0),
    outputHash,
    resultHash: resultHash(halt.status, exitCode, outputHash),
  };
}

/** Maps what a run threw to a halt; rethrows what has no VM equivalent. */
function classify(e: unknown): Halt {
  if (e instanceof Halt) return e;
  if (e instanceof NativeDivergenceError || e instanceof OracleError || e instanceof NativeModuleError) throw e;
  if (e instanceof WebAssembly.RuntimeError) {
    // V8's trap messages; the VM equivalents: EBREAK (abort, __builtin_trap) and an access outside memory.
    if (/unreachable/.test(e.message)) return new Halt(Status.Breakpoint);
    if (/memory access out of bounds/.test(e.message)) return new Halt(Status.MemoryLimit);
    throw new NativeDivergenceError(`wasm trap with no RV32IM equivalent: ${e.message}`);
  }
  if (e instanceof RangeError && /call stack/i.test(e.message))
    throw new NativeDivergenceError(`wasm call stack exhausted: ${e.message}`);
  if (e instanceof WebAssembly.LinkError || e instanceof WebAssembly.CompileError)
    throw new NativeModuleError(`wasm cannot be instantiated: ${e.message}`);
  throw e;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
