import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { initialMemRoot, Machine, restore, Status, snapshot, Trace, toHex } from "@verity/vm";
import { a, li, program } from "./asm.ts";
import { DEFAULT_OPTS } from "./harness.ts";

// A loop that writes to memory across several pages and produces output, then exits.
const code = [
  ...li(20, 0x4000),
  ...li(21, 300), // iterations
  a.slli(22, 21, 6), // loop: address offset = i * 64 (spans 5 pages)
  a.add(23, 20, 22),
  a.sw(21, 23, 0),
  a.sb(21, 23, 13),
  ...li(17, 64),
  a.addi(10, 0, 1),
  a.addi(11, 23, 0),
  a.addi(12, 0, 3),
  a.ecall(), // write 3 bytes
  a.addi(21, 21, -1),
  a.bne(21, 0, -4 * 11),
  ...li(17, 93),
  a.ecall(),
];
const elf = program(code);
const opts = { ...DEFAULT_OPTS, memLimit: 1 << 20 };

/** State hashes after every transition of a straight step-by-step run. */
function straightHashes(): string[] {
  const m = Machine.fromElf(elf, opts);
  const hashes = [toHex(m.stateHash())];
  while (m.status === Status.Running) {
    m.step();
    hashes.push(toHex(m.stateHash()));
  }
  return hashes;
}

describe("checkpoints", () => {
  const hashes = straightHashes();

  it("Trace.stateHashAt matches a straight run at every index (including past the halt)", () => {
    const trace = Trace.record(Machine.fromElf(elf, opts), { interval: 257 });
    assert.equal(trace.length, hashes.length - 1);
    assert.equal(trace.halted, true);
    // Visit indices out of order to exercise restores backwards and forwards.
    const order = [...hashes.keys()].sort((x, y) => ((x * 7919) % 1009) - ((y * 7919) % 1009));
    for (const i of order.slice(0, 250)) assert.equal(toHex(trace.stateHashAt(i)), hashes[i], `index ${i}`);
    assert.equal(toHex(trace.stateHashAt(hashes.length + 100)), hashes[hashes.length - 1]);
  });

  it("snapshot/restore reproduces hashes and output; the machine's later writes do not leak into snapshots", () => {
    const m = Machine.fromElf(elf, opts);
    m.run(1000);
    const s = snapshot(m);
    const h1000 = toHex(m.stateHash());
    assert.equal(h1000, hashes[1000]);
    const out1000 = m.outputData();
    m.run();
    assert.equal(m.status, Status.Exited);
    assert.equal(toHex(m.stateHash()), hashes[hashes.length - 1]);
    restore(m, s);
    assert.equal(toHex(m.stateHash()), h1000);
    assert.deepEqual(m.outputData(), out1000);
    m.run(500);
    assert.equal(toHex(m.stateHash()), hashes[1500]);
    // Restore into a different machine of the same program.
    const other = Machine.fromElf(elf, opts);
    restore(other, s);
    assert.equal(toHex(other.stateHash()), h1000);
    other.run();
    assert.equal(toHex(other.stateHash()), hashes[hashes.length - 1]);
  });

  it("initialMemRoot equals the memRoot of a fresh machine", () => {
    assert.deepEqual(initialMemRoot(elf, opts.memLimit), Machine.fromElf(elf, opts).state().memRoot);
  });

  it("run(budget) counts transitions like step()", () => {
    const m = Machine.fromElf(elf, opts);
    for (const n of [1, 10, 99, 1234]) {
      const before = m.stepCount;
      m.run(n);
      assert.equal(m.stepCount, before + n);
    }
    let progress = 0;
    m.run(Number.POSITIVE_INFINITY, { onProgress: () => progress++, progressInterval: 100 });
    assert.ok(progress > 10);
    assert.equal(toHex(m.stateHash()), hashes[hashes.length - 1]);
  });
});
