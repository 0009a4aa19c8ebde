// The native signature of ResponseSigner against @verity/protocol's signResponse (viem's signTypedData and noble, an
// independent path) on random domains and responses.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { type ProviderResponse, ResponseError, recoverResponseSigner, signResponse } from "@verity/protocol";
import { bytesToHex, getAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ResponseSigner } from "../src/response-signer.ts";

const hex = (n: number): Hex => bytesToHex(new Uint8Array(randomBytes(n)));

function randomResponse(i: number): ProviderResponse {
  const service = hex(20);
  const requester = hex(20);
  return {
    // Addresses in every case a caller may pass: lower, checksummed, upper hex digits.
    service: i % 3 === 0 ? service : i % 3 === 1 ? getAddress(service) : (`0x${service.slice(2).toUpperCase()}` as Hex),
    requestHash: hex(32),
    requester: i % 2 === 0 ? getAddress(requester) : requester,
    selector: i === 0 ? "0x00000000" : hex(4),
    programHash: hex(32),
    inputHash: i === 1 ? `0x${"ff".repeat(32)}` : hex(32),
    resultHash: hex(32),
  };
}

test("signatures equal signResponse on random domains and responses", {
  timeout: 60_000,
}, async () => {
  for (let d = 0; d < 8; d++) {
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    const chainIds = [1, 31337, 2 ** 53 - 1, BigInt(`0x${"ff".repeat(32)}`), 7n, 11155111];
    const domain = { chainId: chainIds[d % chainIds.length]!, arbitration: hex(20) };
    const signer = new ResponseSigner(privateKey, domain);
    for (let i = 0; i < 25; i++) {
      const response = randomResponse(i);
      const ours = signer.sign(response);
      assert.deepEqual(ours, await signResponse(account, domain, response));
      assert.equal(await recoverResponseSigner(domain, response, ours.signature), account.address);
    }
  }
});

test("a malformed field is refused, as responseTypedData refuses it", () => {
  const signer = new ResponseSigner(generatePrivateKey(), { chainId: 1, arbitration: hex(20) });
  const good = randomResponse(3);
  assert.throws(() => signer.digest({ ...good, selector: "0x1234" }), /selector must be 4 bytes/);
  assert.throws(() => signer.digest({ ...good, requestHash: hex(31) }), /requestHash must be 32 bytes/);
  assert.throws(() => signer.digest({ ...good, service: "0x12" }), /service must be a 20-byte address/);
  assert.throws(
    () => signer.digest({ ...good, resultHash: `0x${"zz".repeat(32)}` as Hex }),
    /resultHash must be 32 bytes/,
  );
  assert.throws(() => new ResponseSigner(generatePrivateKey(), { chainId: -1, arbitration: hex(20) }), ResponseError);
});
