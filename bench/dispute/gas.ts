// Whole-dispute cost over a real trace of >= 10^6 steps: an honest and a lying provider (corrupt-step at ~60 % of the
// trace) answer one keccak call on a 16 KiB input; the requester opens a dispute; the providers' bots play it out.
// Prints transactions and gas per move type and side, and projects the figures to a 2^40-step trace.
// Run: node --import tsx --conditions=source bench/dispute/gas.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  deployCore,
  deployService,
  devKey,
  devnetParams,
  freePort,
  readManifest,
  registerProvider,
  startAnvil,
} from "@verity/devkit";
import {
  arbitrationAbi,
  disputeRequestOf,
  keccakServiceAbi,
  keccakServiceBytecode,
  signOffchainCall,
} from "@verity/protocol";
import { type CallAnswer, loadConfig, ProviderNode, provingMachine } from "@verity/provider";
import {
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  http,
  parseAbi,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const ROOT = join(import.meta.dirname, "..", "..");
const KECCAK_DIR = join(ROOT, "programs", "examples", "keccak");
const SIGNATURE = "function hash(bytes data) returns (bytes32)";
const abi = parseAbi([SIGNATURE]);

const anvil = await startAnvil();
const transport = http(anvil.rpcUrl);
const client = createPublicClient({ chain: foundry, transport });
const deployer = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(devKey(0)) });
const params = devnetParams(deployer.account.address);
const core = await deployCore(deployer, client, params);
const manifest = readManifest(KECCAK_DIR);
const service = await deployService(deployer, client, core, params, {
  name: "KeccakService",
  abi: keccakServiceAbi,
  bytecode: keccakServiceBytecode,
  methods: [{ signature: SIGNATURE, manifest }],
});

// The input and the length of its proving run.
const input = new Uint8Array(16 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
const data = encodeFunctionData({ abi, functionName: "hash", args: [`0x${Buffer.from(input).toString("hex")}`] });
const probe = provingMachine(
  (await import("node:fs")).readFileSync(join(KECCAK_DIR, "build", "keccak.elf")),
  hexToBytes(data),
  {
    maxSteps: manifest.maxSteps,
    memLimit: manifest.memLimit,
    maxOutput: manifest.maxOutput,
  },
);
probe.run();
const steps = probe.stepCount;
console.log(
  `keccak of 16 KiB: ${steps.toLocaleString("en")} VM steps; liar departs at step ${Math.floor(steps * 0.6)}`,
);

const dirs: string[] = [];
const nodes: ProviderNode[] = [];
for (const [i, faulty] of [
  [1, undefined],
  [2, { kind: "corrupt-step" as const, step: Math.floor(steps * 0.6) }],
] as const) {
  const port = await freePort();
  const key = devKey(i);
  await registerProvider(
    createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) }),
    client,
    service,
    `http://127.0.0.1:${port}`,
    parseEther("1"),
  );
  const dataDir = mkdtempSync(join(tmpdir(), "verity-bench-dispute-"));
  dirs.push(dataDir);
  const node = new ProviderNode(
    loadConfig(
      undefined,
      {},
      {
        privateKey: key,
        rpcUrl: anvil.rpcUrl,
        services: [service],
        arbitration: core.arbitration,
        port,
        dataDir,
        programDirs: [KECCAK_DIR],
        workers: 1,
        logLevel: "silent",
        disputePollMs: 200,
        ...(faulty === undefined ? {} : { faulty }),
      },
    ),
  );
  await node.start();
  nodes.push(node);
}

