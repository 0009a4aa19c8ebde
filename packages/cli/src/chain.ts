// viem clients for a JSON-RPC URL whose chain is only known by asking it.
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliError } from "./errors.js";

/** A public client and a wallet on the same chain. */
export interface Clients {
  chain: Chain;
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
}

/** Connects to `rpcUrl`, reads its chain id and builds clients for `key`. */
export async function connect(rpcUrl: string, key: Hex): Promise<Clients> {
  const probe = createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 0 }) });
  let id: number;
  try {
    id = await probe.getChainId();
  } catch (error) {
    throw new CliError(
      `cannot reach the Ethereum node at ${rpcUrl} (${shortMessage(error)}): check --rpc or start "verity devnet"`,
    );
  }
  const chain = defineChain({
    id,
    name: `chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  return {
    chain,
    client: createPublicClient({ chain, transport }),
    wallet: createWalletClient({ chain, transport, account: privateKeyToAccount(key) }),
  };
}

/** viem's one-line message of an error when it has one. */
export function shortMessage(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  const text = e.shortMessage ?? e.message ?? String(error);
  return text.includes('returned no data ("0x")') ? `${text} Is the address a Service contract on this chain?` : text;
}
