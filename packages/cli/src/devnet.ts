// startDevnet: anvil, the Verity contracts, one Service per example program, and N provider processes, each a
// `verity provider start` child with its own dev key, port and data folder, registered with stake.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type Anvil,
  deployCore,
  deployService,
  devKey,
  devnetParams,
  freePort,
  readManifest,
  registerProvider,
  startAnvil,
} from "@verity/devkit";
import type { ManifestFile } from "@verity/protocol";
import type { FaultyMode } from "@verity/provider";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hex,
  http,
  toFunctionSelector,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ChildRuntime, cliInvocation, defaultChildRuntime } from "./child.js";
import {
  DEFAULT_STATE_DIR,
  type DevnetInfo,
  type DevnetProvider,
  type DevnetService,
  devnetInfoPath,
  readDevnetInfo,
} from "./devnet-info.js";
import { CliError } from "./errors.js";
import { EXAMPLE_SERVICES, EXAMPLES_DIR } from "./examples.js";

/** Options of startDevnet. */
export interface DevnetOptions {
  /** Provider processes to start (default 3). */
  providers?: number;
  /** anvil's port (default: a free one). */
  port?: number;
  /** anvil's chain id (default 31337). */
  chainId?: number;
  /** Folder for devnet.json and devnet/ (provider data, configs, logs); default ".verity". */
  stateDir?: string;
  /** Where provider children run from (default: see defaultChildRuntime). */
  runtime?: ChildRuntime;
  /** Provider log level (default "info"; logs go to <stateDir>/devnet/provider-<i>.log). */
  providerLogLevel?: string;
  /** Executor workers per provider (default 2). */
  providerWorkers?: number;
  /** How often providers poll the chain for disputes, in ms (default: the provider's). */
  disputePollMs?: number;
  /** Demo/test only: providers (by index) that deliberately sign wrong results, and how. */
  faulty?: readonly { index: number; mode: FaultyMode }[];
  /** How long to wait for each provider to listen, in ms (default 60 s). */
  providerStartTimeoutMs?: number;
  /** Progress lines while starting (default: none). */
  log?: (line: string) => void;
}

/** A running devnet. */
export interface Devnet {
  readonly info: DevnetInfo;
  /** Path of the devnet.json written for other commands. */
  readonly infoFile: string;
  /** Stops every provider process and anvil and removes devnet.json; safe to call twice. */
  stop(): Promise<void>;
  /** Called with the provider's index and exit code if a provider process dies while the devnet runs. */
  onProviderExit?: (index: number, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Index of the first dev key used by providers: 0 deploys, 1 is the user. */
const FIRST_PROVIDER_KEY = 2;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once("exit", () => r()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Waits for the provider's "listening on <url>" line; rejects with its output if it exits or times out first. */
function listening(child: ChildProcess, index: number, logFile: string, timeoutMs: number): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = "";
    let err = "";
    const onOut = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-8000);
      const m = /verity provider 0x[0-9a-fA-F]{40} listening on (\S+)/.exec(out);
      if (m !== null) done(undefined, m[1]);
    };
    const onErr = (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(
        new CliError(
          `provider ${index} exited (code ${code}, signal ${signal}) before listening: ${(err || out).trim().slice(-1500)} (log: ${logFile})`,
        ),
      );
    const timer = setTimeout(
      () =>
        done(
          new CliError(
            `provider ${index} did not listen within ${timeoutMs} ms (log: ${logFile}): ${(err || out).trim().slice(-1500)}`,
          ),
        ),
      timeoutMs,
    );
    const done = (error: Error | undefined, url?: string) => {
      clearTimeout(timer);
      child.stdout?.off("data", onOut);
      child.stderr?.off("data", onErr);
      child.off("exit", onExit);
      if (error !== undefined) reject(error);
      else resolveUrl(url!);
    };
    child.stdout?.on("data", onOut);
    child.stderr?.on("data", onErr);
    child.once("exit", onExit);
  });
}