const user = privateKeyToAccount(devKey(9));
const offchainChainId = nodes[0]!.catalog.get(service)!.offchainChainId;
const tx = await signOffchainCall({ account: user, service, offchainChainId, data, nonce: 1 });
const answers = (await Promise.all(nodes.map((n) => n.call([{ tx }])))) as CallAnswer[];
const wallet = createWalletClient({ chain: foundry, transport, account: user });
const started = Date.now();
const { request } = await client.simulateContract({
  address: core.arbitration,
  abi: arbitrationAbi,
  functionName: "open",
  args: [
    service,
    disputeRequestOf(answers[0]!.response),
    data,
    answers.map((a) => ({ resultHash: a.response.resultHash, signature: a.signature })),
  ],
  account: user,
});
const openHash = await wallet.writeContract(request);
await client.waitForTransactionReceipt({ hash: openHash });
const id = 1n;
while (
  !(
    await client.readContract({
      address: core.arbitration,
      abi: arbitrationAbi,
      functionName: "getDispute",
      args: [id],
    })
  ).settled
) {
  if (Date.now() - started > 300_000) throw new Error("dispute not settled in 5 minutes");
  await new Promise((r) => setTimeout(r, 250));
}
const seconds = (Date.now() - started) / 1000;
// Let the bots withdraw their credit.
await new Promise((r) => setTimeout(r, 1500));
const dispute = await client.readContract({
  address: core.arbitration,
  abi: arbitrationAbi,
  functionName: "getDispute",
  args: [id],
});

// Every transaction sent to Arbitration since the dispute opened, by sender and function.
const names = new Map<string, string>([
  [user.address.toLowerCase(), "requester"],
  [nodes[0]!.account.address.toLowerCase(), "honest"],
  [nodes[1]!.account.address.toLowerCase(), "liar"],
]);
let reverted = 0;
const rows = new Map<string, { count: number; gas: bigint }>();
const perSide = new Map<string, { count: number; gas: bigint }>();
const openBlock = (await client.getTransactionReceipt({ hash: openHash })).blockNumber;
const head = await client.getBlockNumber();
for (let b = openBlock; b <= head; b++) {
  const block = await client.getBlock({ blockNumber: b, includeTransactions: true });
  for (const t of block.transactions) {
    if (t.to?.toLowerCase() !== core.arbitration.toLowerCase()) continue;
    const receipt = await client.getTransactionReceipt({ hash: t.hash });
    // A move that lost a race (e.g. a second settle) reverts; count it apart.
    if (receipt.status !== "success") {
      reverted++;
      continue;
    }
    const fn = decodeFunctionData({ abi: arbitrationAbi, data: t.input as Hex }).functionName;
    const who = names.get(t.from.toLowerCase()) ?? t.from;
    const key = `${who} ${fn}`;
    const row = rows.get(key) ?? { count: 0, gas: 0n };
    row.count++;
    row.gas += receipt.gasUsed;
    rows.set(key, row);
    const side = perSide.get(who) ?? { count: 0, gas: 0n };
    side.count++;
    side.gas += receipt.gasUsed;
    perSide.set(who, side);
  }
}
console.log(
  `\ntrace T = 16^${dispute.rounds} = ${(1n << BigInt(4 * dispute.rounds)).toLocaleString("en")} (program ran ${steps.toLocaleString("en")} steps); settled in ${seconds.toFixed(1)} s`,
);
console.log("\n| sender | function | transactions | gas total | gas each (mean) |\n| --- | --- | ---: | ---: | ---: |");
for (const [key, row] of [...rows.entries()].sort()) {
  const [who, fn] = key.split(" ");
  console.log(
    `| ${who} | ${fn} | ${row.count} | ${row.gas.toLocaleString("en")} | ${(row.gas / BigInt(row.count)).toLocaleString("en")} |`,
  );
}
let total = 0n;
for (const [who, s] of perSide) {
  total += s.gas;
  console.log(`${who}: ${s.count} transactions, ${s.gas.toLocaleString("en")} gas`);
}
console.log(
  `whole dispute: ${total.toLocaleString("en")} gas in successful transactions (${reverted} raced moves reverted)`,
);
const mean = (key: string) => {
  const r = rows.get(key);
  return r === undefined ? 0n : r.gas / BigInt(r.count);
};
const perSide40 = mean("honest commitFinal") + 10n * mean("honest bisect") + mean("honest proveStep");
console.log(
  `\nprojection for 2^40 steps (10 rounds): 12 moves per side (1 commitFinal + 10 bisect + 1 proveStep) ≈ ${perSide40.toLocaleString("en")} gas for the proving side; ` +
    `whole dispute ≈ ${(mean("requester open") + 2n * perSide40 + (mean("honest settle") || mean("liar settle")) + mean("honest withdraw")).toLocaleString("en")} gas`,
);

for (const n of nodes) await n.stop();
await anvil.stop();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
