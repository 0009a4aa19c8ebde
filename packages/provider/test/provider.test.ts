import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signOffchainCall, verifyResponse } from "@verity/protocol";
import { type CallAnswer, RpcErrorCode } from "@verity/provider";
import { inputHash } from "@verity/vm";
import { bytesToHex, decodeFunctionResult, encodeFunctionData, hexToBytes, keccak256, parseAbi, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS, type Network, rpc, startNetwork } from "./fixture.ts";

const echoAbi = parseAbi(["function echo(bytes data) returns (bytes)"]);
const user = privateKeyToAccount(DEV_KEYS[5]!);

describe("provider node on a real anvil", () => {
  let net: Network;
  let url: string;
  let offchainChainId: bigint;

  before(async () => {
    net = await startNetwork();
    ({ url } = await net.startProvider(1));
    const info = (await rpc(url, "verity_info", [])).result as { services: { offchainChainId: string }[] };
    offchainChainId = BigInt(info.services[0]!.offchainChainId);
  });
  after(() => net.stop());

  const signEcho = (payload: `0x${string}`, nonce = 1, overrides: { chainId?: bigint; service?: `0x${string}` } = {}) =>
    signOffchainCall({
      account: user,
      service: overrides.service ?? net.echo,
      offchainChainId: overrides.chainId ?? offchainChainId,
      data: encodeFunctionData({ abi: echoAbi, functionName: "echo", args: [payload] }),
      nonce,
    });

  test("answers a call with the program's output and a valid EIP-712 signature", async () => {
    const tx = await signEcho("0xdeadbeef");
    const { result, error } = await rpc(url, "verity_call", [{ tx }]);
    assert.equal(error, undefined);
    const answer = result as CallAnswer;
    assert.equal(decodeFunctionResult({ abi: echoAbi, functionName: "echo", data: answer.output }), "0xdeadbeef");
    assert.equal(answer.status, 1);
    assert.equal(answer.response.requestHash, keccak256(tx));
    assert.equal(answer.response.requester, user.address);
    assert.equal(
      answer.response.inputHash,
      bytesToHex(
        inputHash(hexToBytes(encodeFunctionData({ abi: echoAbi, functionName: "echo", args: ["0xdeadbeef"] }))),
      ),
    );
    const domain = { chainId: net.chainId, arbitration: net.arbitration };
    assert.ok(await verifyResponse(domain, answer.response, answer.signature, answer.provider));
    const info = (await rpc(url, "verity_info", [])).result as { address: string };
    assert.equal(answer.provider, info.address);
  });

  test("a replayed request gets the stored answer, and verity_getResponse finds it", async () => {
    const tx = await signEcho(toHex("replay me"), 2);
    const first = (await rpc(url, "verity_call", [{ tx }])).result as CallAnswer;
    const [again, concurrent] = await Promise.all([
      rpc(url, "verity_call", [{ tx }]),
      rpc(url, "verity_call", [{ tx }]),
    ]);
    assert.deepEqual(again.result, first);
    assert.deepEqual(concurrent.result, first);
    const stored = await rpc(url, "verity_getResponse", [first.response.requestHash]);
    assert.deepEqual(stored.result, first);
  });

  test("every invalid call is rejected with its stable code", async () => {
    const cases: [string, unknown, number][] = [
      ["not a transaction", [{ tx: "0x1234" }], RpcErrorCode.MalformedTransaction],
      ["no params", [], RpcErrorCode.InvalidParams],
      ["tx not a string", [{ tx: 5 }], RpcErrorCode.InvalidParams],
      ["wrong chain id", [{ tx: await signEcho("0x01", 3, { chainId: 31337n }) }], RpcErrorCode.WrongChainId],
      [
        "unknown service",
        [{ tx: await signEcho("0x01", 4, { service: "0x000000000000000000000000000000000000dEaD" }) }],
        RpcErrorCode.UnknownService,
      ],
      [
        "unknown method",
        [
          {
            tx: await signOffchainCall({
              account: user,
              service: net.echo,
              offchainChainId,
              data: "0x12345678",
              nonce: 5,
            }),
          },
        ],
        RpcErrorCode.UnknownMethod,
      ],
      ["input over maxInput", [{ tx: await signEcho(toHex(new Uint8Array(70_000)), 6) }], RpcErrorCode.InputTooLarge],
    ];
    for (const [what, params, code] of cases) {
      const { error } = await rpc(url, "verity_call", params);
      assert.equal(error?.code, code, `${what}: ${JSON.stringify(error)}`);
      assert.ok((error?.message.length ?? 0) > 10, `${what}: message says what was wrong`);
    }
    assert.equal((await rpc(url, "verity_nope", [])).error?.code, RpcErrorCode.MethodNotFound);
    assert.equal((await rpc(url, "verity_getResponse", ["0x12"])).error?.code, RpcErrorCode.InvalidParams);
    assert.equal((await rpc(url, "verity_getResponse", [keccak256("0x01")])).error?.code, RpcErrorCode.NotFound);
    const bad = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    assert.equal(((await bad.json()) as { error: { code: number } }).error.code, RpcErrorCode.ParseError);
    const notRpc = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"hello":1}',
    });
    assert.equal(((await notRpc.json()) as { error: { code: number } }).error.code, RpcErrorCode.InvalidRequest);
  });

  test("serves program bundles by hash, health and metrics", async () => {
    const info = (await rpc(url, "verity_info", [])).result as {
      services: { methods: { programHash: `0x${string}` }[] }[];
    };
    const hash = info.services[0]!.methods[0]!.programHash;
    const bundle = await fetch(`${url}/programs/${hash}`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 1000);
    assert.equal((await fetch(`${url}/programs/${keccak256("0x00")}`)).status, 404);
    assert.equal((await fetch(`${url}/programs/0x12`)).status, 400);
    assert.deepEqual(((await (await fetch(`${url}/health`)).json()) as { ok: boolean }).ok, true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /verity_calls_total\{outcome="ok"\} \d+/);
    assert.match(metrics, /verity_calls_total\{outcome="WrongChainId"\} 1/);
  });
});
