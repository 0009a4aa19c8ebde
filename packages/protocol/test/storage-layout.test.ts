import assert from "node:assert/strict";
import { test } from "node:test";
import { inputHash, OutputCommitment, resultHash, Status } from "@verity/vm";
import { type Address, type Hex, hexToBytes, toHex } from "viem";
import {
  decodeAddress,
  decodeBytes32,
  decodeOffchainChainId,
  decodeProviderWord,
  decodeStorageString,
  decodeStringHead,
  decodeUint,
  deriveOffchainChainId,
  echoServiceAbi,
  methodSlot,
  minStakeSlot,
  offchainChainIdSlot,
  ownerSlot,
  priceSlot,
  providerAddressSlot,
  providerCountSlot,
  providerHostSlot,
  providerStakeSlot,
  providerStatusSlot,
  StorageLayoutError,
  slotAdd,
  slotHex,
} from "../src/index.js";
import {
  accounts,
  deployEchoService,
  ECHO_SELECTOR,
  mined,
  startAnvil,
  type TestClient,
  testClient,
} from "./chain-fixture.js";

const HOSTS = [
  "https://a.example", // short form
  "https://thirty-one-bytes.exampl", // 31 bytes: the longest short form
  "https://thirty-two-bytes.example", // 32 bytes: the shortest long form
  `https://${"long-".repeat(40)}host.example:8443/verity`, // several data slots
] as const;

async function word(client: TestClient, address: Address, slot: Hex): Promise<Hex> {
  return (await client.getStorageAt({ address, slot })) ?? "0x";
}

async function storedString(client: TestClient, address: Address, headSlot: Hex): Promise<string> {
  const head = await word(client, address, headSlot);
  const parsed = decodeStringHead(headSlot, head);
  const data = parsed.form === "long" ? await Promise.all(parsed.dataSlots.map((s) => word(client, address, s))) : [];
  return decodeStorageString(headSlot, head, data);
}

test("storage slots computed in TS hold exactly what the service's views return (anvil)", async (t) => {
  const anvil = await startAnvil();
  t.after(() => anvil.stop());
  const client = testClient(anvil);
  const { service, programHash, arbitration, owner } = await deployEchoService(client, 12345n);
  assert.equal(HOSTS[1].length, 31);
  assert.equal(HOSTS[2].length, 32);

  const providers = accounts.slice(1, 5);
  for (const [i, p] of providers.entries()) {
    await mined(
      client,
      client.writeContract({
        address: service,
        abi: echoServiceAbi,
        functionName: "register",
        args: [HOSTS[i]],
        value: 10n ** 18n + BigInt(i),
        account: p,
      }),
    );
  }
  // Vary the packed word: one exiting provider, one locked twice by arbitration.
  await mined(
    client,
    client.writeContract({ address: service, abi: echoServiceAbi, functionName: "requestExit", account: providers[1] }),
  );
  for (let k = 0; k < 2; k++) {
    await mined(
      client,
      client.writeContract({
        address: service,
        abi: echoServiceAbi,
        functionName: "lockProvider",
        args: [providers[2].address],
        account: arbitration,
      }),
    );
  }

  const read = <const F extends "providerCount" | "offchainChainId" | "minStake" | "owner">(functionName: F) =>
    client.readContract({ address: service, abi: echoServiceAbi, functionName });

  assert.equal(decodeUint(await word(client, service, providerCountSlot())), await read("providerCount"));
  assert.equal(decodeUint(await word(client, service, minStakeSlot())), await read("minStake"));
  assert.equal(decodeAddress(await word(client, service, ownerSlot())).toLowerCase(), owner.address.toLowerCase());
  const offchain = decodeOffchainChainId(await word(client, service, offchainChainIdSlot()));
  assert.equal(offchain, await read("offchainChainId"));
  const chainId = BigInt(await client.getChainId());
  assert.equal(deriveOffchainChainId(chainId, service), offchain, "TS derivation of the off-chain chain id");
  assert.notEqual(offchain, chainId);

  for (const [i, p] of providers.entries()) {
    const listed = decodeAddress(await word(client, service, providerAddressSlot(BigInt(i))));
    const viaView = await client.readContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "providerAt",
      args: [BigInt(i)],
    });
    assert.equal(listed.toLowerCase(), viaView.toLowerCase(), `list[${i}]`);
    assert.equal(listed.toLowerCase(), p.address.toLowerCase());

    const info = await client.readContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "providerInfo",
      args: [p.address],
    });
    assert.equal(decodeUint(await word(client, service, providerStakeSlot(p.address))), info.stake, "stake");
    const packed = decodeProviderWord(await word(client, service, providerStatusSlot(p.address)));
    assert.deepEqual(packed, {
      status: info.status,
      exitRequestedAt: info.exitRequestedAt,
      locks: info.locks,
      listed: info.listed,
    });
    const host = await storedString(client, service, providerHostSlot(p.address));
    assert.equal(host, info.host, `host ${i}`);
    assert.equal(host, HOSTS[i]);
  }
  assert.equal(decodeProviderWord(await word(client, service, providerStatusSlot(providers[1].address))).status, 2);
  assert.equal(decodeProviderWord(await word(client, service, providerStatusSlot(providers[2].address))).locks, 2);

  assert.equal(decodeBytes32(await word(client, service, methodSlot(ECHO_SELECTOR))), programHash, "methods[echo]");
  assert.equal(decodeUint(await word(client, service, priceSlot(ECHO_SELECTOR))), 12345n, "prices[echo]");
  assert.equal(decodeBytes32(await word(client, service, methodSlot("0x12345678"))), slotHex(0n), "unknown method");

  // eth_getProof returns the same values for the computed keys (what discovery verifies against a state root).
  const keys = [providerCountSlot(), providerStakeSlot(providers[0].address), methodSlot(ECHO_SELECTOR)];
  const proof = await client.getProof({ address: service, storageKeys: keys });
  assert.equal(proof.storageProof[0].value, 4n);
  assert.equal(proof.storageProof[1].value, 10n ** 18n);
  assert.equal(proof.storageProof[2].value, BigInt(programHash));
});

