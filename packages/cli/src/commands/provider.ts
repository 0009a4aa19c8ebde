// `verity provider start|register|exit`: runs a provider node (@verity/provider), stakes on a Service, leaves it.
import { registerProvider } from "@verity/devkit";
import { verityServiceAbi } from "@verity/protocol";
import { ConfigError, type ProviderConfig, runProvider } from "@verity/provider";
import { type Address, formatEther, type Hex, parseEther } from "viem";
import { integer, parse, privateKey } from "../args.js";
import { connect, shortMessage } from "../chain.js";
import { readDevnetInfo, resolveService } from "../devnet-info.js";
import { CliError, ExitCode, UsageError } from "../errors.js";

export const PROVIDER_HELP = `usage: verity provider <command>

commands:
  start      run a provider node (config file and VERITY_* environment variables)
  register   stake on a Service contract and publish the node's URL
  exit       leave a Service: request the exit, then withdraw the stake once the unbonding delay is over

Run "verity provider <command> --help" for a command's options.`;

const START_HELP = `usage: verity provider start [--config <file.json>] [options]

Runs a provider node until SIGINT/SIGTERM. Settings come from the JSON config file, then the environment, then
these options. Environment: VERITY_PROVIDER_KEY, VERITY_RPC_URL, VERITY_SERVICES (comma-separated addresses),
VERITY_ARBITRATION, VERITY_PAYMENT_CHANNELS, VERITY_HOST, VERITY_PORT, VERITY_PUBLIC_URL, VERITY_DATA_DIR,
VERITY_PROGRAM_DIRS, VERITY_PEERS, VERITY_LOG_LEVEL, VERITY_DISPUTE_POLL_MS. Config file keys are the same names
in camelCase (privateKey, rpcUrl, services, arbitration, ..., plus workers, callTimeoutMs, maxBodyBytes).

options:
  --config <file>       JSON config file
  --port <n>            listen port (default 8547)
  --data-dir <dir>      SQLite store and program cache (default .verity/provider)
  --log-level <level>   pino level: trace, debug, info, warn, error, silent

Prints "verity provider <address> listening on <url>" on stdout once it serves.
exit codes: 0 stopped by a signal, 1 bad configuration or failure to start, 2 bad command line`;

const REGISTER_HELP = `usage: verity provider register --host <url> [--service <address|name>]... [options]

Registers the key's account as a provider of each Service with a stake (register(host) payable). If it is
already registered, updates the host when it differs.

options:
  --rpc <url>             Ethereum JSON-RPC (default: VERITY_RPC_URL, then the running devnet)
  --service <s>           Service contract address, or a devnet service name such as "echo" (repeatable)
  --key <hex>             provider private key (default: VERITY_PROVIDER_KEY; prefer the variable)
  --host <url>            the node's public URL, e.g. https://provider.example:8547
  --stake <eth>           stake in ETH (default: the Service's minStake)

exit codes: 0 registered (or already registered), 1 failed (the revert reason is printed), 2 bad command line`;

const EXIT_HELP = `usage: verity provider exit [--service <address|name>]... [options]

Leaves each Service in two steps: requestExit() now, and withdraw() once the unbonding delay has passed and no
dispute locks the stake. Run it again later to finish; it reports what is still pending.

options:
  --rpc <url>             Ethereum JSON-RPC (default: VERITY_RPC_URL, then the running devnet)
  --service <s>           Service contract address or devnet service name (repeatable)
  --key <hex>             provider private key (default: VERITY_PROVIDER_KEY)

exit codes: 0 stake withdrawn (or already withdrawn), 3 exit requested but withdrawal still pending,
            1 failed (not registered, slashed, transaction reverted), 2 bad command line`;

/** ProviderStatus of VerityService.sol. */
const ProviderStatus = { None: 0, Active: 1, Exiting: 2, Withdrawn: 3, Slashed: 4 } as const;

