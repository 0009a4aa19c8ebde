// The SDK in a real browser: the browser entry is bundled for the browser platform (a Node-only import fails the
// bundle), loaded into headless Chromium, and used against a real anvil and real provider nodes. Every claim the
// page makes is checked here against the chain.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { arbitrationAbi } from "@verity/protocol";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { type Address, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS, type Network, startNetwork } from "../../provider/test/fixture.ts";
import type { BrowserRunConfig, BrowserRunResult } from "./browser/page.ts";

const CHROMIUM = "/usr/bin/chromium";
const addr = (i: number): Address => privateKeyToAccount(DEV_KEYS[i]!).address;
const HONEST = [addr(1), addr(2), addr(3)];
const LIAR = addr(4);

/** Bundles the page for the browser platform; esbuild refuses node: built-ins there, which is the point. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, "browser", "page.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions: ["source"],
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** Serves the page and its bundle on loopback. */
async function servePage(script: string): Promise<{ url: string; server: Server }> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>verity</title><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    if (request.url === "/page.js") {
      response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else {
      response.writeHead(200, { "content-type": "text/html" }).end(html);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found (Debian package chromium; .ci/run installs it)`;

describe("client SDK in headless Chromium", { timeout: 300_000, skip }, () => {
  let net: Network;
  let page: { url: string; server: Server };

  before(async () => {
    net = await startNetwork();
    for (const i of [1, 2, 3]) await net.startProvider(i);
    await net.startProvider(4, { faulty: { kind: "wrong-output" } });
    page = await servePage(await bundlePage());
  });
  after(async () => {
    page?.server.close();
    await net?.stop();
  });

  test("the browser bundle holds no Node built-in", async () => {
    const script = await bundlePage();
    assert.ok(script.length > 100_000, `bundle of ${script.length} bytes`);
    assert.doesNotMatch(script, /from\s*["']node:/);
    assert.doesNotMatch(script, /require\(["'](fs|path|worker_threads|node:[a-z_]+)["']\)/);
  });

  test("discovery, an agreed call re-executed in the page, and a dispute opened from the page", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const tab = await browser.newPage();
      const consoleErrors: string[] = [];
      tab.on("pageerror", (e) => consoleErrors.push(String(e)));
      await tab.goto(page.url);
      await tab.waitForFunction(() => "verityBrowserRun" in globalThis, undefined, { timeout: 30_000 });
      const block = await net.client.getBlock();
      const config: BrowserRunConfig = {
        rpcUrl: net.anvil.rpcUrl,
        service: net.echo,
        arbitration: net.arbitration,
        blockHash: block.hash,
        userKey: DEV_KEYS[10]!,
        honest: HONEST,
        liar: LIAR,
      };
      // JSON across the boundary: the page's errors come back with their stack instead of as a protocol error.
      const raw = await tab.evaluate(async (c) => {
        const run = (globalThis as unknown as { verityBrowserRun(c: BrowserRunConfig): Promise<BrowserRunResult> })
          .verityBrowserRun;
        try {
          return JSON.stringify({ ok: await run(c) });
        } catch (error) {
          return JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        }
      }, config);
      const answer = JSON.parse(raw) as { ok?: BrowserRunResult; error?: string };
      assert.equal(answer.error, undefined, `the page failed: ${answer.error}`);
      const out = answer.ok!;
      assert.deepEqual(consoleErrors, []);
      assert.match(out.userAgent, /HeadlessChrome|Chrome/);

      // Discovery proved every registered provider at the pinned block.
      assert.equal(out.providersProved, 4);
      assert.ok(out.proofsChecked >= 1 + 4 * 3, `proofs checked: ${out.proofsChecked}`);

      // The agreed call: decoded in the page, agreed by the three honest providers, and re-executed locally
      // (the bundle fetched from a provider and checked against the proved program hash) to the same result hash.
      assert.equal(out.agreed.result, toHex("hello from the browser"));
      assert.deepEqual(new Set(out.agreed.agreed), new Set(HONEST));
      assert.equal(out.agreed.reexecuted, out.agreed.resultHash);
      assert.match(out.agreed.requestHash, /^0x[0-9a-f]{64}$/);

      // The lie: two groups, the liar alone in one, and a dispute that the chain knows under that id.
      assert.equal(out.disagreement.errorName, "DisagreementError");
      assert.equal(out.disagreement.groups.length, 2);
      assert.ok(out.disagreement.groups.some((g) => g.length === 1 && g[0] === LIAR));
      const dispute = await net.client.readContract({
        address: net.arbitration,
        abi: arbitrationAbi,
        functionName: "getDispute",
        args: [BigInt(out.disagreement.disputeId)],
      });
      assert.equal(dispute.requestHash, out.disagreement.requestHash);
      assert.equal(dispute.service.toLowerCase(), net.echo.toLowerCase());
      assert.equal(dispute.requester, addr(10));
      assert.equal(dispute.totalMatches, 2, "the liar against each of the two honest providers");

      // In a page, Helios gets past the environment check and reports the missing optional package.
      assert.equal(out.helios.errorName, "HeliosUnavailableError");
      assert.match(out.helios.message, /npm install @a16z\/helios/);
    } finally {
      await browser.close();
    }
  });
});
