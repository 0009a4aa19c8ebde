// Built-in local re-execution: fetch the program bundle from a provider, check it against the program hash the
// client proved on chain, and run it exactly as an honest provider does (native image, proving VM when the native
// run does not end in a clean exit). The result hash must equal the providers'.
import { executeProgram } from "@verity/native/execute";
import { decodeBundle, type ProgramBundle, ProgramBundleError } from "@verity/protocol";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { VerityClientError } from "./errors.js";

/** What the client passes to a re-executor. */
export interface ReexecuteCall {
  programHash: Hex;
  /** The call's calldata: the program input. */
  input: Hex;
  /** Hosts of providers that answered the call (bundle sources). */
  hosts: readonly string[];
}

/** A re-executor: returns the result hash of running the program on the input. */
export type Reexecutor = (call: ReexecuteCall) => Promise<Hex>;

/** No provider served a bundle matching the program hash. */
export class BundleUnavailableError extends VerityClientError {
  override name = "BundleUnavailableError";
  constructor(programHash: Hex, reasons: readonly string[]) {
    super(
      "BundleUnavailable",
      `no provider served a program bundle matching ${programHash} (${reasons.join("; ")}); re-execution cannot check this call`,
    );
  }
}

/** Options of the built-in re-executor. */
export interface NativeReexecutorOptions {
  /** Time limit of one bundle download, in milliseconds (default 10 s). */
  fetchTimeoutMs?: number;
}

/** The built-in re-executor behind `reexecute: "native"`; bundles are fetched once per program and cached. */
export function nativeReexecutor(options: NativeReexecutorOptions = {}): Reexecutor {
  const bundles = new Map<string, ProgramBundle>();
  const fetchBundle = async (programHash: Hex, hosts: readonly string[]): Promise<ProgramBundle> => {
    const cached = bundles.get(programHash.toLowerCase());
    if (cached !== undefined) return cached;
    const reasons: string[] = [];
    for (const host of hosts) {
      const url = `${host.replace(/\/$/, "")}/programs/${programHash}`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(options.fetchTimeoutMs ?? 10_000) });
        if (!res.ok) {
          reasons.push(`${url}: HTTP ${res.status}`);
          continue;
        }
        // The program hash commits to keccak(elf) and keccak(wasm): a bundle that decodes under it is the program.
        const bundle = decodeBundle(new Uint8Array(await res.arrayBuffer()), programHash);
        bundles.set(programHash.toLowerCase(), bundle);
        return bundle;
      } catch (error) {
        reasons.push(
          `${url}: ${error instanceof ProgramBundleError ? `bad bundle (${error.message})` : (error as Error).message}`,
        );
      }
    }
    throw new BundleUnavailableError(programHash, reasons);
  };
  return async ({ programHash, input, hosts }) => {
    const bundle = await fetchBundle(programHash, hosts);
    const { manifest } = bundle;
    const result = executeProgram({ elf: bundle.elf, wasm: bundle.wasm }, hexToBytes(input), {
      maxSteps: manifest.maxSteps,
      memLimit: manifest.memLimit,
      maxOutput: manifest.maxOutput,
    });
    return bytesToHex(result.resultHash);
  };
}
