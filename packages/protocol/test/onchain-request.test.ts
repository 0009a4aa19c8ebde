import assert from "node:assert/strict";
import { test } from "node:test";
import { inputHash, OutputCommitment, resultHash, Status } from "@verity/vm";
import { decodeEventLog, encodeAbiParameters, encodeFunctionData, type Hex, hexToBytes, toHex } from "viem";
import { echoServiceAbi, signResponse } from "../src/index.js";
import { accounts, deployEchoService, ECHO_SELECTOR, mined, startAnvil, testClient } from "./chain-fixture.js";

test("on-chain fallback: Request event, response signed with response.ts, posted by anyone, provider paid", async (t) => {
  const anvil = await startAnvil();
  t.after(() => anvil.stop());
  const client = testClient(anvil);
  const price = 10n ** 15n;
  const { service, programHash, arbitration } = await deployEchoService(client, price);
  const [, provider, requester, poster] = accounts;
  const registered = await mined(
    client,
    client.writeContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "register",
      args: ["https://p.example"],
      value: 10n ** 18n,
      account: provider,
    }),
  );

  console.log(`gas (transaction, anvil): register with a 17-byte host ${registered.gasUsed}`);

  const data: Hex = toHex("hello, verity");
  const receipt = await mined(
    client,
    client.writeContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "echo",
      args: [data],
      value: price,
      account: requester,
    }),
  );
  const [request] = receipt.logs.map((l) => decodeEventLog({ abi: echoServiceAbi, ...l }));
  assert.equal(request.eventName, "Request");
  if (request.eventName !== "Request") return;
  const input = encodeFunctionData({ abi: echoServiceAbi, functionName: "echo", args: [data] });
  assert.equal(request.args.input, input, "input is the full calldata");
  assert.equal(request.args.selector, ECHO_SELECTOR);
  assert.equal(request.args.programHash, programHash);
  assert.equal(request.args.requester.toLowerCase(), requester.address.toLowerCase());

  // The provider runs the program (echo: output = abi.encode(bytes)) and signs per response.ts.
  const output = encodeAbiParameters([{ type: "bytes" }], [data]);
  const commitment = new OutputCommitment();
  commitment.append(hexToBytes(output));
  const result = toHex(resultHash(Status.Exited, 0, commitment.hash()));
  const chainId = await client.getChainId();
  const signed = await signResponse(
    provider,
    { chainId, arbitration: arbitration.address },
    {
      service,
      requestHash: request.args.requestId,
      requester: requester.address,
      selector: ECHO_SELECTOR,
      programHash,
      inputHash: toHex(inputHash(hexToBytes(input))),
      resultHash: result,
    },
  );
  const before = await client.getBalance({ address: provider.address });
  const posted = await mined(
    client,
    client.writeContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "postResponse",
      args: [request.args.requestId, Status.Exited, 0, output, signed.signature],
      account: poster,
    }),
  );
  console.log(`gas (transaction, anvil): echo request ${receipt.gasUsed}, postResponse ${posted.gasUsed}`);
  const event = posted.logs.map((l) => decodeEventLog({ abi: echoServiceAbi, ...l }))[0];
  assert.equal(event.eventName, "ResponsePosted");
  assert.equal(await client.getBalance({ address: provider.address }), before + price, "provider paid the price");
  const stored = await client.readContract({
    address: service,
    abi: echoServiceAbi,
    functionName: "requestInfo",
    args: [request.args.requestId],
  });
  assert.equal(stored.resultHash, result);
  assert.equal(stored.provider.toLowerCase(), provider.address.toLowerCase());
  assert.equal(
    await client.readContract({
      address: service,
      abi: echoServiceAbi,
      functionName: "outputOf",
      args: [request.args.requestId],
    }),
    output,
  );
});
