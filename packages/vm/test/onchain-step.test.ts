// Differential test of the Solidity one-step proof (contracts/src/vm/RiscVStep.sol) against the TypeScript VM: real
// programs run step by step with witnesses, and for every sampled step `RiscVStep.step` on anvil must return the same
// post-state hash as the interpreter. Coverage of every opcode, syscall path and halt status is enforced. Also a
// fuzz over random instruction words, tampered witnesses (must revert), and a gas table per instruction class.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Anvil, startAnvil } from "@verity/devkit";
import { riscVStepAbi, riscVStepBytecode } from "@verity/protocol";
import {
  chunkRoot,
  decode,
  decodeState,
  encodeState,
  inputHash,
  keccak,
  Machine,
  type MachineOptions,
  MapOracle,
  Op,
  outputHashOf,
  resultHash,
  Status,
  type StepWitness,
  stateHash,
  statusName,
  stepWithWitness,
  toHex,
  verifyStep,
} from "@verity/vm";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  type PublicClient,
  parseAbi,
} from "viem";
import { foundry } from "viem/chains";
import { a, CODE, li, program } from "./asm.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const FIXTURES = join(ROOT, "contracts", "test", "fixtures", "step");
const DATA = 0x8000;
const OPTS = { maxSteps: 1_000_000, memLimit: 1 << 20, maxOutput: 1 << 16 } as const;

// ------------------------------------------------------------------------------------------------ classification

const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([name, id]) => [id, name]));
const ALL_OPS = [...OP_NAMES.values()];
const ALL_SYSCALLS = [
  "exit",
  "exit_group",
  "read:fd0:n>0",
  "read:fd0:n=0",
  "read:fd0:memlimit",
  "read:badfd",
  "write:fd1:n>0",
  "write:fd1:n=0",
  "write:fd2",
  "write:fd1:memlimit",
  "write:fd1:outputlimit",
  "write:badfd",
  "oracle_select",
  "oracle_select:misaligned",
  "oracle_select:memlimit",
  "oracle_read:keccak:n>0",
  "oracle_read:keccak:n=0",
  "oracle_read:keccak:toolong",
  "oracle_read:merkle:n>0",
  "oracle_read:merkle:n=0",
  "oracle_read:merkle:memlimit",
  "oracle_read:keccak:memlimit",
  "oracle_read:badkey",
  "unknown",
];
const ALL_STATUSES = Object.keys(Status);

/** What one step exercises: its opcode (or the pre-fetch halt), syscall path and resulting status. */
interface StepClass {
  op: string;
  sys?: string;
  status: string;
}

interface Sample {
  program: string;
  witness: StepWitness;
  cls: StepClass;
}

function opAt(m: Machine): string {
  if (m.status !== Status.Running) return "halted";
  if (BigInt(m.stepCount) >= m.maxSteps) return "steplimit";
  if ((m.pc & 3) !== 0 || m.pc + 4 > m.memLimit) return "badpc";
  return OP_NAMES.get(decode(m.memory.loadWord(m.pc)).op) ?? "?";
}

function syscallPath(m: Machine): string {
  const r = (i: number) => m.regs[i] >>> 0;
  switch (r(17)) {
    case 93:
      return "exit";
    case 94:
      return "exit_group";
    case 63:
      return r(10) === 0 ? "read:fd0" : "read:badfd";
    case 64:
      return r(10) === 1 ? "write:fd1" : r(10) === 2 ? "write:fd2" : "write:badfd";
    case 1000:
      return "oracle_select";
    case 1001:
      return m.oracleKey[0] === 1
        ? "oracle_read:keccak"
        : m.oracleKey[0] === 2
          ? "oracle_read:merkle"
          : "oracle_read:badkey";
    default:
      return "unknown";
  }
}

