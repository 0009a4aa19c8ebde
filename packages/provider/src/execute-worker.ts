// Worker thread body of the executor pool: compiles each program's native image once and executes calls.
import { parentPort } from "node:worker_threads";
import { compileNative } from "@verity/native";
import { type ExecutionLimits, executeProgram } from "./execute.js";

/** A job sent to a worker. */
export interface ExecuteJob {
  id: number;
  programHash: string;
  elf: Uint8Array;
  wasm: Uint8Array;
  input: Uint8Array;
  limits: ExecutionLimits;
}

const modules = new Map<string, WebAssembly.Module>();

parentPort?.on("message", (job: ExecuteJob) => {
  try {
    let module = modules.get(job.programHash);
    if (module === undefined) {
      module = compileNative(job.wasm);
      modules.set(job.programHash, module);
    }
    const result = executeProgram({ elf: job.elf, wasm: module }, job.input, job.limits);
    parentPort?.postMessage({ id: job.id, ok: true, result });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, ok: false, error: (error as Error).message });
  }
});
