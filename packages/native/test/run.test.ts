// runNative on small hand-assembled modules: how each way of stopping maps to a VM status, the interface check,
// memory limits, and the compile cache.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OutputCommitment, resultHash, Status } from "@verity/vm";
import {
  compileNative,
  NativeDivergenceError,
  NativeModuleError,
  NativeTimeoutError,
  runNative,
  runNativeIsolated,
  type VERITY_IMPORTS,
} from "../src/index.js";

// --- a minimal wasm binary encoder (only what these tests need) -------------------------------------------------
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const str = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const I32 = 0x7f;

type Import = { module: string; name: string; params: number; results: number };

/** A module importing `imports` (all-i32 signatures), with memory (min, max pages), exporting memory and _start. */
function module(opts: {
  imports?: Import[];
  memory?: [number, number?];
  start: number[];
  data?: { offset: number; bytes: number[] };
  exportMemory?: boolean;
}): Uint8Array {
  const imports = opts.imports ?? [];
  const types = [
    ...imports.map((i) => [
      0x60,
      ...vec(Array.from({ length: i.params }, () => [I32])),
      ...vec(Array.from({ length: i.results }, () => [I32])),
    ]),
    [0x60, 0, 0],
  ];
  const [min, max] = opts.memory ?? [1, undefined];
  const mem = max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)];
  const exports = [[...str("_start"), 0x00, ...uleb(imports.length)]];
  if (opts.exportMemory !== false) exports.push([...str("memory"), 0x02, 0]);
  const body = [0, ...opts.start, 0x0b];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec(types)),
    ...section(2, vec(imports.map((i, k) => [...str(i.module), ...str(i.name), 0x00, ...uleb(k)]))),
    ...section(3, vec([uleb(imports.length)])),
    ...section(5, vec([mem])),
    ...section(7, vec(exports)),
    ...section(10, vec([[...uleb(body.length), ...body]])),
    ...(opts.data === undefined
      ? []
      : section(11, vec([[0x00, 0x41, ...sleb(opts.data.offset), 0x0b, ...vec(opts.data.bytes.map((b) => [b]))]]))),
  ];
  return Uint8Array.from(bytes);
}

const imp = (name: keyof typeof VERITY_IMPORTS, params: number, results: number): Import => ({
  module: "verity",
  name,
  params,
  results,
});
const EXIT = imp("exit", 1, 0);
const WRITE = imp("write_output", 2, 1);
const READ = imp("read_input", 2, 1);
const SELECT = imp("oracle_select", 1, 1);
const ORACLE_READ = imp("oracle_read", 3, 1);
const i32c = (v: number): number[] => [0x41, ...sleb(v)];
const call = (f: number): number[] => [0x10, ...uleb(f)];
const DROP = [0x1a];
const opts = { input: new Uint8Array(0), maxOutput: 100, memoryLimitPages: 2 };

describe("runNative status mapping", () => {
  it("exit(code) -> Exited with the code as u32 and the output committed as the VM does", () => {
    // write 40 bytes at 0 (a data segment), then exit(-2)
    const data = Array.from({ length: 40 }, (_, i) => i + 1);
    const wasm = module({
      imports: [EXIT, WRITE],
      start: [...i32c(0), ...i32c(40), ...call(1), ...DROP, ...i32c(-2), ...call(0)],
      data: { offset: 0, bytes: data },
    });
    const r = runNative(wasm, opts);
    assert.equal(r.status, Status.Exited);
    assert.equal(r.exitCode, 0xfffffffe);
    assert.deepEqual(r.output, Uint8Array.from(data));
    const c = new OutputCommitment();
    c.append(Uint8Array.from(data));
    assert.deepEqual(r.outputHash, c.hash());
    assert.deepEqual(r.resultHash, resultHash(Status.Exited, 0xfffffffe, c.hash()));
  });

  it("reads the whole input and echoes it", () => {
    const input = Uint8Array.from({ length: 70 }, (_, i) => 255 - i);
    const wasm = module({
      imports: [EXIT, WRITE, READ],
      // n = read_input(0, 1000); write_output(0, n); exit(0)
      start: [...i32c(0), ...i32c(0), ...i32c(1000), ...call(2), ...call(1), ...DROP, ...i32c(0), ...call(0)],
    });
    const r = runNative(wasm, { ...opts, input });
    assert.deepEqual(r.output, input);
  });

  it("unreachable -> Breakpoint; out-of-bounds access -> MemoryLimit; both carry no output", () => {
    const bp = runNative(
      module({ imports: [WRITE], start: [...i32c(0), ...i32c(5), ...call(0), ...DROP, 0x00] }),
      opts,
    );
    assert.equal(bp.status, Status.Breakpoint);
    assert.deepEqual(bp.output, new Uint8Array(0));
    assert.deepEqual(bp.resultHash, resultHash(Status.Breakpoint, 0, new Uint8Array(32)));
    const oob = runNative(module({ start: [...i32c(0x20000), 0x28, 2, 0, ...DROP] }), opts);
    assert.equal(oob.status, Status.MemoryLimit);
    const hostOob = runNative(
      module({ imports: [WRITE], start: [...i32c(0xfff0), ...i32c(100), ...call(0), ...DROP] }),
      opts,
    );
    assert.equal(hostOob.status, Status.MemoryLimit);
  });

  it("output beyond maxOutput -> OutputLimit", () => {
    const wasm = module({
      imports: [EXIT, WRITE],
      start: [...i32c(0), ...i32c(101), ...call(1), ...DROP, ...i32c(0), ...call(0)],
    });
    assert.equal(runNative(wasm, opts).status, Status.OutputLimit);
    assert.equal(runNative(wasm, { ...opts, maxOutput: 101 }).status, Status.Exited);
  });

  it("memory over the page limit, initially or by memory.grow -> MemoryLimit", () => {
    const exit0 = [...i32c(0), ...call(0)];
    assert.equal(runNative(module({ imports: [EXIT], memory: [3], start: exit0 }), opts).status, Status.MemoryLimit);
    const grow = module({ imports: [EXIT], start: [...i32c(2), 0x40, 0x00, ...DROP, ...exit0] });
    assert.equal(runNative(grow, opts).status, Status.MemoryLimit);
    assert.equal(runNative(grow, { ...opts, memoryLimitPages: 3 }).status, Status.Exited);
  });

  it("oracle: bad key type -> BadOracleKey; a missing blob throws; a known blob is read", async () => {
    const { MapOracle, OracleError } = await import("@verity/vm");
    const oracle = new MapOracle();
    const blob = Uint8Array.from({ length: 50 }, (_, i) => i * 3);
    const key = oracle.addKeccak(blob);
    // select key at 64, read 50 bytes at offset 10 into 200, write them, exit 0
    const prog = [
      ...i32c(64),
      ...call(2),
      ...DROP,
      ...i32c(200),
      ...i32c(50),
      ...i32c(10),
      ...call(3),
      ...DROP,
      ...i32c(200),
      ...i32c(40),
      ...call(1),
      ...DROP,
      ...i32c(0),
      ...call(0),
    ];
    const withKey = (k: Uint8Array) =>
      module({ imports: [EXIT, WRITE, SELECT, ORACLE_READ], start: prog, data: { offset: 64, bytes: [...k] } });
    const ok = runNative(withKey(key), { ...opts, oracle });
    assert.equal(ok.status, Status.Exited);
    assert.deepEqual(ok.output, blob.subarray(10, 50));
    const bad = key.slice();
    bad[0] = 7;
    assert.equal(runNative(withKey(bad), { ...opts, oracle }).status, Status.BadOracleKey);
    const unknown = key.slice();
    unknown[5] ^= 1;
    assert.throws(() => runNative(withKey(unknown), { ...opts, oracle }), OracleError);
  });

  it("traps without an RV32IM equivalent throw NativeDivergenceError", () => {
    const div0 = module({ start: [...i32c(1), ...i32c(0), 0x6d, ...DROP] });
    assert.throws(
      () => runNative(div0, opts),
      (e: unknown) => e instanceof NativeDivergenceError && /divide by zero/.test(e.message),
    );
    const returns = module({ start: [] });
    assert.throws(
      () => runNative(returns, opts),
      (e: unknown) => e instanceof NativeDivergenceError && /without calling exit/.test(e.message),
    );
    const recurse = module({ start: [...call(0)] });
    assert.throws(
      () => runNative(recurse, opts),
      (e: unknown) => e instanceof NativeDivergenceError && /call stack/.test(e.message),
    );
  });
});