test("the service's on-chain commitments equal @verity/vm's (anvil)", async (t) => {
  const anvil = await startAnvil();
  t.after(() => anvil.stop());
  const client = testClient(anvil);
  const { service } = await deployEchoService(client, 0n);
  for (const len of [0, 1, 31, 32, 33, 64, 65, 100, 1000]) {
    const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff);
    const hex = toHex(bytes);
    const onchainInput = await client.readContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "inputHashOf",
      args: [hex],
    });
    assert.equal(onchainInput, toHex(inputHash(bytes)), `inputHash len ${len}`);
    const out = new OutputCommitment();
    out.append(bytes);
    const onchainOutput = await client.readContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "outputHashOf",
      args: [hex],
    });
    assert.equal(onchainOutput, toHex(out.hash()), `outputHash len ${len}`);
    const onchainResult = await client.readContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "resultHashOf",
      args: [Status.Exited, 7, hex],
    });
    assert.equal(onchainResult, toHex(resultHash(Status.Exited, 7, out.hash())), `resultHash len ${len}`);
  }
});

test("slot arithmetic and decoders reject what the layout cannot hold", () => {
  assert.equal(slotAdd(slotHex((1n << 256n) - 1n), 1n), slotHex(0n), "wraps like Solidity");
  assert.throws(() => slotHex(-1n), StorageLayoutError);
  assert.throws(() => slotHex(1n << 256n), StorageLayoutError);
  assert.throws(() => methodSlot("0x1234"), /4 bytes/);
  assert.throws(() => providerStakeSlot("0x1234" as Address), /20-byte address/);
  assert.throws(() => providerAddressSlot(-1n), StorageLayoutError);
  assert.throws(() => decodeProviderWord(toHex(5n, { size: 32 })), /status byte 5/);
  assert.throws(() => decodeProviderWord(toHex(1n << 200n, { size: 32 })), /above byte 13/);
  assert.throws(() => decodeAddress(toHex(1n << 170n, { size: 32 })), /above an address/);
  const head = slotHex(7n);
  // Short string "abc": data left-aligned, low byte = 2 * length.
  const abc = `0x${"616263".padEnd(62, "0")}06` as Hex;
  assert.equal(decodeStorageString(head, abc), "abc");
  assert.equal(decodeStorageString(head, "0x"), "", "empty slot is the empty string");
  const dirty = `0x${"616263".padEnd(60, "0")}ff06` as Hex;
  assert.throws(() => decodeStorageString(head, dirty), /non-zero bytes past its length/);
  // Long form: head = 2 * length + 1; data words must all be supplied.
  const long = decodeStringHead(head, toHex(2n * 40n + 1n, { size: 32 }));
  assert.equal(long.form, "long");
  assert.equal(long.form === "long" ? long.dataSlots.length : 0, 2);
  assert.throws(() => decodeStorageString(head, toHex(81n, { size: 32 }), []), /needs 2 data words/);
  assert.throws(() => decodeStringHead(head, toHex(2n * 10n + 1n, { size: 32 })), /below 32/);
  const forty = "x".repeat(40);
  const w0 = toHex(hexToBytes(toHex(forty)).subarray(0, 32));
  const w1 = toHex(Uint8Array.from([...hexToBytes(toHex(forty)).subarray(32), ...new Uint8Array(24)]));
  assert.equal(decodeStorageString(head, toHex(81n, { size: 32 }), [w0, w1]), forty);
});

test("deriveOffchainChainId: never 0, never the chain id, 48 bits", () => {
  const service = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
  for (const chainId of [1n, 31337n, 11155111n, (1n << 48n) - 1n, 1n << 47n]) {
    const id = deriveOffchainChainId(chainId, service);
    assert.ok(id > 0n && id < 1n << 48n && id !== chainId, `chain ${chainId}`);
  }
  // A chain whose id equals the derived one gets bit 0 flipped.
  const colliding = deriveOffchainChainId(1n, service);
  const flipped = deriveOffchainChainId(colliding, service);
  assert.notEqual(flipped, colliding);
});