/** Steps `m` once with a witness and classifies the step. */
function witnessStep(m: Machine): { witness: StepWitness; cls: StepClass } {
  const op = opAt(m);
  let sys = op === "Ecall" ? syscallPath(m) : undefined;
  const witness = stepWithWitness(m);
  const status = statusName(witness.postHash[0]);
  if (sys !== undefined) {
    const transfers =
      sys === "read:fd0" || sys === "write:fd1" || sys.startsWith("oracle_read:k") || sys.startsWith("oracle_read:m");
    if (transfers && m.status === Status.Running) sys += m.regs[10] === 0 ? ":n=0" : ":n>0";
    else if (m.status === Status.MemoryLimit) sys += ":memlimit";
    else if (m.status === Status.OutputLimit) sys += ":outputlimit";
    else if (m.status === Status.MisalignedAccess) sys += ":misaligned";
    else if (m.status === Status.BadOracleKey && sys === "oracle_read:keccak") sys += ":toolong";
  }
  return { witness, cls: { op, sys, status } };
}

function keyOf(c: StepClass): string[] {
  return [`op:${c.op}`, `status:${c.status}`, ...(c.sys ? [`sys:${c.sys}`] : [])];
}

// ------------------------------------------------------------------------------------------------ programs

/** Runs `m` to its halt (at most `limit` steps), witnessing every step, plus one step of the halted machine. */
function traceAll(name: string, m: Machine, limit = 20_000): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < limit && m.status === Status.Running; i++) out.push({ program: name, ...witnessStep(m) });
  assert.notEqual(m.status, Status.Running, `${name} did not halt within ${limit} steps`);
  out.push({ program: name, ...witnessStep(m) });
  return out;
}

/**
 * Samples a long run: the first `head` steps, windows of `window` steps at `windows` points spread over the run
 * (reached with the fast interpreter), and the last `window` steps up to the halt. Only steps whose class is new
 * or that fall on the sampling stride are kept.
 */
function traceSampled(
  name: string,
  make: () => Machine,
  head: number,
  windows: number,
  window: number,
  stride: number,
): Sample[] {
  const probe = make();
  probe.run();
  const total = probe.stepCount;
  const m = make();
  const seen = new Set<string>();
  const out: Sample[] = [];
  const take = (n: number) => {
    for (let i = 0; i < n && m.status === Status.Running; i++) {
      const s = { program: name, ...witnessStep(m) };
      const keys = keyOf(s.cls);
      if (keys.some((k) => !seen.has(k)) || i % stride === 0) out.push(s);
      for (const k of keys) seen.add(k);
    }
  };
  take(head);
  for (let w = 1; w <= windows; w++) {
    const target = Math.floor((total * w) / (windows + 1));
    if (target > m.stepCount) m.run(target - m.stepCount);
    take(window);
  }
  if (total - window > m.stepCount) m.run(total - window - m.stepCount);
  take(window + 1);
  assert.notEqual(m.status, Status.Running, `${name} did not halt`);
  out.push({ program: name, ...witnessStep(m) });
  return out;
}

const mv = (rd: number, rs: number) => a.addi(rd, rs, 0);
const sys = (num: number, args: number[]) => [...li(17, num), ...args.flatMap((v, i) => li(10 + i, v)), a.ecall()];

/** Every RV32IM instruction, with branches both taken and not taken, loads/stores of every width. */
function aluProgram(): Uint8Array {
  const c: number[] = [...li(5, 0x12345678), ...li(6, 0xfedcba98), ...li(7, 7), ...li(8, 0), ...li(9, 0x80000000)];
  c.push(...li(4, -1));
  const rops = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"] as const;
  const mops = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"] as const;
  for (const op of [...rops, ...mops]) c.push(a[op](10, 5, 6), a[op](11, 6, 7), a[op](12, 9, 4), a[op](13, 5, 8));
  for (const op of ["addi", "slti", "sltiu", "xori", "ori", "andi"] as const)
    c.push(a[op](10, 6, -3), a[op](11, 5, 0x7ff));
  c.push(a.slli(10, 6, 3), a.srli(11, 6, 31), a.srai(12, 6, 7), a.lui(13, 0xabcde000), a.auipc(14, 0x1000), a.fence());
  c.push(...li(20, DATA));
  c.push(a.sw(6, 20, 0), a.sh(5, 20, 6), a.sb(6, 20, 31), a.sw(5, 20, 36));
  for (const op of ["lb", "lh", "lw", "lbu", "lhu"] as const)
    c.push(a[op](15, 20, 0), a[op](16, 20, op === "lw" ? 4 : 2));
  c.push(a.lb(15, 20, 31), a.lbu(16, 20, 31));
  const branches = ["beq", "bne", "blt", "bge", "bltu", "bgeu"] as const;
  for (const op of branches)
    c.push(a[op](5, 6, 8), a.addi(17, 17, 1), a[op](6, 5, 8), a.addi(17, 17, 1), a[op](5, 5, 8), a.addi(17, 17, 1));
  c.push(a.jal(1, 8), a.addi(17, 17, 1), a.auipc(3, 0), a.jalr(1, 3, 12), a.addi(17, 17, 1));
  c.push(...sys(93, [0]));
  return program(c);
}