describe("native interface check", () => {
  it("rejects foreign imports, unknown verity imports and missing exports", () => {
    const wasi = module({
      imports: [{ module: "wasi_snapshot_preview1", name: "proc_exit", params: 1, results: 0 }],
      start: [],
    });
    assert.throws(
      () => runNative(wasi, opts),
      (e: unknown) => e instanceof NativeModuleError && /wasi_snapshot_preview1\.proc_exit/.test(e.message),
    );
    const unknown = module({ imports: [{ module: "verity", name: "clock", params: 0, results: 1 }], start: [] });
    assert.throws(() => runNative(unknown, opts), /verity\.clock/);
    assert.throws(() => runNative(module({ start: [], exportMemory: false }), opts), /does not export its memory/);
    assert.throws(() => runNative(Uint8Array.of(0, 1, 2), opts), WebAssembly.CompileError);
  });

  it("compiles each distinct module once", () => {
    const wasm = module({ imports: [EXIT], start: [...i32c(0), ...call(0)] });
    assert.equal(compileNative(wasm), compileNative(wasm.slice()));
    assert.notEqual(compileNative(wasm), compileNative(module({ imports: [EXIT], start: [...i32c(1), ...call(0)] })));
  });
});

describe("runNativeIsolated", () => {
  it("gives runNative's result, resolves an asynchronous oracle, and stops a looping program at its time limit", async () => {
    const { MapOracle } = await import("@verity/vm");
    const oracle = new MapOracle();
    const blob = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const key = oracle.addMerkle(blob);
    const wasm = module({
      imports: [EXIT, WRITE, SELECT, ORACLE_READ],
      start: [
        ...[...i32c(64), ...call(2), ...DROP],
        ...[...i32c(200), ...i32c(100), ...i32c(150), ...call(3), ...DROP],
        ...[...i32c(200), ...i32c(100), ...call(1), ...DROP],
        ...[...i32c(9), ...call(0)],
      ],
      data: { offset: 64, bytes: [...key] },
    });
    const direct = runNative(wasm, { ...opts, maxOutput: 1000, oracle });
    const isolated = await runNativeIsolated(wasm, {
      ...opts,
      maxOutput: 1000,
      timeoutMs: 20_000,
      oracle: { get: async (k: Uint8Array) => oracle.get(k) },
    });
    assert.equal(isolated.exitCode, 9);
    assert.deepEqual(isolated.output, blob.subarray(150, 250));
    assert.deepEqual(isolated.resultHash, direct.resultHash);

    // loop { br 0 }: runs forever.
    const forever = module({ start: [0x03, 0x40, 0x0c, 0x00, 0x0b] });
    const started = performance.now();
    await assert.rejects(runNativeIsolated(forever, { ...opts, timeoutMs: 3000 }), NativeTimeoutError);
    assert.ok(performance.now() - started < 10_000);
  });
});
