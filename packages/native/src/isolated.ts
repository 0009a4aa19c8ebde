// runNativeIsolated: runNative in a worker thread that is terminated after a time limit, so a looping or slow
// program cannot stall the caller (wasm has no step counter). The oracle may be asynchronous here.
import { MessageChannel, Worker } from "node:worker_threads";
import { OracleError } from "@verity/vm";
import { NativeModuleError } from "./interface.js";
import { compileNative, NativeDivergenceError, type NativeResult } from "./run.js";

/** The native run did not finish within its time limit. */
export class NativeTimeoutError extends Error {
  override name = "NativeTimeoutError";
}

/** Options of runNativeIsolated. */
export type IsolatedRunOptions = {
  input: Uint8Array;
  maxOutput: number;
  memoryLimitPages: number;
  /** Wall-clock limit in milliseconds (worker start-up included). */
  timeoutMs: number;
  /** Resolves oracle keys; may be asynchronous (the worker blocks while it resolves). */
  oracle?: { get(key: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> };
};

const WORKER_URL = new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url);

/**
 * The worker's entry script. Running from sources (tsx), loader hooks do not reach worker threads on Node 20, so the
 * entry registers tsx's hooks itself before importing worker.ts; built code imports worker.js directly.
 */
function workerEntry(): string {
  const worker = JSON.stringify(WORKER_URL.href);
  if (!WORKER_URL.pathname.endsWith(".ts")) return `import(${worker});`;
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  return `import(${tsx}).then((tsx) => { tsx.register(); return import(${worker}); });`;
}

/** Runs a native image in a fresh worker thread; rejects with NativeTimeoutError after `timeoutMs`. */
export function runNativeIsolated(
  wasm: Uint8Array | WebAssembly.Module,
  opts: IsolatedRunOptions,
): Promise<NativeResult> {
  const module = wasm instanceof WebAssembly.Module ? wasm : compileNative(wasm);
  const flag = new SharedArrayBuffer(4);
  const flagView = new Int32Array(flag);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerEntry(), {
    eval: true,
    workerData: {
      module,
      input: opts.input,
      maxOutput: opts.maxOutput,
      memoryLimitPages: opts.memoryLimitPages,
      hasOracle: opts.oracle !== undefined,
      flag,
      oraclePort: port2,
    },
    transferList: [port2],
    // Under tsx (sources), the worker needs the same loader flags to run worker.ts.
    execArgv: process.execArgv,
  });
  return new Promise<NativeResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      port1.close();
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new NativeTimeoutError(`native run exceeded ${opts.timeoutMs} ms`))),
      opts.timeoutMs,
    );
    port1.on("message", (key: Uint8Array) => {
      Promise.resolve()
        .then(() => opts.oracle?.get(key))
        .then(
          (blob) => port1.postMessage(blob ?? null),
          () => port1.postMessage(null),
        )
        .finally(() => {
          Atomics.store(flagView, 0, 1);
          Atomics.notify(flagView, 0);
        });
    });
    worker.on("message", (m: { ok: true; result: NativeResult } | { ok: false; name: string; message: string }) => {
      if (m.ok) finish(() => resolve(m.result));
      else finish(() => reject(rebuildError(m.name, m.message)));
    });
    worker.on("error", (e) => finish(() => reject(e)));
    worker.on("exit", (code) =>
      finish(() => reject(new NativeDivergenceError(`native worker exited (code ${code}) without a result`))),
    );
  });
}

function rebuildError(name: string, message: string): Error {
  if (name === "OracleError") return new OracleError(message);
  if (name === "NativeDivergenceError") return new NativeDivergenceError(message);
  if (name === "NativeModuleError") return new NativeModuleError(message);
  const e = new Error(message);
  e.name = name;
  return e;
}
