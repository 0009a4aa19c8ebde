// The provider store's group commit on a real SQLite file: concurrent calls share one transaction, each promise
// resolves only once its record is readable from another connection, a bad record fails alone, responses signed by
// the store equal signResponse, and close() commits what was handed over.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { signResponse } from "@verity/protocol";
import { ProviderStore, type StoredRequest, type StoredResponse, StoreWriteError } from "@verity/provider";
import Database from "better-sqlite3";
import { getAddress, type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const dir = mkdtempSync(join(tmpdir(), "verity-store-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${files++}.sqlite`);

function record(i: number, tag = "a"): { request: StoredRequest; response: Omit<StoredResponse, "signature"> } {
  const requestHash = keccak256(toHex(`${tag} ${i}`));
  return {
    request: {
      requestHash,
      service: getAddress(`0x${"12".repeat(20)}`),
      requester: getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`),
      selector: "0xdeadbeef",
      programHash: keccak256(toHex("program")),
      inputHash: keccak256(toHex(`input ${i}`)),
      rawTx: toHex(`tx ${tag} ${i}`),
      receivedAt: 1_700_000_000_000 + i,
    },
    response: {
      requestHash,
      resultHash: keccak256(toHex(`result ${i}`)),
      status: 1,
      exitCode: 0,
      output: toHex(`output ${i}`),
      outputHash: keccak256(toHex(`output ${i}`)),
      signedAt: 1_700_000_000_001 + i,
    },
  };
}

function countRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM responses").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test("64 concurrent saves commit in one transaction, each durable when its promise resolves", {
  timeout: 30_000,
}, async () => {
  const path = freshPath();
  const store = new ProviderStore(path);
  try {
    const signature = `0x${"ab".repeat(65)}` as Hex;
    const saves = Array.from({ length: 64 }, (_, i) => {
      const r = record(i);
      return store.saveCall(r.request, { ...r.response, signature }).then(() => countRows(path));
    });
    const seen = await Promise.all(saves);
    // Every promise resolved after all 64 rows were visible to another connection: one commit held them all.
    assert.deepEqual(
      seen,
      seen.map(() => 64),
    );
    assert.deepEqual(store.commitStats(), { commits: 1, records: 64 });
    assert.equal(store.response(record(7).request.requestHash)?.signature, signature);
    assert.equal(store.request(record(7).request.requestHash)?.rawTx, record(7).request.rawTx);

    // Sequential saves each get their own commit (an idle store does not wait to batch).
    for (let i = 0; i < 3; i++) {
      const r = record(i, "seq");
      await store.saveCall(r.request, { ...r.response, signature });
      assert.equal(countRows(path), 65 + i);
    }
    assert.deepEqual(store.commitStats(), { commits: 4, records: 67 });
  } finally {
    await store.close();
  }
});

test("a record that cannot be written fails alone; the rest of its batch commits", { timeout: 30_000 }, async () => {
  const path = freshPath();
  const store = new ProviderStore(path);
  try {
    const signature = `0x${"cd".repeat(65)}` as Hex;
    const first = record(1);
    await store.saveCall(first.request, { ...first.response, signature });
    const outcomes = await Promise.allSettled([
      store.saveCall(record(2).request, { ...record(2).response, signature }),
      // Same request hash again: the responses table refuses a second answer to one request.
      store.saveCall(first.request, { ...first.response, signature }),
      store.saveCall(record(3).request, { ...record(3).response, signature }),
    ]);
    assert.equal(outcomes[0]!.status, "fulfilled");
    assert.equal(outcomes[1]!.status, "rejected");
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof StoreWriteError);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.equal(outcomes[2]!.status, "fulfilled");
    assert.equal(countRows(path), 3);
  } finally {
    await store.close();
  }
});

test("signAndSaveCall signs exactly as signResponse, on the writer thread and in-thread (:memory:)", {
  timeout: 30_000,
}, async () => {
  const privateKey = generatePrivateKey();
  const account = privateKeyToAccount(privateKey);
  const domain = { chainId: 31337, arbitration: getAddress(`0x${"34".repeat(20)}`) };
  for (const path of [freshPath(), ":memory:"]) {
    const store = new ProviderStore(path);
    try {
      const unsigned = record(5, path);
      await assert.rejects(store.signAndSaveCall(unsigned.request, unsigned.response), /no signing key/);
      store.setSigner(privateKey, domain);
      const signatures = await Promise.all(
        [5, 6, 7].map((i) => {
          const r = record(i, path);
          return store.signAndSaveCall(r.request, r.response);
        }),
      );
      for (const [j, i] of [5, 6, 7].entries()) {
        const r = record(i, path);
        const expected = await signResponse(account, domain, {
          service: r.request.service,
          requestHash: r.request.requestHash,
          requester: r.request.requester,
          selector: r.request.selector,
          programHash: r.request.programHash,
          inputHash: r.request.inputHash,
          resultHash: r.response.resultHash,
        });
        assert.equal(signatures[j], expected.signature);
        assert.equal(store.response(r.request.requestHash)?.signature, expected.signature);
      }
    } finally {
      await store.close();
    }
  }
});

test("close() commits every call handed over before it, then refuses new ones", { timeout: 30_000 }, async () => {
  const path = freshPath();
  const store = new ProviderStore(path);
  const signature = `0x${"ef".repeat(65)}` as Hex;
  const saves = Array.from({ length: 20 }, (_, i) =>
    store.saveCall(record(i).request, { ...record(i).response, signature }),
  );
  await store.close();
  await Promise.all(saves);
  assert.equal(countRows(path), 20);
  await assert.rejects(store.saveCall(record(99).request, { ...record(99).response, signature }), StoreWriteError);
});

test("a call alone is committed on the calling thread at once, unless the writer thread has work", {
  timeout: 30_000,
}, async () => {
  const path = freshPath();
  const store = new ProviderStore(path);
  try {
    store.setSigner(generatePrivateKey(), { chainId: 1, arbitration: getAddress(`0x${"56".repeat(20)}`) });
    const a = record(1, "alone");
    const signed = store.signAndSaveCall(a.request, a.response, undefined, { alone: true });
    // Durable before the promise is even awaited: no hand-over happened.
    assert.equal(countRows(path), 1);
    assert.match(await signed, /^0x[0-9a-f]{130}$/);
    assert.deepEqual(store.commitStats(), { commits: 1, records: 1 });

    // The writer has a record outstanding: the lone call joins the writer's batch instead of racing it.
    const b = record(2, "alone");
    const c = record(3, "alone");
    const queued = store.saveCall(b.request, { ...b.response, signature: await signed });
    const joined = store.signAndSaveCall(c.request, c.response, undefined, { alone: true });
    assert.equal(countRows(path), 1);
    await Promise.all([queued, joined]);
    assert.equal(countRows(path), 3);
    assert.deepEqual(store.commitStats(), { commits: 2, records: 3 });
  } finally {
    await store.close();
  }
});
