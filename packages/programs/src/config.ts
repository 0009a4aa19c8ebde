// program.json: what a program folder declares (name, sources, methods, limits, optional heap/stack sizes).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The parsed program.json of a program folder. */
export type ProgramConfig = {
  name: string;
  description?: string;
  /** C sources relative to the program folder. */
  sources: string[];
  /** Solidity signatures of the service methods. */
  methods: string[];
  limits: { maxSteps: bigint; memLimit: number; maxInput: number; maxOutput: number };
  /** Heap and stack bytes of the RV32 image (defaults of link.ld when absent). */
  heapSize?: number;
  stackSize?: number;
};

/** program.json is missing or malformed. */
export class ProgramConfigError extends Error {
  override name = "ProgramConfigError";
}

const U32_MAX = 0xffff_ffff;

function u32(v: unknown, field: string, file: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > U32_MAX)
    throw new ProgramConfigError(`${file}: ${field} must be an integer in [0, 2^32), got ${JSON.stringify(v)}`);
  return v;
}

/** Reads and validates `<dir>/program.json`. */
export function readProgramConfig(dir: string): ProgramConfig {
  const file = join(dir, "program.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ProgramConfigError(`${file}: cannot read program.json (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ProgramConfigError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  if (typeof o.name !== "string" || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(o.name))
    throw new ProgramConfigError(`${file}: name must match [a-z0-9][a-z0-9_-]{0,63}, got ${JSON.stringify(o.name)}`);
  if (o.description !== undefined && typeof o.description !== "string")
    throw new ProgramConfigError(`${file}: description must be a string`);
  const sources = o.sources;
  if (
    !Array.isArray(sources) ||
    sources.length === 0 ||
    !sources.every((s) => typeof s === "string" && /^[A-Za-z0-9_./-]+\.(c|S)$/.test(s) && !s.includes(".."))
  )
    throw new ProgramConfigError(
      `${file}: sources must be a non-empty array of relative .c/.S paths inside the folder`,
    );
  const methods = o.methods;
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === "string" && m.startsWith("function ")))
    throw new ProgramConfigError(`${file}: methods must be an array of "function name(...) returns (...)" signatures`);
  const l = o.limits;
  if (typeof l !== "object" || l === null) throw new ProgramConfigError(`${file}: limits must be an object`);
  const limits = l as Record<string, unknown>;
  const maxSteps = limits.maxSteps;
  if (typeof maxSteps !== "number" || !Number.isSafeInteger(maxSteps) || maxSteps <= 0)
    throw new ProgramConfigError(
      `${file}: limits.maxSteps must be a positive integer, got ${JSON.stringify(maxSteps)}`,
    );
  const memLimit = u32(limits.memLimit, "limits.memLimit", file);
  if (memLimit % 4096 !== 0) throw new ProgramConfigError(`${file}: limits.memLimit must be a multiple of 4096`);
  const cfg: ProgramConfig = {
    name: o.name,
    sources: sources as string[],
    methods: methods as string[],
    limits: {
      maxSteps: BigInt(maxSteps),
      memLimit,
      maxInput: u32(limits.maxInput, "limits.maxInput", file),
      maxOutput: u32(limits.maxOutput, "limits.maxOutput", file),
    },
  };
  if (o.description !== undefined) cfg.description = o.description as string;
  if (o.heapSize !== undefined) cfg.heapSize = u32(o.heapSize, "heapSize", file);
  if (o.stackSize !== undefined) cfg.stackSize = u32(o.stackSize, "stackSize", file);
  return cfg;
}