/** Starts a complete local network; resolves once every provider answers. */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const providerCount = options.providers ?? 3;
  if (!Number.isInteger(providerCount) || providerCount < 0 || providerCount > 16)
    throw new CliError(`providers must be an integer in 0..16, got ${providerCount}`);
  const log = options.log ?? (() => undefined);
  for (const f of options.faulty ?? [])
    if (!Number.isInteger(f.index) || f.index < 0 || f.index >= providerCount)
      throw new CliError(`faulty provider index ${f.index} is not one of the ${providerCount} providers`);
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const infoFile = devnetInfoPath(stateDir);
  const previous = readDevnetInfo(infoFile);
  if (previous !== undefined && previous.pid !== process.pid && alive(previous.pid))
    throw new CliError(
      `a devnet is already running (pid ${previous.pid}, ${infoFile}): stop it first, or use another --state-dir`,
    );
  const workDir = join(stateDir, "devnet");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const runtime = options.runtime ?? defaultChildRuntime();
  const invocation = cliInvocation(runtime);

  const children: ChildProcess[] = [];
  let anvil: Anvil | undefined;
  let stopped = false;
  const killAll = () => {
    for (const c of children) c.kill("SIGKILL");
  };
  process.once("exit", killAll);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(children.map((c) => stopChild(c, 5000)));
    await anvil?.stop();
    process.removeListener("exit", killAll);
    const current = existsSync(infoFile) ? readDevnetInfo(infoFile) : undefined;
    if (current?.pid === process.pid) rmSync(infoFile, { force: true });
  };

  try {
    log(`starting anvil${options.port === undefined ? "" : ` on port ${options.port}`}`);
    try {
      anvil = await startAnvil({
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
        args: ["--accounts", String(Math.max(10, FIRST_PROVIDER_KEY + providerCount))],
      });
    } catch (error) {
      const hint = options.port === undefined ? "" : ` (is port ${options.port} taken? try --port 0 for a free one)`;
      throw new CliError(`${(error as Error).message}${hint}`);
    }
    const transport = http(anvil.rpcUrl);
    const probe = createPublicClient({ transport });
    const chainId = await probe.getChainId();
    const chain = defineChain({
      id: chainId,
      name: "Verity devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const client = createPublicClient({ chain, transport });
    const deployerKey = devKey(0);
    const userKey = devKey(1);
    const deployer = createWalletClient({ chain, transport, account: privateKeyToAccount(deployerKey) });
    const params = devnetParams(deployer.account.address);
    log("deploying core contracts");
    const core = await deployCore(deployer, client, params);

    const services: DevnetService[] = [];
    const programDirs: string[] = [];
    for (const example of EXAMPLE_SERVICES) {
      const dir = join(EXAMPLES_DIR, example.name);
      let manifest: ManifestFile;
      try {
        manifest = readManifest(dir);
      } catch (error) {
        log(`skipping ${example.name}: ${(error as Error).message} (run "verity program build ${dir}")`);
        continue;
      }
      const methods = manifest.methods.map((signature) => ({ signature, manifest }));
      const address = getAddress(
        await deployService(deployer, client, core, params, {
          name: example.contract,
          abi: example.abi,
          bytecode: example.bytecode,
          methods,
        }),
      );
      programDirs.push(dir);
      services.push({
        name: example.name,
        contract: example.contract,
        address,
        methods: manifest.methods.map((signature) => ({
          signature,
          selector: toFunctionSelector(signature),
          programHash: manifest.programHash,
        })),
      });
      log(`deployed ${example.contract} at ${address}`);
    }
    if (services.length === 0)
      throw new CliError(`no example program is built under ${EXAMPLES_DIR}: run "npm run build" first`);

    const providers: DevnetProvider[] = [];
    const starts: Promise<string>[] = [];
    for (let i = 0; i < providerCount; i++) {
      const key: Hex = devKey(FIRST_PROVIDER_KEY + i);
      const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(key) });
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      for (const s of services) await registerProvider(wallet, client, s.address, url, params.minStake);
      const dataDir = join(workDir, `provider-${i}`);
      const configFile = join(workDir, `provider-${i}.json`);
      const logFile = join(workDir, `provider-${i}.log`);
      const faultyMode = options.faulty?.find((f) => f.index === i)?.mode;
      writeFileSync(
        configFile,
        `${JSON.stringify(
          {
            privateKey: key,
            rpcUrl: anvil.rpcUrl,
            services: services.map((s) => s.address),
            arbitration: core.arbitration,
            paymentChannels: core.paymentChannels,
            host: "127.0.0.1",
            port,
            publicUrl: url,
            dataDir,
            programDirs,
            workers: options.providerWorkers ?? 2,
            logLevel: options.providerLogLevel ?? "info",
            ...(options.disputePollMs === undefined ? {} : { disputePollMs: options.disputePollMs }),
            ...(faultyMode === undefined ? {} : { faulty: faultyMode }),
          },
          null,
          2,
        )}\n`,
      );
      const child = spawn(invocation.command, [...invocation.args, "provider", "start", "--config", configFile], {
        // Own process group: a terminal's Ctrl-C reaches the devnet only, which then stops providers in order.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1" },
      });
      if (child.pid === undefined) throw new CliError(`could not start provider ${i} (${invocation.command})`);
      children.push(child);
      const logStream = createWriteStream(logFile);
      child.stdout?.pipe(logStream);
      child.stderr?.pipe(logStream);
      starts.push(listening(child, i, logFile, options.providerStartTimeoutMs ?? 60_000));
      providers.push({
        address: wallet.account.address,
        privateKey: key,
        url,
        pid: child.pid,
        dataDir,
        configFile,
        logFile,
        ...(faultyMode === undefined ? {} : { faulty: { ...faultyMode } }),
      });
      log(
        `provider ${i}: ${wallet.account.address} registered at ${url}, starting (pid ${child.pid})${faultyMode === undefined ? "" : ` FAULTY: ${JSON.stringify(faultyMode)}`}`,
      );
    }
    await Promise.all(starts);

    const info: DevnetInfo = {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      rpcUrl: anvil.rpcUrl,
      chainId,
      anvilPid: anvil.pid,
      contracts: {
        stepVerifier: getAddress(core.stepVerifier),
        registry: getAddress(core.registry),
        arbitration: getAddress(core.arbitration),
        paymentChannels: getAddress(core.paymentChannels),
      },
      services,
      accounts: {
        deployer: { address: deployer.account.address, privateKey: deployerKey },
        user: { address: privateKeyToAccount(userKey).address, privateKey: userKey },
      },
      providers,
      params: Object.fromEntries(
        Object.entries(params).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : (v as string | number)]),
      ),
    };
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    const devnet: Devnet = { info, infoFile, stop };
    for (const [i, child] of children.entries()) {
      child.once("exit", (code, signal) => {
        if (!stopped) devnet.onProviderExit?.(i, code, signal);
      });
    }
    return devnet;
  } catch (error) {
    await stop();
    throw error;
  }
}
