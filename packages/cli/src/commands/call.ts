// `verity call`: one verified call of a service method from the command line.
import { createVerityClient, DisagreementError } from "@verity/client";
import { type AbiFunction, type AbiParameter, parseAbiItem } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { address, parse, privateKey, u32 } from "../args.js";
import { connect } from "../chain.js";
import { readDevnetInfo, resolveService } from "../devnet-info.js";
import { CliError, ExitCode, UsageError } from "../errors.js";

export const CALL_HELP = `usage: verity call <service> "<function signature>" [args...] [options]

Signs an off-chain call, sends it to k providers chosen at random among those proved registered on the Service,
checks every answer (signature, registration, request fields, output hash) and prints the agreed result and the
report. On disagreement it prints both results and, with --dispute, opens the dispute on chain.

  <service>     a Service address, or a devnet service name (echo, keccak, matmul, numeric, oracle)
  signature     e.g. "function echo(bytes data) returns (bytes)"
  args          one per parameter: numbers in decimal or 0x hex, bytes as 0x hex, arrays as JSON

options:
  --rpc <url>            Ethereum RPC (default: VERITY_RPC_URL, then the running devnet)
  --key <hex>            the caller's private key (default: VERITY_KEY, then the devnet's user account)
  --arbitration <addr>   Arbitration contract (default: the devnet's)
  --redundancy <k>       providers asked (default 3)
  --trust-node           trust the RPC node's header (devnet only; the default when the RPC is the devnet's)
  --block-hash <hash>    trust this pinned block hash instead
  --dispute              open a dispute on disagreement and wait for the verified result
  --json                 print the result and report as JSON

exit codes: 0 agreed result, 1 failure or disagreement, 2 bad command line`;

/** Parses one command-line argument for an ABI parameter. */
export function argumentFor(param: AbiParameter, text: string): unknown {
  const type = param.type;
  if (type.endsWith("]")) {
    let values: unknown;
    try {
      values = JSON.parse(text);
    } catch {
      throw new UsageError(`argument ${param.name ?? ""} (${type}) must be a JSON array, got ${text}`, "call");
    }
    if (!Array.isArray(values))
      throw new UsageError(`argument ${param.name ?? ""} (${type}) must be a JSON array`, "call");
    const inner = { ...param, type: type.slice(0, type.lastIndexOf("[")) };
    return values.map((v) => argumentFor(inner, String(v)));
  }
  if (/^u?int\d*$/.test(type)) {
    try {
      return BigInt(text);
    } catch {
      throw new UsageError(`argument ${param.name ?? ""} (${type}) must be an integer, got ${text}`, "call");
    }
  }
  if (type === "bool") return text === "true" || text === "1";
  return text;
}

/** Runs `verity call`. */
export async function callCommand(argv: readonly string[]): Promise<number> {
  const cmd = "call";
  const args = parse(cmd, argv, {
    rpc: { type: "string" },
    key: { type: "string" },
    arbitration: { type: "string" },
    redundancy: { type: "string" },
    "trust-node": { type: "boolean" },
    "block-hash": { type: "string" },
    dispute: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (args.help) {
    console.log(CALL_HELP);
    return ExitCode.Ok;
  }
  const [serviceArg, signature, ...rest] = args.positionals;
  if (serviceArg === undefined || signature === undefined)
    throw new UsageError("give a service and a function signature", cmd);
  let fn: AbiFunction;
  try {
    const item = parseAbiItem(signature);
    if (item.type !== "function") throw new Error("not a function");
    fn = item;
  } catch (error) {
    throw new UsageError(`"${signature}" is not a Solidity function signature (${(error as Error).message})`, cmd);
  }
  if (rest.length !== fn.inputs.length)
    throw new UsageError(`${fn.name} takes ${fn.inputs.length} argument(s), got ${rest.length}`, cmd);
  const callArgs = fn.inputs.map((p, i) => argumentFor(p, rest[i]!));

  const devnet = readDevnetInfo();
  const rpcUrl = args.values.rpc ?? process.env.VERITY_RPC_URL ?? devnet?.rpcUrl;
  if (rpcUrl === undefined) throw new CliError("no --rpc given, VERITY_RPC_URL unset and no devnet running");
  const key = args.values.key ?? process.env.VERITY_KEY ?? devnet?.accounts.user.privateKey;
  if (key === undefined) throw new CliError("no --key given, VERITY_KEY unset and no devnet running");
  const arbitration = args.values.arbitration ?? devnet?.contracts.arbitration;
  if (arbitration === undefined) throw new CliError("no --arbitration given and no devnet running");
  const service = resolveService(serviceArg, devnet, cmd);
  const { chain, client } = await connect(rpcUrl, privateKey(cmd, "key", key));
  const blockHash = args.values["block-hash"];
  const trust = blockHash !== undefined ? { blockHash: blockHash as `0x${string}` } : ("node" as const);
  if (blockHash === undefined && args.values["trust-node"] !== true && rpcUrl !== devnet?.rpcUrl) {
    throw new UsageError("pass --block-hash <a block hash you trust>, or --trust-node for a local devnet", cmd);
  }
  const verity = createVerityClient({
    publicClient: client,
    chain,
    service,
    arbitration: address(cmd, "arbitration", arbitration),
    account: privateKeyToAccount(privateKey(cmd, "key", key)),
    redundancy: u32(cmd, "redundancy", args.values.redundancy, 3),
    trust,
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  try {
    const { result, report } = await verity.call({ abi: [fn], functionName: fn.name, args: callArgs });
    if (args.values.json === true) {
      console.log(JSON.stringify({ result, report }, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    } else {
      const value: unknown = result;
      console.log(
        typeof value === "string"
          ? value
          : JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      );
      for (const a of report.attempts)
        process.stderr.write(
          `  ${a.provider} ${a.outcome} in ${a.latencyMs.toFixed(0)} ms${a.error ? `: ${a.error}` : ""}\n`,
        );
      process.stderr.write(
        `  ${report.groups[0]?.providers.length ?? 0} provider(s) agreed; signatures and registrations checked\n`,
      );
    }
    return ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof DisagreementError)) throw error;
    process.stderr.write(`${error.message}\n`);
    if (args.values.dispute !== true) return ExitCode.Failure;
    const opened = await verity.openDispute(error.report);
    process.stderr.write(
      `dispute #${opened.disputeId} opened (${opened.transactionHash}); waiting for the verified result\n`,
    );
    const verified = await verity.waitForVerifiedResult(error.report.request.requestHash, { timeoutMs: 600_000 });
    console.log(`verified result hash ${verified}`);
    return ExitCode.Failure;
  }
}