function keyFrom(command: string, value: string | undefined): Hex {
  const key = value ?? process.env.VERITY_PROVIDER_KEY;
  if (key === undefined) throw new UsageError("give the provider key with --key or VERITY_PROVIDER_KEY", command);
  return privateKey(command, value === undefined ? "VERITY_PROVIDER_KEY" : "--key", key);
}

function chainTarget(
  command: string,
  values: { rpc?: string; service?: string[] },
): { rpcUrl: string; services: Address[] } {
  const devnet = readDevnetInfo();
  const rpcUrl = values.rpc ?? process.env.VERITY_RPC_URL ?? devnet?.rpcUrl;
  if (rpcUrl === undefined)
    throw new UsageError('give --rpc <url> (or VERITY_RPC_URL), or start a devnet with "verity devnet"', command);
  const names = values.service ?? [];
  if (names.length === 0) throw new UsageError("give at least one --service <address|name>", command);
  return { rpcUrl, services: names.map((n) => resolveService(n, devnet, command)) };
}

async function start(argv: readonly string[]): Promise<number | undefined> {
  const cmd = "provider start";
  const args = parse(cmd, argv, {
    config: { type: "string" },
    port: { type: "string" },
    "data-dir": { type: "string" },
    "log-level": { type: "string" },
  });
  if (args.help) {
    console.log(START_HELP);
    return ExitCode.Ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, cmd);
  const overrides: Partial<ProviderConfig> = {};
  if (args.values.port !== undefined) overrides.port = Number(integer(cmd, "port", args.values.port, 0n));
  if (args.values["data-dir"] !== undefined) overrides.dataDir = args.values["data-dir"];
  if (args.values["log-level"] !== undefined) overrides.logLevel = args.values["log-level"];
  try {
    await runProvider(args.values.config, overrides);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CliError(`bad provider configuration: ${error.message} (see "verity provider start --help")`);
    throw new CliError(`provider failed to start: ${shortMessage(error)}`);
  }
  return undefined; // keeps running; runProvider exits the process on SIGINT/SIGTERM
}

async function register(argv: readonly string[]): Promise<number> {
  const cmd = "provider register";
  const args = parse(cmd, argv, {
    rpc: { type: "string" },
    service: { type: "string", multiple: true },
    key: { type: "string" },
    host: { type: "string" },
    stake: { type: "string" },
  });
  if (args.help) {
    console.log(REGISTER_HELP);
    return ExitCode.Ok;
  }
  const host = args.values.host;
  if (host === undefined) throw new UsageError("give the node's public URL with --host", cmd);
  let stake: bigint | undefined;
  if (args.values.stake !== undefined) {
    try {
      stake = parseEther(args.values.stake);
    } catch {
      throw new UsageError(`--stake must be an amount of ETH such as 1 or 0.5, got "${args.values.stake}"`, cmd);
    }
  }
  const key = keyFrom(cmd, args.values.key);
  const target = chainTarget(cmd, args.values);
  const { client, wallet } = await connect(target.rpcUrl, key);
  const me = wallet.account.address;
  for (const service of target.services) {
    try {
      const info = await client.readContract({
        address: service,
        abi: verityServiceAbi,
        functionName: "providerInfo",
        args: [me],
      });
      if (info.status === ProviderStatus.Active || info.status === ProviderStatus.Exiting) {
        if (info.host !== host) {
          const hash = await wallet.writeContract({
            address: service,
            abi: verityServiceAbi,
            functionName: "updateHost",
            args: [host],
          });
          const receipt = await client.waitForTransactionReceipt({ hash });
          if (receipt.status !== "success") throw new Error(`updateHost reverted (transaction ${hash})`);
          console.log(
            `${service}: ${me} already registered (stake ${formatEther(info.stake)} ETH); host updated to ${host}`,
          );
        } else {
          console.log(`${service}: ${me} already registered with stake ${formatEther(info.stake)} ETH at ${host}`);
        }
        continue;
      }
      const amount =
        stake ?? (await client.readContract({ address: service, abi: verityServiceAbi, functionName: "minStake" }));
      await registerProvider(wallet, client, service, host, amount);
      console.log(`${service}: registered ${me} at ${host} with stake ${formatEther(amount)} ETH`);
    } catch (error) {
      throw new CliError(`${service}: registration failed: ${shortMessage(error)}`);
    }
  }
  return ExitCode.Ok;
}

