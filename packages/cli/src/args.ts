// Thin helpers over node:util parseArgs: typed options, `--help`, and values checked with messages that say what to do.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";
import { UsageError } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The parsed command line of one command. */
export interface Parsed<O extends Options> {
  values: {
    [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : O[K]["multiple"] extends true ? string[] : string;
  };
  positionals: string[];
  help: boolean;
}

/** Parses `argv` for `command`; unknown options and malformed values become UsageErrors. `--help`/`-h` is implied. */
export function parse<O extends Options>(command: string, argv: readonly string[], options: O): Parsed<O> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    const { help, ...rest } = values as Record<string, string | boolean | undefined>;
    return { values: rest as Parsed<O>["values"], positionals, help: help === true };
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

/** A non-negative integer option (decimal or 0x hex, `_` separators allowed). */
export function integer(command: string, name: string, value: string | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  const text = value.replaceAll("_", "");
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text))
    throw new UsageError(`--${name} must be a non-negative integer (decimal or 0x hex), got "${value}"`, command);
  return BigInt(text);
}

/** An integer option that must fit in a u32. */
export function u32(command: string, name: string, value: string | undefined, fallback: number): number {
  const n = integer(command, name, value, BigInt(fallback));
  if (n > 0xffff_ffffn) throw new UsageError(`--${name} must be below 2^32, got ${value}`, command);
  return Number(n);
}

/** A checksummed address option. */
export function address(command: string, name: string, value: string): Address {
  if (!isAddress(value, { strict: false }))
    throw new UsageError(`--${name} must be a 20-byte 0x address, got "${value}"`, command);
  return getAddress(value);
}

/** A 32-byte private key. */
export function privateKey(command: string, name: string, value: string): Hex {
  const key = value.startsWith("0x") ? value : `0x${value}`;
  if (!isHex(key) || key.length !== 66)
    throw new UsageError(
      `${name} must be a 32-byte hex private key (64 hex digits), got ${value.length} characters`,
      command,
    );
  return key as Hex;
}

/** Hex bytes (with or without 0x). */
export function hexBytes(command: string, name: string, value: string): Uint8Array {
  const text = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^([0-9a-fA-F]{2})*$/.test(text))
    throw new UsageError(`--${name} must be hex bytes (an even number of hex digits), got "${value}"`, command);
  return Uint8Array.from(Buffer.from(text, "hex"));
}
