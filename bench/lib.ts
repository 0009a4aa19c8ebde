// Small helpers shared by the benchmarks: calldata encoding, timing, percentiles and number formatting.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { keccak } from "@verity/vm";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..");

/** A built program folder: proving ELF, native image and the limits of its manifest. */
export interface BuiltProgram {
  readonly name: string;
  readonly elf: Uint8Array;
  readonly wasm: Uint8Array;
  readonly maxSteps: bigint;
  readonly memLimit: number;
  readonly maxOutput: number;
}

/** Reads `<dir>/build/{<name>.elf,<name>.wasm,manifest.json}` (committed artifacts of buildProgram). */
export function readBuilt(dir: string): BuiltProgram {
  const m = JSON.parse(readFileSync(join(dir, "build", "manifest.json"), "utf8")) as {
    name: string;
    maxSteps: string;
    memLimit: number;
    maxOutput: number;
  };
  return {
    name: m.name,
    elf: new Uint8Array(readFileSync(join(dir, "build", `${m.name}.elf`))),
    wasm: new Uint8Array(readFileSync(join(dir, "build", `${m.name}.wasm`))),
    maxSteps: BigInt(m.maxSteps),
    memLimit: m.memLimit,
    maxOutput: m.maxOutput,
  };
}

/** The 4-byte selector of a Solidity signature such as "spin(uint32)". */
export function selector(signature: string): Uint8Array {
  return keccak(new TextEncoder().encode(signature)).subarray(0, 4);
}

/** A 32-byte big-endian ABI word holding `n` (< 2^32). */
export function word(n: number): Uint8Array {
  const w = new Uint8Array(32);
  new DataView(w.buffer).setUint32(28, n >>> 0);
  return w;
}

/** Calldata of a method taking one uint32. */
export function callU32(signature: string, n: number): Uint8Array {
  return concat([selector(signature), word(n)]);
}

/** Calldata of a method taking one `bytes`. */
export function callBytes(signature: string, data: Uint8Array): Uint8Array {
  const pad = (32 - (data.length % 32)) % 32;
  return concat([selector(signature), word(32), word(data.length), data, new Uint8Array(pad)]);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Runs `f` and returns its result with the elapsed wall time in milliseconds. */
export function timed<T>(f: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
}

/** The `p`-quantile (0..1) of `values` (nearest rank on a sorted copy). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("percentile of an empty list");
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Formats a number with `digits` decimals. */
export function f(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** Formats an integer with thousands separators. */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Whether `qemu-riscv32` can be started here. */
export function qemuAvailable(): boolean {
  const r = spawnSync("qemu-riscv32", ["--version"]);
  return r.error === undefined && r.status === 0;
}

/** Whether the command line has `--name`. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** The numeric value following `--name`, or `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`--${name} expects a positive number`);
  return v;
}

/** A full garbage collection: `global.gc` when node runs with --expose-gc, otherwise enabled through v8 flags. */
export function collectGarbage(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    return;
  }
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs a JSON body over a keep-alive connection pool (lighter on the client than fetch) and parses the answer. */
export function postJson(url: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch (e) {
            reject(e);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