function duration(seconds: bigint): string {
  const s = Number(seconds);
  if (s >= 86400) return `${(s / 86400).toFixed(1)} days`;
  if (s >= 3600) return `${(s / 3600).toFixed(1)} hours`;
  if (s >= 60) return `${(s / 60).toFixed(1)} minutes`;
  return `${s} s`;
}

async function exit(argv: readonly string[]): Promise<number> {
  const cmd = "provider exit";
  const args = parse(cmd, argv, {
    rpc: { type: "string" },
    service: { type: "string", multiple: true },
    key: { type: "string" },
  });
  if (args.help) {
    console.log(EXIT_HELP);
    return ExitCode.Ok;
  }
  const key = keyFrom(cmd, args.values.key);
  const target = chainTarget(cmd, args.values);
  const { client, wallet } = await connect(target.rpcUrl, key);
  const me = wallet.account.address;
  let pending = false;
  const read = (service: Address) =>
    client.readContract({ address: service, abi: verityServiceAbi, functionName: "providerInfo", args: [me] });
  const send = async (hash: Hex, what: string) => {
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${what} reverted (transaction ${hash})`);
  };
  for (const service of target.services) {
    try {
      let info = await read(service);
      if (info.status === ProviderStatus.None) throw new CliError(`${service}: ${me} is not registered there`);
      if (info.status === ProviderStatus.Slashed)
        throw new CliError(`${service}: ${me} was slashed; there is no stake to withdraw`);
      if (info.status === ProviderStatus.Withdrawn) {
        console.log(`${service}: ${me} already withdrew its stake`);
        continue;
      }
      if (info.status === ProviderStatus.Active) {
        await send(
          await wallet.writeContract({ address: service, abi: verityServiceAbi, functionName: "requestExit" }),
          "requestExit",
        );
        info = await read(service);
        console.log(`${service}: exit requested for ${me}`);
      }
      const delay = await client.readContract({
        address: service,
        abi: verityServiceAbi,
        functionName: "unbondingDelay",
      });
      const now = (await client.getBlock()).timestamp;
      const withdrawableAt = info.exitRequestedAt + delay;
      if (now < withdrawableAt || info.locks !== 0) {
        const waits: string[] = [];
        if (now < withdrawableAt)
          waits.push(
            `unbonding ends at ${new Date(Number(withdrawableAt) * 1000).toISOString()} (in ${duration(withdrawableAt - now)})`,
          );
        if (info.locks !== 0) waits.push(`${info.locks} open dispute(s) lock the stake`);
        console.log(
          `${service}: ${formatEther(info.stake)} ETH pending: ${waits.join("; ")}; run "verity provider exit" again then`,
        );
        pending = true;
        continue;
      }
      await send(
        await wallet.writeContract({ address: service, abi: verityServiceAbi, functionName: "withdraw" }),
        "withdraw",
      );
      console.log(`${service}: withdrew ${formatEther(info.stake)} ETH to ${me}`);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`${service}: exit failed: ${shortMessage(error)}`);
    }
  }
  return pending ? ExitCode.Pending : ExitCode.Ok;
}

/** Runs `verity provider ...`; returns the exit code, or undefined when the command keeps running. */
export async function providerCommand(argv: readonly string[]): Promise<number | undefined> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "start":
      return start(rest);
    case "register":
      return register(rest);
    case "exit":
      return exit(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      // Asked for: stdout and success; missing subcommand: stderr and a usage error.
      (sub === undefined ? console.error : console.log)(PROVIDER_HELP);
      return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
    default:
      throw new UsageError(`unknown command "provider ${sub}"`, "provider");
  }
}
