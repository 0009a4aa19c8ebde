// Reproducible builds: rebuilding every example (also from another directory) gives the committed bytes and
// programHash; malformed program folders fail with clear errors. Skipped only when the C toolchains are absent.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runNative } from "@verity/native";
import { parseManifest } from "@verity/protocol";
import { ElfError, Machine, Status, statusName } from "@verity/vm";
import { keccak256 } from "viem";
import {
  buildProgram,
  CompileError,
  checkToolchains,
  ProgramConfigError,
  readProgramConfig,
  ToolchainMissingError,
} from "../src/index.js";

const EXAMPLES = join(import.meta.dirname, "../../../programs/examples");
const NAMES = ["echo", "keccak", "matmul", "numeric", "oracle"];

function missingToolchain(): string | false {
  try {
    checkToolchains();
    return false;
  } catch (e) {
    if (e instanceof ToolchainMissingError) return `C toolchain missing: ${e.message}`;
    throw e;
  }
}
const skip = missingToolchain();

function tempProgram(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "verity-prog-test-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const CONFIG = (extra: object = {}): string =>
  JSON.stringify({
    name: "t",
    sources: ["main.c"],
    methods: [],
    limits: { maxSteps: 1000, memLimit: 2097152, maxInput: 10, maxOutput: 10 },
    ...extra,
  });

describe("buildProgram", () => {
  for (const name of NAMES) {
    it(`${name}: rebuild reproduces the committed ELF, wasm and programHash`, { skip }, () => {
      const dir = join(EXAMPLES, name);
      const committed = parseManifest(JSON.parse(readFileSync(join(dir, "build/manifest.json"), "utf8")));
      const built = buildProgram(dir, { write: false });
      assert.deepEqual(built.elf, new Uint8Array(readFileSync(join(dir, `build/${name}.elf`))));
      assert.deepEqual(built.wasm, new Uint8Array(readFileSync(join(dir, `build/${name}.wasm`))));
      assert.equal(built.programHash, committed.programHash);
      assert.deepEqual(built.manifest, committed);
      assert.equal(keccak256(built.elf), committed.elfHash);
    });
  }

  it("a copy of a program in another directory builds to the same bytes", { skip }, () => {
    const copy = mkdtempSync(join(tmpdir(), "verity-repro-"));
    try {
      cpSync(join(EXAMPLES, "numeric"), copy, { recursive: true });
      const a = buildProgram(copy, { write: false });
      const b = buildProgram(join(EXAMPLES, "numeric"), { write: false });
      assert.equal(a.programHash, b.programHash);
      assert.deepEqual(a.wasm, b.wasm);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("writes build/<name>.elf, build/<name>.wasm and build/manifest.json", { skip }, () => {
    const dir = tempProgram({
      "program.json": CONFIG(),
      "main.c": '#include "verity.h"\nint main(void) { return 4; }\n',
    });
    try {
      const r = buildProgram(dir);
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, "build/t.elf"))), r.elf);
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, "build/t.wasm"))), r.wasm);
      assert.equal(
        parseManifest(JSON.parse(readFileSync(join(dir, "build/manifest.json"), "utf8"))).programHash,
        r.programHash,
      );
      assert.equal(r.manifest.entry, 0x10000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("abort() halts Breakpoint in the VM and natively; stdlib calls behave the same on both", { skip }, () => {
    const main = [
      "#include <stdlib.h>",
      "#include <string.h>",
      '#include "verity.h"',
      "int main(void) {",
      "  char buf[8];",
      "  long n = verity_read_input(buf, sizeof buf);",
      "  char *p = malloc(100);",
      '  strcpy(p, "abc");',
      "  verity_write(p, strlen(p));",
      "  if (n > 0 && buf[0] == 'A') abort();",
      "  return (int)n;",
      "}",
    ].join("\n");
    const dir = tempProgram({
      "program.json": CONFIG({ limits: { maxSteps: 100000, memLimit: 2097152, maxInput: 10, maxOutput: 10 } }),
      "main.c": main,
    });
    try {
      const r = buildProgram(dir, { write: false });
      for (const [text, status, code] of [
        ["A", Status.Breakpoint, 0],
        ["xyz", Status.Exited, 3],
      ] as const) {
        const input = new TextEncoder().encode(text);
        const vm = Machine.fromElf(r.elf, { input, maxSteps: 100000n, memLimit: 2097152, maxOutput: 10 });
        vm.run();
        const native = runNative(r.wasm, { input, maxOutput: 10, memoryLimitPages: 32 });
        assert.equal(statusName(vm.status), statusName(status));
        assert.equal(statusName(native.status), statusName(status));
        assert.equal(vm.exitCode, code);
        assert.deepEqual(native.resultHash, vm.resultHash());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a C error, a WASI import and an image larger than memLimit", { skip }, () => {
    const dirs = [
      tempProgram({ "program.json": CONFIG(), "main.c": "int main(void) { return undefined_name; }\n" }),
      tempProgram({
        "program.json": CONFIG(),
        "main.c": [
          '#include "verity.h"',
          "#ifdef __wasm__",
          '__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_exit"))) void wasi_exit(int);',
          "#endif",
          "int main(void) {",
          "#ifdef __wasm__",
          "  wasi_exit(1);",
          "#endif",
          "  return 0;",
          "}",
        ].join("\n"),
      }),
      tempProgram({
        "program.json": CONFIG({ limits: { maxSteps: 1000, memLimit: 1048576, maxInput: 10, maxOutput: 10 } }),
        "main.c": "int main(void) { return 0; }\n",
      }),
    ];
    try {
      assert.throws(
        () => buildProgram(dirs[0], { write: false }),
        (e: unknown) => {
          assert.ok(e instanceof CompileError);
          assert.equal(e.target, "rv32");
          assert.match(e.message, /undefined_name/);
          return true;
        },
      );
      assert.throws(
        () => buildProgram(dirs[1], { write: false }),
        (e: unknown) => {
          assert.ok(e instanceof CompileError);
          assert.match(e.message, /wasi_snapshot_preview1\.proc_exit.*only functions of module "verity"/);
          return true;
        },
      );
      // 1 MiB heap + 64 KiB stack from 0x11000 do not fit below a 1 MiB memLimit.
      assert.throws(
        () => buildProgram(dirs[2], { write: false }),
        (e: unknown) => {
          assert.ok(e instanceof ElfError);
          assert.match(e.message, /is not below memLimit 0x100000/);
          return true;
        },
      );
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("toolchain checks and CLI", () => {
  it("a missing compiler is reported with its Debian package", () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      assert.throws(checkToolchains, (e: unknown) => {
        assert.ok(e instanceof ToolchainMissingError);
        assert.match(
          e.message,
          /riscv64-unknown-elf-gcc not found: install the Debian package\(s\) gcc-riscv64-unknown-elf/,
        );
        return true;
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it("cli.ts build prints the programHash and writes the artifacts; bad usage exits 2", {
    skip,
    timeout: 60_000,
  }, () => {
    const cli = join(import.meta.dirname, "../src/cli.ts");
    const dir = tempProgram({ "program.json": CONFIG(), "main.c": "int main(void) { return 0; }\n" });
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=source", cli, "build", dir], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const manifest = parseManifest(JSON.parse(readFileSync(join(dir, "build/manifest.json"), "utf8")));
      assert.match(r.stdout, new RegExp(`^t: programHash ${manifest.programHash} `));
      const bad = spawnSync(process.execPath, ["--import", "tsx", "--conditions=source", cli, "compile"], {
        encoding: "utf8",
      });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /usage: cli.ts build <program dir>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("readProgramConfig", () => {
  it("rejects missing and malformed program.json files with the field at fault", () => {
    const cases: [string | undefined, RegExp][] = [
      [undefined, /cannot read program.json/],
      ["{", /cannot read program.json/],
      [CONFIG({ name: "Bad" }), /name must match/],
      [CONFIG({ sources: [] }), /sources must be a non-empty array/],
      [CONFIG({ sources: ["../x.c"] }), /sources must be/],
      [CONFIG({ methods: ["echo(bytes)"] }), /methods must be an array of "function/],
      [CONFIG({ limits: { maxSteps: 0, memLimit: 4096, maxInput: 1, maxOutput: 1 } }), /maxSteps must be a positive/],
      [CONFIG({ limits: { maxSteps: 1, memLimit: 4097, maxInput: 1, maxOutput: 1 } }), /multiple of 4096/],
      [CONFIG({ limits: { maxSteps: 1, memLimit: 4096, maxInput: -1, maxOutput: 1 } }), /maxInput must be an integer/],
      [CONFIG({ heapSize: 1.5 }), /heapSize must be an integer/],
    ];
    for (const [text, pattern] of cases) {
      const dir = tempProgram(text === undefined ? {} : { "program.json": text });
      try {
        assert.throws(
          () => readProgramConfig(dir),
          (e: unknown) => e instanceof ProgramConfigError && pattern.test(e.message),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    assert.equal(readProgramConfig(join(EXAMPLES, "matmul")).limits.maxSteps, 100000000n);
  });
});
