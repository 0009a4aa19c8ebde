// A pool of worker threads running programs with a wall-time limit per call: a program that loops or grows without
// bound costs one worker (terminated and replaced), never the node.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ExecutionLimits, ExecutionResult } from "./execute.js";
import type { ExecuteJob } from "./execute-worker.js";

/** Options of the executor pool. */
export interface ExecutorPoolOptions {
  /** Worker threads; defaults to the machine's parallelism. */
  size?: number;
  /** Wall time per call in milliseconds. */
  timeoutMs?: number;
  /** JS heap limit per worker in MiB (wasm memory is bounded by the program's own memLimit). */
  maxHeapMb?: number;
  /** Calls allowed to wait for a free worker before new ones are refused. */
  maxQueue?: number;
}

/** The call ran longer than the pool's time limit; the worker was replaced. */
export class ExecutionTimeoutError extends Error {
  override name = "ExecutionTimeoutError";
}

/** Every worker is busy and the queue is full. */
export class PoolOverloadedError extends Error {
  override name = "PoolOverloadedError";
}

interface Pending {
  job: Omit<ExecuteJob, "images">;
  images: { elf: Uint8Array; wasm: Uint8Array };
  resolve: (r: ExecutionResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: { pending: Pending; timer: NodeJS.Timeout };
  /** Programs this worker already holds (compiled); a replaced worker starts empty. */
  holds: Set<string>;
}

// Under tsx (tests, development) the sources run directly and the worker needs the same loader; built, the .js runs.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./execute-worker-source.mjs" : "./execute-worker.js", import.meta.url);
const WORKER_EXEC_ARGV = FROM_SOURCE ? ["--conditions=source"] : [];

/** Runs programs in worker threads. */
export class ExecutorPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  private readonly maxQueue: number;

  constructor(options: ExecutorPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, availableParallelism());
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxHeapMb = options.maxHeapMb ?? 256;
    this.maxQueue = options.maxQueue ?? 1024;
    for (let i = 0; i < this.size; i++) this.slots.push({ worker: this.spawn(), holds: new Set() });
  }

  /** Number of calls waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Executes a program on an input in a worker. */
  execute(
    programHash: string,
    images: { elf: Uint8Array; wasm: Uint8Array },
    input: Uint8Array,
    limits: ExecutionLimits,
  ): Promise<ExecutionResult> {
    if (this.closed) return Promise.reject(new Error("the executor pool is closed"));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new PoolOverloadedError(`all ${this.size} workers busy and ${this.maxQueue} calls queued`));
    }
    return new Promise((resolve, reject) => {
      const job = { id: this.nextId++, programHash, input, limits };
      this.queue.push({ job, images, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates every worker; queued calls are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error("the executor pool was closed"));
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.busy !== undefined) {
          clearTimeout(slot.busy.timer);
          slot.busy.pending.reject(new Error("the executor pool was closed"));
        }
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, {
      execArgv: WORKER_EXEC_ARGV,
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    worker.unref();
    worker.on("message", (msg: { id: number; ok: boolean; result?: ExecutionResult; error?: string }) => {
      const slot = this.slots.find((s) => s.worker === worker);
      if (slot?.busy === undefined || slot.busy.pending.job.id !== msg.id) return;
      const { pending, timer } = slot.busy;
      clearTimeout(timer);
      slot.busy = undefined;
      if (msg.ok && msg.result !== undefined) pending.resolve(msg.result);
      else {
        // The worker may have failed before keeping the program (a bad image): send it again next time.
        slot.holds.delete(pending.job.programHash);
        pending.reject(new Error(msg.error ?? "execution failed"));
      }
      this.dispatch();
    });
    worker.on("error", (error) => this.replace(worker, error));
    worker.on("exit", () => {
      if (!this.closed) this.replace(worker, new Error("the worker exited"));
    });
    return worker;
  }

  private replace(worker: Worker, error: Error): void {
    const slot = this.slots.find((s) => s.worker === worker);
    if (slot === undefined) return;
    if (slot.busy !== undefined) {
      clearTimeout(slot.busy.timer);
      slot.busy.pending.reject(error);
      slot.busy = undefined;
    }
    worker.removeAllListeners();
    void worker.terminate();
    if (!this.closed) {
      slot.worker = this.spawn();
      slot.holds = new Set();
      this.dispatch();
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy !== undefined) continue;
      const pending = this.queue.shift();
      if (pending === undefined) return;
      const timer = setTimeout(() => {
        this.replace(slot.worker, new ExecutionTimeoutError(`the program ran longer than ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      slot.busy = { pending, timer };
      const { programHash } = pending.job;
      const job: ExecuteJob = slot.holds.has(programHash) ? pending.job : { ...pending.job, images: pending.images };
      slot.holds.add(programHash);
      slot.worker.postMessage(job);
    }
  }
}
