// Cross-origin access, as a web page's fetch sees it: the preflight and the headers on real answers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Network, startNetwork } from "./fixture.ts";

describe("provider answers browsers on other origins", { timeout: 120_000 }, () => {
  let net: Network;
  let url: string;
  before(async () => {
    net = await startNetwork();
    url = (await net.startProvider(1)).url;
  });
  after(async () => net?.stop());

  test("a preflight for a JSON POST gets 204 and the allow headers", async () => {
    const response = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: "http://127.0.0.1:1",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.match(response.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.match(response.headers.get("access-control-allow-headers") ?? "", /content-type/);
  });

  test("JSON-RPC answers, bundles and errors carry the allow-origin header", async () => {
    const rpc = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://127.0.0.1:1" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "verity_info", params: [] }),
    });
    assert.equal(rpc.status, 200);
    assert.equal(rpc.headers.get("access-control-allow-origin"), "*");
    const info = (await rpc.json()) as { result?: { programs?: unknown } };
    assert.ok(info.result !== undefined);
    const missing = await fetch(`${url}/programs/0x${"00".repeat(32)}`, { headers: { origin: "http://127.0.0.1:1" } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("access-control-allow-origin"), "*");
  });
});
