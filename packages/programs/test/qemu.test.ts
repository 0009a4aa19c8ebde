// Differential test against the reference VM: programs/tests/*.c built at -O0 and -O2 run under qemu-riscv32 and
// under our VM with the same inputs must print the same bytes and exit with the same code.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Machine, Status, statusName } from "@verity/vm";
import { buildRv32Elf, checkToolchains, ToolchainMissingError } from "../src/index.js";

const TESTS = join(import.meta.dirname, "../../../programs/tests");

function missing(): string | false {
  try {
    checkToolchains();
  } catch (e) {
    if (e instanceof ToolchainMissingError) return `C toolchain missing: ${e.message}`;
    throw e;
  }
  const q = spawnSync("qemu-riscv32", ["--version"]);
  return q.status === 0 ? false : "qemu-riscv32 missing: install the Debian package qemu-user";
}
const skip = missing();

const inputs = [
  new Uint8Array(0),
  new TextEncoder().encode("a"),
  Uint8Array.from({ length: 33 }, (_, i) => i * 7),
  Uint8Array.from({ length: 1000 }, (_, i) => (i * i) & 0xff),
];

const tmp = mkdtempSync(join(tmpdir(), "verity-qemu-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("programs/tests under qemu-riscv32 and the Verity VM", () => {
  const sources = readdirSync(TESTS).filter((f) => f.endsWith(".c"));
  it("has test programs", () => assert.ok(sources.length >= 5, sources.join(", ")));
  for (const file of sources) {
    for (const opt of ["-O0", "-O2"]) {
      it(`${file} ${opt}: same stdout and exit code`, { skip, timeout: 60_000 }, () => {
        const elf = buildRv32Elf([join(TESTS, file)], { extraCflags: [opt] });
        const path = join(tmp, `${file}${opt}.elf`);
        writeFileSync(path, elf, { mode: 0o755 }); // qemu-user refuses files without the execute bit
        for (const input of inputs) {
          const q = spawnSync("qemu-riscv32", [path], { input, timeout: 30_000 });
          assert.equal(q.signal, null, `qemu killed by ${q.signal}`);
          assert.equal(q.stderr.toString(), "", "qemu stderr");
          const vm = Machine.fromElf(elf, { input, maxSteps: 200_000_000n, memLimit: 0x400000, maxOutput: 1 << 20 });
          vm.run();
          assert.equal(statusName(vm.status), statusName(Status.Exited), `${file} ${opt} input ${input.length} B`);
          assert.equal(vm.exitCode & 0xff, q.status, `${file} ${opt} exit code, input ${input.length} B`);
          assert.equal(
            Buffer.from(vm.outputData()).toString("latin1"),
            q.stdout.toString("latin1"),
            `${file} ${opt} stdout`,
          );
        }
      });
    }
  }
});
