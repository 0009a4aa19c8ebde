// The executor pool with real built programs: results equal a direct run, two programs share a worker, and a
// program whose image failed to load is sent again (the pool's record of what a worker holds stays truthful).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { compileNative, executeProgram } from "@verity/native";
import { ExecutorPool } from "@verity/provider";
import { ROOT } from "./fixture.ts";

function built(name: string) {
  const dir = join(ROOT, "programs", "examples", name, "build");
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    programHash: string;
    maxSteps: string;
    memLimit: number;
    maxOutput: number;
  };
  return {
    programHash: m.programHash,
    images: {
      elf: new Uint8Array(readFileSync(join(dir, `${name}.elf`))),
      wasm: new Uint8Array(readFileSync(join(dir, `${name}.wasm`))),
    },
    limits: { maxSteps: BigInt(m.maxSteps), memLimit: m.memLimit, maxOutput: m.maxOutput },
  };
}

test("a one-worker pool runs two programs, many calls each, with the results of a direct run", {
  timeout: 60_000,
}, async () => {
  const pool = new ExecutorPool({ size: 1, timeoutMs: 20_000 });
  try {
    for (const program of [built("echo"), built("keccak")]) {
      const direct = { elf: program.images.elf, wasm: compileNative(program.images.wasm) };
      const inputs = Array.from({ length: 12 }, (_, i) => new Uint8Array(4 + i * 9).map((_, j) => (i * 31 + j) & 0xff));
      const results = await Promise.all(
        inputs.map((input) => pool.execute(program.programHash, program.images, input, program.limits)),
      );
      results.forEach((result, i) => {
        const expected = executeProgram(direct, inputs[i]!, program.limits);
        assert.deepEqual(result.resultHash, expected.resultHash, `${program.programHash} input ${i}`);
        assert.deepEqual(result.output, expected.output);
      });
    }
  } finally {
    await pool.close();
  }
});

test("after a program's image fails to load, the next call sends it again and runs", { timeout: 60_000 }, async () => {
  const pool = new ExecutorPool({ size: 1, timeoutMs: 20_000 });
  try {
    const echo = built("echo");
    const broken = { elf: echo.images.elf, wasm: new Uint8Array([0, 1, 2, 3]) };
    await assert.rejects(pool.execute(echo.programHash, broken, new Uint8Array(8), echo.limits));
    const input = new Uint8Array([1, 2, 3, 4, 5]);
    const result = await pool.execute(echo.programHash, echo.images, input, echo.limits);
    assert.deepEqual(
      result.resultHash,
      executeProgram({ elf: echo.images.elf, wasm: echo.images.wasm }, input, echo.limits).resultHash,
    );
  } finally {
    await pool.close();
  }
});