const INPUT = Uint8Array.from({ length: 75 }, (_, i) => (i * 13 + 1) & 0xff);

/** read until EOF into DATA+3, read a bad fd, echo it all with write loops, write fd 2 and a bad fd, exit_group. */
function ioProgram(): Uint8Array {
  const c: number[] = [...li(21, DATA + 3), mv(22, 21)];
  const readLoop = c.length;
  c.push(...li(17, 63), a.addi(10, 0, 0), mv(11, 21), a.addi(12, 0, 100), a.ecall(), a.add(21, 21, 10));
  c.push(a.bne(10, 0, (readLoop - c.length) * 4));
  c.push(...sys(63, [5, DATA, 4]));
  const writeLoop = c.length;
  c.push(
    ...li(17, 64),
    a.addi(10, 0, 1),
    mv(11, 22),
    a.sub(12, 21, 22),
    a.beq(12, 0, 16),
    a.ecall(),
    a.add(22, 22, 10),
  );
  c.push(a.jal(0, (writeLoop - c.length) * 4));
  c.push(...sys(64, [1, DATA, 0]), ...sys(64, [2, DATA, 40]), ...sys(64, [9, DATA, 40]));
  c.push(...sys(94, [3]));
  return program(c);
}

const BLOB_SMALL = Uint8Array.from({ length: 100 }, (_, i) => (i * 7 + 3) & 0xff);
const BLOB_1024 = Uint8Array.from({ length: 1024 }, (_, i) => (i * 5 + 1) & 0xff);
const BLOB_BIG = Uint8Array.from({ length: 2000 }, (_, i) => (i * 3) & 0xff);
const BLOB_MERKLE = Uint8Array.from({ length: 300 }, (_, i) => (i * 11 + 5) & 0xff);
const BLOB_HUGE = Uint8Array.from({ length: 1 << 16 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

let oracleCache: { oracle: MapOracle; keys: Uint8Array } | undefined;

/** Blobs under their keys, and the keys laid out 32-aligned for a data segment (slot i at DATA + 32 i). */
function oracleSetup(): { oracle: MapOracle; keys: Uint8Array } {
  if (oracleCache !== undefined) return oracleCache;
  const oracle = new MapOracle();
  const keys = new Uint8Array(32 * 7);
  keys.set(oracle.addKeccak(BLOB_SMALL), 0);
  keys.set(oracle.addMerkle(BLOB_MERKLE), 32);
  keys.set(Uint8Array.of(3, 1, 2, 3), 64); // unknown type
  keys.set(oracle.addKeccak(BLOB_BIG), 96); // keccak blob over 1024 bytes
  keys.set(oracle.addKeccak(BLOB_1024), 128);
  keys.set(oracle.addMerkle(BLOB_HUGE), 160);
  oracleCache = { oracle, keys };
  return oracleCache;
}

/** oracle_read loops until n = 0 for a keccak key and a merkle key, at odd destination alignments. */
function oracleProgram(keySlots: number[], dst: number): Uint8Array {
  const c: number[] = [];
  for (const slot of keySlots) {
    c.push(...sys(1000, [DATA + 32 * slot]), a.addi(23, 0, 0));
    const loop = c.length;
    c.push(
      ...li(17, 1001),
      ...li(10, dst),
      a.add(10, 10, 23),
      a.addi(11, 0, 64),
      mv(12, 23),
      a.ecall(),
      a.add(23, 23, 10),
    );
    c.push(a.bne(10, 0, (loop - c.length) * 4));
  }
  c.push(...sys(93, [0]));
  return program(c, { vaddr: DATA, bytes: oracleSetup().keys });
}

/** The most expensive oracle reads: a chunk of a 1024-byte keccak blob and of a 64 KiB merkle blob. */
function oracleWorstProgram(): Uint8Array {
  const c = [...sys(1000, [DATA + 128]), ...sys(1001, [DATA + 0x1000, 64, 1000])];
  c.push(...sys(1000, [DATA + 160]), ...sys(1001, [DATA + 0x1000, 64, 40_000]), ...sys(93, [0]));
  return program(c, { vaddr: DATA, bytes: oracleSetup().keys });
}

/** Programs that each end in one halting status (or exercise a rare syscall path on the way). */
function haltPrograms(): { name: string; elf: Uint8Array; opts?: Partial<MachineOptions> }[] {
  const keys = { vaddr: DATA, bytes: oracleSetup().keys };
  const lim = OPTS.memLimit;
  return [
    { name: "illegal", elf: program([a.addi(5, 0, 1), 0xffffffff]) },
    { name: "ebreak", elf: program([a.ebreak()]) },
    { name: "misaligned-load", elf: program([...li(5, DATA + 2), a.lw(6, 5, 0)]) },
    { name: "misaligned-store", elf: program([...li(5, DATA + 1), a.sh(6, 5, 0)]) },
    { name: "misaligned-jump", elf: program([a.jal(0, 6)]) },
    { name: "misaligned-branch", elf: program([a.beq(0, 0, 6)]) },
    { name: "misaligned-jalr", elf: program([...li(5, CODE + 2), a.jalr(1, 5, 0)]) },
    { name: "load-limit", elf: program([...li(5, lim), a.lbu(6, 5, -1), a.lw(6, 5, 0)]) },
    { name: "store-limit", elf: program([...li(5, lim), a.sw(6, 5, 0)]) },
    { name: "fetch-limit", elf: program([...li(5, lim), a.jalr(0, 5, 0)]) },
    { name: "step-limit", elf: program([a.addi(5, 5, 1), a.jal(0, -4)]), opts: { maxSteps: 40 } },
    { name: "unknown-syscall", elf: program(sys(999, [1])) },
    { name: "output-limit", elf: program(sys(64, [1, DATA, 20])), opts: { maxOutput: 10 } },
    { name: "read-limit", elf: program(sys(63, [0, lim, 8])) },
    { name: "write-limit", elf: program(sys(64, [1, lim, 8])) },
    { name: "select-misaligned", elf: program(sys(1000, [DATA + 4]), keys) },
    { name: "select-limit", elf: program(sys(1000, [lim]), keys) },
    { name: "oracle-nokey", elf: program(sys(1001, [DATA, 8, 0]), keys) },
    { name: "oracle-badtype", elf: program([...sys(1000, [DATA + 64]), ...sys(1001, [DATA, 8, 0])], keys) },
    { name: "oracle-toolong", elf: program([...sys(1000, [DATA + 96]), ...sys(1001, [DATA, 8, 0])], keys) },
    {
      name: "oracle-merkle-limit",
      elf: program([...sys(1000, [DATA + 32]), ...sys(1001, [lim, 8, 0])], keys),
    },
    { name: "oracle-keccak-limit", elf: program([...sys(1000, [DATA]), ...sys(1001, [lim, 8, 0])], keys) },
  ];
}

interface ExampleProgram {
  name: string;
  elf: Uint8Array;
  opts: MachineOptions;
}

/** The example ELFs under programs/examples/<name>/build that exist, with an input for their first method. */
function examplePrograms(): ExampleProgram[] {
  const dir = join(ROOT, "programs", "examples");
  if (!existsSync(dir)) return [];
  const out: ExampleProgram[] = [];
  const args: Record<string, readonly unknown[]> = {
    echo: [`0x${"ab".repeat(70)}`],
    hash: [`0x${"cd".repeat(100)}`],
    multiply: [2, [1, -2, 3, 4], [5, 6, -7, 8]],
    infer: [Array.from({ length: 16 }, (_, i) => i * 3 - 20)],
  };
  for (const name of readdirSync(dir).sort()) {
    const build = join(dir, name, "build");
    const elfPath = join(build, `${name}.elf`);
    const manifestPath = join(build, "manifest.json");
    if (!existsSync(elfPath) || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      methods: string[];
      maxSteps: string;
      memLimit: number;
      maxOutput: number;
    };
    const abi = parseAbi(manifest.methods);
    const fn = abi[0];
    if (fn?.type !== "function" || args[fn.name] === undefined) continue;
    const data = encodeFunctionData({ abi: [fn], functionName: fn.name, args: args[fn.name] } as never) as Hex;
    out.push({
      name,
      elf: readFileSync(elfPath),
      opts: {
        maxSteps: BigInt(manifest.maxSteps),
        memLimit: manifest.memLimit,
        maxOutput: manifest.maxOutput,
        input: Buffer.from(data.slice(2), "hex"),
      },
    });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ fuzz

/** xorshift32, so a failing case can be reproduced from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Sets up an ECALL with plausible random arguments, so transfer sizes, alignments and limits vary. */
function fuzzSyscall(m: Machine, next: () => number, keys: Uint8Array): void {
  const addr = () => (next() % 8 === 0 ? OPTS.memLimit - (next() % 40) : DATA + (next() % 0x3000));
  const num = [63, 64, 1000, 1001, 93, 94][next() % 6];
  m.regs[17] = num;
  if (num === 63) {
    m.regs[10] = next() % 4 === 0 ? 3 : 0;
    m.inputCursor = next() % (INPUT.length + 1);
  } else if (num === 64) m.regs[10] = [1, 1, 2, 5][next() % 4];
  else if (num === 1000) m.regs[10] = next() % 4 === 0 ? addr() : DATA + 32 * (next() % 7);
  else if (num === 1001) {
    const slot = next() % 7;
    m.oracleKey = keys.slice(32 * slot, 32 * slot + 32);
    m.regs[10] = addr();
  } else m.regs[10] = next();
  if (num === 63 || num === 64) m.regs[11] = addr();
  m.regs[num === 1001 ? 11 : 12] = next() % 80;
  if (num === 1001) m.regs[12] = next() % 4 === 0 ? next() % 70_000 : next() % 2_100;
}

/**
 * Random instruction words, biased towards the valid opcodes so that every format is hit often, each executed once
 * from random registers (half of them small addresses) on one reused machine: the word is stored at CODE and the
 * registers, pc and status are reset, so every pre-state is a real machine state (earlier fuzz steps may have
 * changed memory, output or the oracle key, which only adds variety).
 */
function* fuzzSteps(count: number, seed: number): Generator<Sample> {
  const next = rng(seed);
  const opcodes = [0x33, 0x13, 0x03, 0x23, 0x63, 0x6f, 0x67, 0x37, 0x17, 0x0f, 0x73];
  const { oracle, keys } = oracleSetup();
  const m = Machine.fromElf(program([a.ebreak()], { vaddr: DATA, bytes: keys }), { ...OPTS, oracle, input: INPUT });
  for (let i = 0; i < count; i++) {
    let word = next();
    const pick = next() % 4;
    if (pick < 3) word = (word & ~0x7f) | opcodes[next() % opcodes.length];
    if (pick === 0) word = (word & ~0xfe000000) | ((next() & 1 ? 0x20 : next() & 1) << 25);
    if (next() % 16 === 0) word = next() & 1 ? 0x00000073 : 0x00100073;
    m.memory.storeWord(CODE, word | 0);
    for (let r = 1; r < 32; r++) m.regs[r] = next() & 1 ? next() & 0xfffff : next();
    m.pc = CODE;
    m.status = Status.Running;
    if (m.inputCursor > INPUT.length) m.inputCursor = 0;
    if (next() % 5 === 0) {
      word = 0x00000073;
      m.memory.storeWord(CODE, word);
      fuzzSyscall(m, next, keys);
    }
    yield { program: `fuzz 0x${(word >>> 0).toString(16).padStart(8, "0")} a7=${m.regs[17]}`, ...witnessStep(m) };
  }
}

// ------------------------------------------------------------------------------------------------ chain

let anvil: Anvil;
let client: PublicClient;
let verifier: Address;

async function onchainStep(pre: Uint8Array, proof: Uint8Array): Promise<Hex> {
  return client.readContract({
    address: verifier,
    abi: riscVStepAbi,
    functionName: "step",
    args: [toHex(pre), toHex(proof)],
  });
}

/** The custom error name of a reverted call, or undefined when it did not revert. */
async function onchainRevert(pre: Uint8Array, proof: Uint8Array): Promise<string | undefined> {
  try {
    await onchainStep(pre, proof);
    return undefined;
  } catch (err) {
    if (!(err instanceof BaseError)) throw err;
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? reverted.signature ?? "?";
    throw err;
  }
}

/** Runs `f` over `items` with at most `limit` calls in flight. */
async function pool<T, R>(items: readonly T[], limit: number, f: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      out[i] = await f(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Checks samples on chain; returns the mismatches as messages. */
async function checkOnchain(samples: readonly Sample[]): Promise<string[]> {
  const bad: string[] = [];
  await pool(samples, 64, async (s, i) => {
    const expected = toHex(s.witness.postHash);
    assert.equal(toHex(verifyStep(s.witness.preState, s.witness.proof)), expected, "TS verifier disagrees");
    let got: string;
    try {
      got = await onchainStep(s.witness.preState, s.witness.proof);
    } catch (err) {
      got = `revert ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    }
    if (got !== expected) {
      bad.push(
        `${s.program} #${i} ${JSON.stringify(s.cls)}: chain ${got}, TS ${expected}, pc 0x${decodeState(s.witness.preState).pc.toString(16)}`,
      );
    }
  });
  return bad;
}

describe("RiscVStep on chain equals the TypeScript VM", { timeout: 170_000 }, () => {
  const samples: Sample[] = [];
  const gas = new Map<string, { gas: bigint; calldata: number; program: string }>();

  before(async () => {
    anvil = await startAnvil();
    const transport = http(anvil.rpcUrl, { batch: { batchSize: 32, wait: 0 }, timeout: 60_000, retryCount: 0 });
    client = createPublicClient({ chain: foundry, transport });
    const wallet = createWalletClient({ chain: foundry, transport });
    const [account] = await wallet.getAddresses();
    const hash = await wallet.deployContract({ abi: riscVStepAbi, bytecode: riscVStepBytecode, account });
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.ok(receipt.contractAddress, "RiscVStep was not deployed");
    verifier = receipt.contractAddress;
  });

  after(async () => {
    await anvil?.stop();
  });

  it("agrees on every step of the in-test programs", async () => {
    const t0 = Date.now();
    const { oracle } = oracleSetup();
    samples.push(...traceAll("alu", Machine.fromElf(aluProgram(), OPTS)));
    samples.push(...traceAll("io", Machine.fromElf(ioProgram(), { ...OPTS, input: INPUT })));
    samples.push(...traceAll("oracle", Machine.fromElf(oracleProgram([0, 1], DATA + 0x1003), { ...OPTS, oracle })));
    samples.push(...traceAll("oracle-worst", Machine.fromElf(oracleWorstProgram(), { ...OPTS, oracle })));
    for (const h of haltPrograms()) {
      samples.push(...traceAll(h.name, Machine.fromElf(h.elf, { ...OPTS, oracle, input: INPUT, ...h.opts })));
    }
    const bad = await checkOnchain(samples);
    console.log(`in-test programs: ${samples.length} steps checked on chain in ${Date.now() - t0} ms`);
    assert.deepEqual(bad.slice(0, 10), []);
  });

  it("agrees on the example programs (all steps of short runs, samples of long ones)", async (t) => {
    const examples = examplePrograms();
    if (examples.length === 0) t.diagnostic("no example ELFs under programs/examples/*/build");
    const t0 = Date.now();
    const ex: Sample[] = [];
    for (const p of examples) {
      const probe = Machine.fromElf(p.elf, p.opts);
      probe.run();
      assert.equal(probe.status, Status.Exited, `${p.name} should exit`);
      if (probe.stepCount <= 4000) ex.push(...traceAll(p.name, Machine.fromElf(p.elf, p.opts), 4001));
      else ex.push(...traceSampled(p.name, () => Machine.fromElf(p.elf, p.opts), 300, 6, 150, 3));
    }
    const t1 = Date.now();
    const bad = await checkOnchain(ex);
    console.log(`examples: witnesses in ${t1 - t0} ms, chain in ${Date.now() - t1} ms`);
    samples.push(...ex);
    console.log(
      `examples ${examples.map((p) => p.name).join(", ")}: ${ex.length} steps checked in ${Date.now() - t0} ms`,
    );
    assert.deepEqual(bad.slice(0, 10), []);
  });

  it("covers every opcode, syscall path and halt status", () => {
    const seen = new Set(samples.flatMap((s) => keyOf(s.cls)));
    const missing = [
      ...ALL_OPS.map((o) => `op:${o}`),
      ...ALL_SYSCALLS.map((s) => `sys:${s}`),
      ...ALL_STATUSES.map((s) => `status:${s}`),
      "op:halted",
      "op:steplimit",
      "op:badpc",
    ].filter((k) => !seen.has(k));
    const count = (prefix: string) => [...seen].filter((k) => k.startsWith(prefix)).length;
    console.log(
      `coverage: ${count("op:")} opcodes/pre-fetch cases, ${count("sys:")} syscall paths, ${count("status:")} statuses`,
    );
    console.log(
      `  opcodes: ${[...seen]
        .filter((k) => k.startsWith("op:"))
        .map((k) => k.slice(3))
        .sort()
        .join(" ")}`,
    );
    console.log(
      `  syscalls: ${[...seen]
        .filter((k) => k.startsWith("sys:"))
        .map((k) => k.slice(4))
        .sort()
        .join(" ")}`,
    );
    console.log(
      `  statuses: ${[...seen]
        .filter((k) => k.startsWith("status:"))
        .map((k) => k.slice(7))
        .sort()
        .join(" ")}`,
    );
    assert.deepEqual(missing, [], "classes never checked on chain");
  });

  it("agrees on random instruction words", async () => {
    const t0 = Date.now();
    const fs = [...fuzzSteps(5000, 0x5eed)];
    const t1 = Date.now();
    const bad = await checkOnchain(fs);
    console.log(`fuzz: witnesses in ${t1 - t0} ms, chain in ${Date.now() - t1} ms`);
    const statuses = new Map<string, number>();
    for (const s of fs) statuses.set(s.cls.status, (statuses.get(s.cls.status) ?? 0) + 1);
    console.log(
      `fuzz: ${fs.length} words in ${Date.now() - t0} ms; post statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    assert.deepEqual(bad.slice(0, 10), []);
  });

  it("rejects every witness with one byte flipped", async () => {
    const next = rng(77);
    const withProof = samples.filter((s) => s.witness.proof.length > 0);
    // Half of the picks are steps with input or oracle witnesses, which are rare among all steps.
    const rich = withProof.filter((s) => s.witness.proof.length > 2 * 896);
    const picked = Array.from({ length: 300 }, (_, i) =>
      i % 2 === 0 ? rich[next() % rich.length] : withProof[next() % withProof.length],
    );
    const results = await pool(picked, 64, async (s) => {
      const proof = s.witness.proof.slice();
      // Half the flips land past the instruction proof, in data, input and oracle parts when there are any.
      const from = proof.length > 2 * 896 && next() & 1 ? 2 * 896 : proof.length > 896 && next() & 1 ? 896 : 0;
      const at = from + (next() % (proof.length - from));
      proof[at] ^= 1 << (next() % 8);
      const err = await onchainRevert(s.witness.preState, proof);
      return { s, at, err };
    });
    const accepted = results.filter((r) => r.err === undefined);
    assert.deepEqual(
      accepted.map((r) => `${r.s.program} ${JSON.stringify(r.s.cls)} byte ${r.at}`),
      [],
      "tampered witnesses accepted",
    );
    const names = new Map<string, number>();
    for (const r of results) names.set(r.err ?? "", (names.get(r.err ?? "") ?? 0) + 1);
    console.log(`tampered witnesses: ${results.length} rejected with ${JSON.stringify(Object.fromEntries(names))}`);
    // A truncated proof and a wrong state length are rejected too.
    const s = withProof[0];
    assert.equal(await onchainRevert(s.witness.preState, s.witness.proof.slice(0, -1)), "ProofTruncated");
    assert.equal(await onchainRevert(s.witness.preState.slice(0, 328), s.witness.proof), "StateLengthInvalid");
  });

  it("measures gas per instruction class", async () => {
    // Worst case per class: the most expensive step seen (transaction gas: 21000 + calldata + execution).
    const byClass = new Map<string, Sample[]>();
    for (const s of samples) {
      const key = s.cls.sys
        ? `ecall ${s.cls.sys}`
        : s.cls.status !== "Running"
          ? `${s.cls.op} -> ${s.cls.status}`
          : s.cls.op;
      // Keep the 8 samples with the longest proofs (calldata dominates the spread within a class).
      const list = [...(byClass.get(key) ?? []), s].sort((x, y) => y.witness.proof.length - x.witness.proof.length);
      byClass.set(key, list.slice(0, 8));
    }
    await pool([...byClass], 16, async ([key, list]) => {
      for (const s of list) {
        const g = await client.estimateGas({
          to: verifier,
          data: encodeFunctionData({
            abi: riscVStepAbi,
            functionName: "step",
            args: [toHex(s.witness.preState), toHex(s.witness.proof)],
          }),
        });
        const prev = gas.get(key);
        if (prev === undefined || g > prev.gas)
          gas.set(key, { gas: g, calldata: s.witness.proof.length, program: s.program });
      }
    });
    const rows = [...gas].sort((x, y) => Number(y[1].gas - x[1].gas));
    console.log("gas per step (eth_estimateGas, worst of up to 8 samples per class):");
    for (const [k, v] of rows)
      console.log(`  ${k.padEnd(40)} ${String(v.gas).padStart(8)}  proof ${v.calldata} B  (${v.program})`);
    const worst = rows[0];
    assert.ok(worst[1].gas < 200_000n, `worst step ${worst[0]} costs ${worst[1].gas} gas`);
  });

  it("writes witness and commitment fixtures for forge when STEP_FIXTURES=1", (t) => {
    if (process.env.STEP_FIXTURES !== "1") {
      t.skip("set STEP_FIXTURES=1 to regenerate contracts/test/fixtures/step");
      return;
    }
    writeFixtures(samples);
  });
});

// ------------------------------------------------------------------------------------------------ fixtures

function writeFixtures(samples: readonly Sample[]): void {
  mkdirSync(FIXTURES, { recursive: true });
  // One witness per class for forge to replay: the one with the longest proof (the worst case for gas).
  const best = new Map<string, Sample>();
  for (const s of samples) {
    const key = JSON.stringify(s.cls);
    const prev = best.get(key);
    if (prev === undefined || s.witness.proof.length > prev.witness.proof.length) best.set(key, s);
  }
  const cases = [...best].map(([key, s]) => ({
    name: `${s.program} ${key}`,
    pre: toHex(s.witness.preState),
    proof: toHex(s.witness.proof),
    post: toHex(s.witness.postHash),
  }));
  writeFileSync(join(FIXTURES, "witnesses.json"), `${JSON.stringify({ count: cases.length, cases }, null, 1)}\n`);

  // Commitments: chunk roots and input hashes of inputs of awkward lengths, initial-state, output and result hashes.
  const inputs = [0, 1, 31, 32, 33, 64, 65, 96, 1000, 4097].map((n) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 17 + 9) & 0xff),
  );
  const m = Machine.fromElf(ioProgram(), { ...OPTS, input: INPUT });
  const initial = m.state();
  m.run();
  const fin = m.state();
  const commitments = {
    inputs: inputs.map((b) => ({ data: toHex(b), chunkRoot: toHex(chunkRoot(b)), inputHash: toHex(inputHash(b)) })),
    initial: {
      memRoot: toHex(initial.memRoot),
      entry: initial.pc,
      maxSteps: Number(initial.maxSteps),
      memLimit: initial.memLimit,
      maxOutput: initial.maxOutput,
      inputRoot: toHex(initial.inputRoot),
      inputLength: initial.inputLength,
      stateHash: toHex(stateHash(initial)),
    },
    final: {
      state: toHex(encodeState(fin)),
      status: fin.status,
      exitCode: fin.exitCode,
      outputHash: toHex(outputHashOf(fin.outputChain, fin.outputTail, fin.outputLength)),
      resultHash: toHex(
        resultHash(fin.status, fin.exitCode, outputHashOf(fin.outputChain, fin.outputTail, fin.outputLength)),
      ),
      stateHash: toHex(stateHash(fin)),
    },
    errorResult: toHex(resultHash(Status.MemoryLimit, 5, keccak(new Uint8Array(1)))),
  };
  writeFileSync(join(FIXTURES, "commitments.json"), `${JSON.stringify(commitments, null, 1)}\n`);
  console.log(`fixtures: ${cases.length} witnesses and commitments written to ${FIXTURES}`);
}
