// Native (wasm) vs proving (RV32IM VM) runs of every example program on a few hundred generated inputs: the result
// hashes must be identical, whether the program exits normally, rejects its input or overflows its output.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type ManifestFile, parseManifest } from "@verity/protocol";
import { Machine, MapOracle, OracleError, Status, statusName, toHex } from "@verity/vm";
import { encodeFunctionData, type Hex, hexToBytes, parseAbi, toFunctionSelector } from "viem";
import { compileNative, runNative } from "../src/index.js";

const EXAMPLES = join(import.meta.dirname, "../../../programs/examples");
const abi = parseAbi([
  "function echo(bytes data) returns (bytes)",
  "function hash(bytes data) returns (bytes32)",
  "function multiply(uint32 n, int32[] a, int32[] b) returns (int64[] c)",
  "function infer(int32[] x) returns (uint64[] y)",
  "function read(bytes32 key, uint32 offset, uint32 len) returns (bytes)",
]);

type Example = { manifest: ManifestFile; elf: Uint8Array; wasm: Uint8Array };

function load(name: string): Example {
  const dir = join(EXAMPLES, name, "build");
  return {
    manifest: parseManifest(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))),
    elf: new Uint8Array(readFileSync(join(dir, `${name}.elf`))),
    wasm: new Uint8Array(readFileSync(join(dir, `${name}.wasm`))),
  };
}

/** Deterministic xorshift32 stream so that failures reproduce. */
function rng(seed: number): { u32(): number; int(n: number): number; bytes(n: number): Uint8Array; i32(): number } {
  let s = seed >>> 0 || 1;
  const u32 = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const extremes = [0, 1, -1, 2147483647, -2147483648, 65536, -65536];
  return {
    u32,
    int: (n) => u32() % n,
    bytes: (n) => Uint8Array.from({ length: n }, () => u32() & 0xff),
    i32: () => (u32() % 4 === 0 ? extremes[u32() % extremes.length] : u32() | 0),
  };
}

/** Random corruption of valid calldata: truncation, a flipped byte, or trailing garbage. */
function corrupt(r: ReturnType<typeof rng>, data: Uint8Array): Uint8Array {
  const kind = r.int(3);
  if (kind === 0) return data.subarray(0, r.int(data.length + 1));
  if (kind === 1 && data.length > 0) {
    const d = data.slice();
    d[r.int(d.length)] ^= 1 << r.int(8);
    return d;
  }
  const d = new Uint8Array(data.length + 1 + r.int(40));
  d.set(data);
  d.set(r.bytes(d.length - data.length), data.length);
  return d;
}

function call(data: Hex): Uint8Array {
  return hexToBytes(data);
}

function generate(name: string, count: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [new Uint8Array(0), r.bytes(3), r.bytes(64)];
  while (out.length < count) {
    let data: Uint8Array;
    if (name === "echo" || name === "keccak") {
      const lengths = [0, 1, 31, 32, 33, 135, 136, 137, 200, 272];
      const len = r.int(2) === 0 ? lengths[r.int(lengths.length)] : r.int(300);
      data = call(
        encodeFunctionData({ abi, functionName: name === "echo" ? "echo" : "hash", args: [toHex(r.bytes(len))] }),
      );
    } else if (name === "matmul") {
      const n = r.int(7);
      const a = Array.from({ length: n * n }, () => r.i32());
      const b = Array.from({ length: n * n }, () => r.i32());
      data = call(encodeFunctionData({ abi, functionName: "multiply", args: [n, a, b] }));
    } else {
      const len = r.int(8) === 0 ? r.int(20) : 16;
      data = call(
        encodeFunctionData({ abi, functionName: "infer", args: [Array.from({ length: len }, () => r.i32())] }),
      );
    }
    out.push(r.int(4) === 0 ? corrupt(r, data) : data);
  }
  return out;
}

function runVm(ex: Example, input: Uint8Array, maxOutput = ex.manifest.maxOutput, oracle?: MapOracle): Machine {
  const m = Machine.fromElf(ex.elf, {
    input,
    maxSteps: ex.manifest.maxSteps,
    memLimit: ex.manifest.memLimit,
    maxOutput,
    ...(oracle === undefined ? {} : { oracle }),
  });
  m.run();
  return m;
}

// ~250 inputs in all: Machine.fromElf costs ~30-50 ms (fresh 2^20-page tables), which dominates the run time.
const COUNTS: Record<string, number> = { echo: 60, keccak: 60, matmul: 80, numeric: 50 };

