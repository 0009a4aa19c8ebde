// `verity dispute status <id>`: where a dispute stands, match by match.
import { arbitrationAbi, matchPairs } from "@verity/protocol";
import { address, integer, parse, privateKey } from "../args.js";
import { connect } from "../chain.js";
import { readDevnetInfo } from "../devnet-info.js";
import { CliError, ExitCode, UsageError } from "../errors.js";

export const DISPUTE_HELP = `usage: verity dispute status <id> [--rpc <url>] [--arbitration <address>] [--json]

Prints a dispute: service, request, participants and their results, each match's phase, interval, clocks and
outcome, and the verified result once settled. Defaults come from the running devnet.

exit codes: 0 ok, 1 failure (no such dispute, node unreachable), 2 bad command line`;

const PHASES = ["final states", "dissection", "one-step proof", "done"] as const;

/** Runs `verity dispute`. */
export async function disputeCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    console.log(DISPUTE_HELP);
    return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (sub !== "status") throw new UsageError(`unknown dispute command "${sub}"`, "dispute");
  const cmd = "dispute status";
  const args = parse(cmd, rest, {
    rpc: { type: "string" },
    arbitration: { type: "string" },
    json: { type: "boolean" },
  });
  if (args.help) {
    console.log(DISPUTE_HELP);
    return ExitCode.Ok;
  }
  const idText = args.positionals[0];
  if (idText === undefined) throw new UsageError("give the dispute id", cmd);
  const id = integer(cmd, "id", idText, 0n);
  const devnet = readDevnetInfo();
  const rpcUrl = args.values.rpc ?? process.env.VERITY_RPC_URL ?? devnet?.rpcUrl;
  const arbitrationText = args.values.arbitration ?? devnet?.contracts.arbitration;
  if (rpcUrl === undefined || arbitrationText === undefined)
    throw new CliError("give --rpc and --arbitration (no devnet running)");
  const arbitration = address(cmd, "arbitration", arbitrationText);
  // Reads only: any key will do for the client pair.
  const { client } = await connect(rpcUrl, privateKey(cmd, "key", `0x${"11".repeat(32)}`));
  const count = await client.readContract({ address: arbitration, abi: arbitrationAbi, functionName: "disputeCount" });
  if (id === 0n || id > count) throw new CliError(`no dispute #${id}: ${count} dispute(s) opened so far`);
  const d = await client.readContract({
    address: arbitration,
    abi: arbitrationAbi,
    functionName: "getDispute",
    args: [id],
  });
  const participants = await client.readContract({
    address: arbitration,
    abi: arbitrationAbi,
    functionName: "getParticipants",
    args: [id],
  });
  const matches = [];
  for (const [a, b] of matchPairs(participants)) {
    const [m, width] = await client.readContract({
      address: arbitration,
      abi: arbitrationAbi,
      functionName: "getMatch",
      args: [id, BigInt(a), BigInt(b)],
    });
    matches.push({
      a,
      b,
      phase: PHASES[m.phase] ?? String(m.phase),
      lo: m.lo,
      width,
      usedA: m.usedA,
      usedB: m.usedB,
      lostA: m.lostA,
      lostB: m.lostB,
    });
  }
  const verified = await client.readContract({
    address: arbitration,
    abi: arbitrationAbi,
    functionName: "verifiedResult",
    args: [d.service, d.requestHash],
  });
  if (args.values.json === true) {
    console.log(
      JSON.stringify(
        { id, dispute: d, participants, matches, verified },
        (_k, v) => (typeof v === "bigint" ? v.toString() : v),
        2,
      ),
    );
    return ExitCode.Ok;
  }
  console.log(`dispute #${id} on service ${d.service}, request ${d.requestHash}`);
  console.log(
    `  opened at ${new Date(Number(d.openedAt) * 1000).toISOString()}, ${d.rounds} dissection rounds per match, ${d.settled ? "settled" : `${d.openMatches} of ${d.totalMatches} match(es) open`}`,
  );
  for (const [i, p] of participants.entries()) {
    console.log(
      `  participant ${i}: ${p.account} result ${p.resultHash}${p.isChallenger ? " (challenger)" : ""}${p.equivocator ? " (equivocated)" : ""}${p.lost ? " — LOST" : ""}`,
    );
  }
  for (const m of matches) {
    const outcome =
      m.phase === "done"
        ? ` — ${m.lostA ? `${m.a} lost` : `${m.a} won`}, ${m.lostB ? `${m.b} lost` : `${m.b} won`}`
        : "";
    console.log(
      `  match ${m.a}-${m.b}: ${m.phase}, interval [${m.lo}, ${m.lo + m.width}], clocks used ${m.usedA}s / ${m.usedB}s${outcome}`,
    );
  }
  if (d.settled) console.log(`  verified result: ${verified === `0x${"0".repeat(64)}` ? "none recorded" : verified}`);
  return ExitCode.Ok;
}
