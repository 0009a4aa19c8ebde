// Worker thread body of the executor pool: compiles each program's native image once and executes calls. A program's
// images cross the thread boundary once per worker (the pool remembers what each worker holds), not with every call.
import { parentPort } from "node:worker_threads";
import { compileNative } from "@verity/native";
import { type ExecutionLimits, executeProgram } from "./execute.js";

/** A job sent to a worker; `images` only when the pool has not yet sent this program to this worker. */
export interface ExecuteJob {
  id: number;
  programHash: string;
  images?: { elf: Uint8Array; wasm: Uint8Array };
  input: Uint8Array;
  limits: ExecutionLimits;
}

const programs = new Map<string, { elf: Uint8Array; wasm: WebAssembly.Module }>();

parentPort?.on("message", (job: ExecuteJob) => {
  try {
    let program = programs.get(job.programHash);
    if (job.images !== undefined && program === undefined) {
      program = { elf: job.images.elf, wasm: compileNative(job.images.wasm) };
      programs.set(job.programHash, program);
    }
    if (program === undefined) throw new Error(`program ${job.programHash} was never sent to this worker`);
    const result = executeProgram(program, job.input, job.limits);
    parentPort?.postMessage({ id: job.id, ok: true, result });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, ok: false, error: (error as Error).message });
  }
});
