// What the provider knows about the services it serves: off-chain chain id and methods (selector -> program hash,
// price), read from the chain through the node's own RPC (which the operator trusts) and refreshed on demand.
import { verityServiceAbi } from "@verity/protocol";
import { type Address, getAddress, type Hex, type PublicClient, parseAbiItem } from "viem";

/** One method of a service. */
export interface ServiceMethod {
  selector: Hex;
  programHash: Hex;
  price: bigint;
}

/** One service as the provider sees it. */
export interface ServiceEntry {
  address: Address;
  offchainChainId: bigint;
  methods: Map<string, ServiceMethod>;
}

const METHOD_SET = parseAbiItem(
  "event MethodSet(bytes4 indexed selector, bytes32 indexed programHash, uint256 weiPerCall)",
);
const ZERO_HASH = `0x${"0".repeat(64)}`;

/** Services by address. */
export class ServiceCatalog {
  private readonly services = new Map<string, ServiceEntry>();

  constructor(
    private readonly client: PublicClient,
    private readonly addresses: readonly Address[],
  ) {}

  /** Reads every configured service from the chain. */
  async refresh(): Promise<void> {
    for (const address of this.addresses) this.services.set(address.toLowerCase(), await this.load(address));
  }

  /** A served service, or undefined. */
  get(address: Address): ServiceEntry | undefined {
    return this.services.get(address.toLowerCase());
  }

  /** Every served service. */
  all(): ServiceEntry[] {
    return [...this.services.values()];
  }

  private async load(address: Address): Promise<ServiceEntry> {
    const offchainChainId = await this.client.readContract({
      address,
      abi: verityServiceAbi,
      functionName: "offchainChainId",
    });
    const logs = await this.client.getLogs({ address, event: METHOD_SET, fromBlock: 0n, toBlock: "latest" });
    const methods = new Map<string, ServiceMethod>();
    // The newest MethodSet per selector wins; a zero program hash removes the method.
    for (const log of logs) {
      const selector = log.args.selector;
      const programHash = log.args.programHash;
      if (selector === undefined || programHash === undefined) continue;
      if (programHash === ZERO_HASH) methods.delete(selector);
      else methods.set(selector, { selector, programHash, price: log.args.weiPerCall ?? 0n });
    }
    return { address: getAddress(address), offchainChainId: BigInt(offchainChainId), methods };
  }
}
