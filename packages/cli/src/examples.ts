// The example programs that have a Service contract: what the devnet deploys.
import { join } from "node:path";
import {
  echoServiceAbi,
  echoServiceBytecode,
  keccakServiceAbi,
  keccakServiceBytecode,
  matmulServiceAbi,
  matmulServiceBytecode,
  numericServiceAbi,
  numericServiceBytecode,
  oracleServiceAbi,
  oracleServiceBytecode,
} from "@verity/protocol";
import type { Abi, Hex } from "viem";

/** The repository root (this file is at packages/cli/{src,dist}/). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/** Folder of the example programs. */
export const EXAMPLES_DIR = join(REPO_ROOT, "programs", "examples");

/** An example program and the Service contract that exposes it. */
export interface ExampleService {
  /** Program folder name under programs/examples, also the devnet service name. */
  name: string;
  contract: string;
  abi: Abi;
  bytecode: Hex;
}

/** Every example with a contract in contracts/src/service/examples. */
export const EXAMPLE_SERVICES: readonly ExampleService[] = [
  { name: "echo", contract: "EchoService", abi: echoServiceAbi, bytecode: echoServiceBytecode },
  { name: "keccak", contract: "KeccakService", abi: keccakServiceAbi, bytecode: keccakServiceBytecode },
  { name: "matmul", contract: "MatmulService", abi: matmulServiceAbi, bytecode: matmulServiceBytecode },
  { name: "numeric", contract: "NumericService", abi: numericServiceAbi, bytecode: numericServiceBytecode },
  { name: "oracle", contract: "OracleService", abi: oracleServiceAbi, bytecode: oracleServiceBytecode },
];
