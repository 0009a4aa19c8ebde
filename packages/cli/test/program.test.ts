// `verity program inspect` on folders, manifests and bundles (including broken ones), and `program build`.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkToolchains, ToolchainMissingError } from "@verity/programs";
import { encodeBundle, parseManifest } from "@verity/protocol";
import { toFunctionSelector } from "viem";
import { ROOT, runCli } from "./helpers.js";

const ECHO = join(ROOT, "programs", "examples", "echo");
const MATMUL = join(ROOT, "programs", "examples", "matmul");
const tmp = mkdtempSync(join(tmpdir(), "verity-cli-program-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function manifestOf(dir: string) {
  return parseManifest(JSON.parse(readFileSync(join(dir, "build", "manifest.json"), "utf8")));
}

function toolchainMissing(): string | false {
  try {
    checkToolchains();
    return false;
  } catch (e) {
    if (e instanceof ToolchainMissingError) return e.message;
    throw e;
  }
}

describe("verity program inspect", () => {
  it("describes a built folder: hashes, limits, methods with selectors, sizes", { timeout: 60_000 }, () => {
    const m = manifestOf(MATMUL);
    const r = runCli(["program", "inspect", MATMUL, "--json"]);
    assert.equal(r.status, 0, r.stderr.toString());
    const d = JSON.parse(r.stdout.toString());
    assert.equal(d.kind, "folder");
    assert.equal(d.manifest.programHash, m.programHash);
    assert.equal(d.manifest.maxSteps, m.maxSteps.toString());
    assert.equal(d.manifest.memLimit, m.memLimit);
    assert.deepEqual(
      d.methods,
      m.methods.map((signature) => ({ signature, selector: toFunctionSelector(signature) })),
    );
    assert.equal(d.elfSize, readFileSync(join(MATMUL, "build", "matmul.elf")).length);
    assert.equal(d.wasmSize, readFileSync(join(MATMUL, "build", "matmul.wasm")).length);

    const text = runCli(["program", "inspect", MATMUL]);
    assert.equal(text.status, 0);
    assert.match(text.stdout.toString(), new RegExp(`programHash\\s+${m.programHash}`));
    assert.match(text.stdout.toString(), new RegExp(`maxSteps\\s+${m.maxSteps}`));
  });

  it("checks and describes a bundle, and rejects a tampered one", { timeout: 60_000 }, () => {
    const m = manifestOf(ECHO);
    const elf = new Uint8Array(readFileSync(join(ECHO, "build", "echo.elf")));
    const wasm = new Uint8Array(readFileSync(join(ECHO, "build", "echo.wasm")));
    const bundle = encodeBundle({ manifest: m, elf, wasm });
    const file = join(tmp, "echo.bundle");
    writeFileSync(file, bundle);
    const r = runCli(["program", "inspect", file, "--json"]);
    assert.equal(r.status, 0, r.stderr.toString());
    const d = JSON.parse(r.stdout.toString());
    assert.equal(d.kind, "bundle");
    assert.equal(d.manifest.programHash, m.programHash);
    assert.equal(d.bundleSize, bundle.length);
    assert.equal(d.elfSize, elf.length);

    const tampered = bundle.slice();
    tampered[tampered.length - 1] ^= 1; // last wasm byte
    writeFileSync(file, tampered);
    const bad = runCli(["program", "inspect", file]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr.toString(), /wasm/i);
  });

  it("says how to fix a folder that was not built, and a manifest whose hash is wrong", { timeout: 60_000 }, () => {
    const dir = join(tmp, "unbuilt");
    cpSync(join(ECHO, "echo.c"), join(dir, "echo.c"));
    const r = runCli(["program", "inspect", dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /verity program build/);
    const manifest = JSON.parse(readFileSync(join(ECHO, "build", "manifest.json"), "utf8"));
    manifest.maxSteps = "1";
    const file = join(tmp, "manifest.json");
    writeFileSync(file, JSON.stringify(manifest));
    const wrong = runCli(["program", "inspect", file]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr.toString(), /programHash .* does not match its fields/);
  });
});

describe("verity program build", () => {
  it("rebuilds a copy of the echo example to the same program hash", {
    skip: toolchainMissing(),
    timeout: 120_000,
  }, () => {
    const dir = join(tmp, "echo");
    cpSync(ECHO, dir, { recursive: true, filter: (src) => !src.includes(`${join(ECHO, "build")}`) });
    const r = runCli(["program", "build", dir]);
    assert.equal(r.status, 0, r.stderr.toString());
    const expected = manifestOf(ECHO).programHash;
    assert.match(r.stdout.toString(), new RegExp(`echo: programHash ${expected}`));
    assert.equal(manifestOf(dir).programHash, expected);
    const usage = runCli(["program", "build"]);
    assert.equal(usage.status, 2);
  });
});
