// Worker side of runNativeIsolated: runs one program and posts its result. Oracle lookups are synchronous RPCs to
// the parent: post the key, block on a shared flag, then take the reply synchronously from the port.
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { OracleResolver } from "@verity/vm";
import { runNative } from "./run.js";
import "./webassembly.js";

type Job = {
  module: WebAssembly.Module;
  input: Uint8Array;
  maxOutput: number;
  memoryLimitPages: number;
  hasOracle: boolean;
  flag: SharedArrayBuffer;
  oraclePort: MessagePort;
};

const job = workerData as Job;
const flag = new Int32Array(job.flag);

const oracle: OracleResolver = {
  get(key: Uint8Array): Uint8Array | undefined {
    Atomics.store(flag, 0, 0);
    job.oraclePort.postMessage(key);
    Atomics.wait(flag, 0, 0);
    const reply = receiveMessageOnPort(job.oraclePort);
    return (reply?.message as Uint8Array | null | undefined) ?? undefined;
  },
};

try {
  const result = runNative(job.module, {
    input: job.input,
    maxOutput: job.maxOutput,
    memoryLimitPages: job.memoryLimitPages,
    ...(job.hasOracle ? { oracle } : {}),
  });
  parentPort?.postMessage({ ok: true, result });
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  parentPort?.postMessage({ ok: false, name: err.name, message: err.message });
}
