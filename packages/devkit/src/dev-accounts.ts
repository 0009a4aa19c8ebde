// anvil's dev accounts, derived from its public test mnemonic (never for real funds).
import { bytesToHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** The mnemonic anvil funds its first accounts from by default. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** The private key of anvil's dev account `index` (0..9 are funded with 10,000 ETH). */
export function devKey(index: number): Hex {
  const key = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (key === null) throw new Error(`cannot derive dev key ${index}`);
  return bytesToHex(key);
}
