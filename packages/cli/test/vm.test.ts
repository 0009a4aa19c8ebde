// `verity vm run` against qemu-riscv32: same stdout and exit code on programs/tests, and the documented exit codes
// on abnormal halts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildRv32Elf, checkToolchains, ToolchainMissingError } from "@verity/programs";
import { Machine, Status, toHex } from "@verity/vm";
import { VM_DEFAULTS } from "../src/commands/vm.js";
import { ROOT, runCli } from "./helpers.js";

const TESTS = join(ROOT, "programs", "tests");

function missing(): string | false {
  try {
    checkToolchains();
  } catch (e) {
    if (e instanceof ToolchainMissingError) return `C toolchain missing: ${e.message}`;
    throw e;
  }
  return spawnSync("qemu-riscv32", ["--version"]).status === 0 ? false : "qemu-riscv32 missing (Debian qemu-user)";
}
const skip = missing();
const tmp = mkdtempSync(join(tmpdir(), "verity-cli-vm-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function buildElf(name: string, sources: string[]): string {
  const path = join(tmp, `${name}.elf`);
  writeFileSync(path, buildRv32Elf(sources, { extraCflags: ["-O2"] }), { mode: 0o755 });
  return path;
}

const inputs = [new Uint8Array(0), Uint8Array.from({ length: 300 }, (_, i) => (i * 31 + 7) & 0xff)];

describe("verity vm run", () => {
  const sources = readdirSync(TESTS).filter((f) => f.endsWith(".c"));

  it("has qemu reference programs", () => assert.ok(sources.length >= 5, sources.join(", ")));

  for (const file of sources) {
    it(`${file}: same stdout and exit code as qemu-riscv32`, { skip, timeout: 120_000 }, () => {
      const elf = buildElf(file, [join(TESTS, file)]);
      for (const [i, input] of inputs.entries()) {
        const inputFile = join(tmp, `${file}.in${i}`);
        writeFileSync(inputFile, input);
        const q = spawnSync("qemu-riscv32", [elf], { input, timeout: 30_000 });
        assert.equal(q.signal, null, `qemu killed by ${q.signal}`);
        const v = runCli(["vm", "run", elf, "--input-file", inputFile]);
        assert.equal(v.signal, null, `verity killed by ${v.signal}: ${v.stderr}`);
        assert.equal(v.stderr.toString(), "", `${file}: verity stderr`);
        assert.equal(v.status, q.status, `${file} input ${input.length} B: exit code`);
        assert.deepEqual(v.stdout, q.stdout, `${file} input ${input.length} B: stdout`);
        if (file === "input.c") {
          // The same input given as hex must behave the same.
          const h = runCli(["vm", "run", elf, "--input", `0x${Buffer.from(input).toString("hex")}`]);
          assert.equal(h.status, q.status);
          assert.deepEqual(h.stdout, q.stdout);
        }
      }
    });
  }

  it("prints steps, status and the final state hash with --stats", { skip, timeout: 60_000 }, () => {
    const elf = buildElf("hello-stats", [join(TESTS, "hello.c")]);
    const v = runCli(["vm", "run", elf, "--stats"]);
    // The same run in-process, with the documented default limits, gives the expected numbers.
    const m = Machine.fromElf(new Uint8Array(readFileSync(elf)), VM_DEFAULTS);
    m.run();
    assert.equal(m.status, Status.Exited);
    const err = v.stderr.toString();
    assert.match(err, new RegExp(`status\\s+Exited \\(exit code ${m.exitCode}\\)`));
    assert.match(err, new RegExp(`steps\\s+${m.stepCount}\\n`));
    assert.match(err, new RegExp(`state hash\\s+${toHex(m.stateHash())}`));
    assert.equal(v.status, m.exitCode & 0xff);
    assert.deepEqual(new Uint8Array(v.stdout), m.outputData());
  });

  it("exits with 128 + status and says what to do on an abnormal halt", { skip, timeout: 60_000 }, () => {
    const elf = buildElf("hello-halt", [join(TESTS, "hello.c")]);
    const steps = runCli(["vm", "run", elf, "--max-steps", "10"]);
    assert.equal(steps.status, 128 + Status.StepLimit);
    assert.match(steps.stderr.toString(), /abnormal halt: StepLimit after 10 steps .*raise --max-steps/);
    const quiet = runCli(["vm", "run", elf, "--max-steps", "10", "--quiet"]);
    assert.equal(quiet.status, 128 + Status.StepLimit);
    assert.equal(quiet.stderr.toString(), "");
    const output = runCli(["vm", "run", elf, "--max-output", "2"]);
    assert.equal(output.status, 128 + Status.OutputLimit);
    assert.match(output.stderr.toString(), /OutputLimit.*raise --max-output/);
  });

  it("draws a progress bar on long runs when forced, and still matches qemu", { skip, timeout: 120_000 }, () => {
    const src = join(tmp, "loop.c");
    writeFileSync(
      src,
      '#include "verity.h"\nint main(void) { volatile unsigned i; unsigned s = 0; for (i = 0; i < 2000000; i++) s += i; verity_write(&s, 4); return 7; }\n',
    );
    const elf = buildElf("loop", [src]);
    const q = spawnSync("qemu-riscv32", [elf], { timeout: 60_000 });
    const v = runCli(["vm", "run", elf, "--progress"]);
    assert.equal(v.status, q.status);
    assert.equal(v.status, 7);
    assert.deepEqual(v.stdout, q.stdout);
    assert.match(v.stderr.toString(), /\[#*-*\] [0-9.]+M \/ 10\.00G steps .* M steps\/s/);
  });

  it("rejects bad command lines with exit code 2 and unreadable ELFs with 1", { timeout: 60_000 }, () => {
    const bad = runCli(["vm", "run", "x.elf", "--input", "abc"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.toString(), /--input must be hex bytes/);
    const unknown = runCli(["vm", "run", "--frobnicate"]);
    assert.equal(unknown.status, 2);
    const absent = runCli(["vm", "run", join(tmp, "absent.elf")]);
    assert.equal(absent.status, 1);
    assert.match(absent.stderr.toString(), /cannot read ELF/);
    const notElf = join(tmp, "not.elf");
    writeFileSync(notElf, "hello");
    const garbage = runCli(["vm", "run", notElf]);
    assert.equal(garbage.status, 1);
    assert.match(garbage.stderr.toString(), /not a loadable RV32IM ELF/);
  });
});
