// Program bundles by hash: from built program folders, from the node's disk cache, or fetched from peers — always
// verified (hashes, and the ELF reproducing the manifest's initial memory root) before use.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeBundle, type ProgramBundle, parseManifest, verifyBundle } from "@verity/protocol";
import type { Hex } from "viem";

/** No bundle for a program hash could be found or verified. */
export class ProgramUnavailableError extends Error {
  override name = "ProgramUnavailableError";
}

/** Options of the program store. */
export interface ProgramStoreOptions {
  /** Folder where verified bundles are cached as `<hash>.bundle`. */
  cacheDir: string;
  /** Built program folders (each with `build/manifest.json` and its images) to load at start. */
  programDirs?: readonly string[];
  /** Base URLs of peers serving `GET /programs/<hash>`. */
  peers?: readonly string[];
  /** Time limit of one peer fetch in milliseconds. */
  fetchTimeoutMs?: number;
}

/** Verified program bundles, in memory and on disk. */
export class ProgramStore {
  private readonly bundles = new Map<string, { bundle: ProgramBundle; bytes: Uint8Array }>();

  constructor(private readonly options: ProgramStoreOptions) {
    mkdirSync(options.cacheDir, { recursive: true });
    for (const dir of options.programDirs ?? []) this.addBuiltProgram(dir);
  }

  /** Loads a built program folder (as written by `verity program build`) and returns its hash. */
  addBuiltProgram(dir: string): Hex {
    const manifestPath = join(dir, "build", "manifest.json");
    if (!existsSync(manifestPath)) {
      throw new ProgramUnavailableError(`${manifestPath} not found: build the program first (verity program build)`);
    }
    const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, "utf8")));
    const elf = readFileSync(join(dir, "build", `${manifest.name}.elf`));
    const wasm = readFileSync(join(dir, "build", `${manifest.name}.wasm`));
    return this.addBundle(encodeBundle({ manifest, elf, wasm }));
  }

  /** Verifies and keeps a bundle; returns its program hash. */
  addBundle(bytes: Uint8Array, expectedHash?: Hex): Hex {
    const bundle = verifyBundle(bytes, expectedHash);
    this.bundles.set(bundle.programHash, { bundle, bytes });
    const file = join(this.options.cacheDir, `${bundle.programHash}.bundle`);
    if (!existsSync(file)) writeFileSync(file, bytes);
    return bundle.programHash;
  }

  /** The bundle's encoded bytes, for `GET /programs/<hash>`, if held locally. */
  bytes(programHash: Hex): Uint8Array | undefined {
    return this.local(programHash)?.bytes;
  }

  /** The program hashes held. */
  hashes(): Hex[] {
    return [...this.bundles.keys()] as Hex[];
  }

  /** The verified bundle of a program: local, cached on disk, or fetched from a peer. */
  async get(programHash: Hex): Promise<ProgramBundle> {
    const local = this.local(programHash);
    if (local !== undefined) return local.bundle;
    const errors: string[] = [];
    for (const peer of this.options.peers ?? []) {
      const url = `${peer.replace(/\/$/, "")}/programs/${programHash}`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 10_000) });
        if (!res.ok) {
          errors.push(`${url}: HTTP ${res.status}`);
          continue;
        }
        this.addBundle(new Uint8Array(await res.arrayBuffer()), programHash);
        return this.bundles.get(programHash.toLowerCase())!.bundle;
      } catch (error) {
        errors.push(`${url}: ${(error as Error).message}`);
      }
    }
    throw new ProgramUnavailableError(
      `program ${programHash} is not held locally and no peer served a valid bundle${errors.length > 0 ? ` (${errors.join("; ")})` : ""}`,
    );
  }

  private local(programHash: Hex): { bundle: ProgramBundle; bytes: Uint8Array } | undefined {
    const key = programHash.toLowerCase();
    const held = this.bundles.get(key);
    if (held !== undefined) return held;
    const file = join(this.options.cacheDir, `${key}.bundle`);
    if (!existsSync(file)) return undefined;
    try {
      const bytes = new Uint8Array(readFileSync(file));
      this.addBundle(bytes, key as Hex);
      return this.bundles.get(key);
    } catch {
      return undefined; // a corrupt cache file is ignored and refetched
    }
  }
}