describe("native (wasm) and proving (RV32IM) runs agree", () => {
  for (const name of Object.keys(COUNTS)) {
    it(`${name}: identical resultHash on ${COUNTS[name]} generated inputs`, () => {
      const ex = load(name);
      const module = compileNative(ex.wasm);
      const pages = Math.ceil(ex.manifest.memLimit / 65536);
      const statuses = new Map<string, number>();
      for (const input of generate(name, COUNTS[name], name.length * 7919)) {
        const vm = runVm(ex, input);
        const native = runNative(module, { input, maxOutput: ex.manifest.maxOutput, memoryLimitPages: pages });
        const label = `${name} input ${toHex(input).slice(0, 80)}…`;
        assert.equal(statusName(native.status), statusName(vm.status), label);
        assert.equal(native.exitCode, vm.exitCode, label);
        assert.deepEqual(native.output, vm.outputData(), label);
        assert.deepEqual(native.resultHash, vm.resultHash(), label);
        const key = `${statusName(vm.status)}/${vm.exitCode}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
      // The generator must reach both successful calls and rejected inputs, or the comparison proves little.
      assert.ok((statuses.get("Exited/0") ?? 0) > COUNTS[name] / 2, JSON.stringify([...statuses]));
      assert.ok(
        [...statuses.keys()].some((k) => k !== "Exited/0"),
        JSON.stringify([...statuses]),
      );
    });
  }

  it("echo: output over maxOutput halts OutputLimit on both, with the same resultHash", () => {
    const ex = load("echo");
    const input = call(encodeFunctionData({ abi, functionName: "echo", args: [toHex(new Uint8Array(100).fill(7))] }));
    for (const maxOutput of [0, 63, 64, 100, 191]) {
      const vm = runVm(ex, input, maxOutput);
      const native = runNative(ex.wasm, { input, maxOutput, memoryLimitPages: 32 });
      assert.equal(vm.status, Status.OutputLimit);
      assert.equal(native.status, Status.OutputLimit);
      assert.deepEqual(native.resultHash, vm.resultHash());
    }
    assert.equal(runNative(ex.wasm, { input, maxOutput: 192, memoryLimitPages: 32 }).status, Status.Exited);
  });

  it("the examples check their selectors: a call with another method's selector exits 1 on both", () => {
    const ex = load("keccak");
    const input = hexToBytes(toFunctionSelector("function echo(bytes)"));
    const vm = runVm(ex, input);
    const native = runNative(ex.wasm, { input, maxOutput: 32, memoryLimitPages: 32 });
    assert.equal(vm.exitCode, 1);
    assert.equal(native.exitCode, 1);
    assert.deepEqual(native.resultHash, vm.resultHash());
  });

  it("oracle: keccak and merkle blobs read at random offsets, bad key types and missing blobs agree", () => {
    const ex = load("oracle");
    const r = rng(4242);
    const oracle = new MapOracle();
    const keys: { key: Uint8Array; length: number }[] = [];
    for (const len of [0, 1, 31, 32, 33, 500, 1024]) keys.push({ key: oracle.addKeccak(r.bytes(len)), length: len });
    for (const len of [0, 5, 64, 1000, 5000]) keys.push({ key: oracle.addMerkle(r.bytes(len)), length: len });
    const tooBig = oracle.addKeccak(r.bytes(1025)); // a type-1 key may name at most 1024 bytes
    const badType = keys[3].key.slice();
    badType[0] = 3;
    const zero = new Uint8Array(32);
    const readCall = (key: Uint8Array, offset: number, len: number): Uint8Array =>
      call(encodeFunctionData({ abi, functionName: "read", args: [toHex(key), offset, len] }));
    const seen = new Set<string>();
    const compare = (input: Uint8Array): void => {
      const vm = runVm(ex, input, ex.manifest.maxOutput, oracle);
      const native = runNative(ex.wasm, { input, maxOutput: ex.manifest.maxOutput, memoryLimitPages: 32, oracle });
      assert.equal(statusName(native.status), statusName(vm.status));
      assert.deepEqual(native.output, vm.outputData());
      assert.deepEqual(native.resultHash, vm.resultHash());
      seen.add(`${statusName(vm.status)}/${vm.exitCode}`);
    };
    for (let i = 0; i < 40; i++) {
      const { key, length } = keys[r.int(keys.length)];
      compare(readCall(key, r.int(length + 40), r.int(4) === 0 ? 4096 : r.int(200)));
    }
    compare(readCall(keys[6].key, 0, 1024));
    compare(readCall(tooBig, 0, 10));
    compare(readCall(badType, 0, 10));
    compare(readCall(zero, 0, 10));
    compare(readCall(keys[0].key, 0, 4097)); // len over the program's limit: exit 2
    assert.deepEqual([...seen].sort(), ["BadOracleKey/0", "Exited/0", "Exited/2"]);
    // A well-formed key whose blob nobody has: neither side can continue.
    const unknown = keys[4].key.slice();
    unknown[31] ^= 1;
    assert.throws(() => runVm(ex, readCall(unknown, 0, 1), 100, oracle), OracleError);
    assert.throws(
      () => runNative(ex.wasm, { input: readCall(unknown, 0, 1), maxOutput: 100, memoryLimitPages: 32, oracle }),
      OracleError,
    );
  });
});
