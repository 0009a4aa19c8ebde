// Writer thread of the provider store (group commit): every call record that arrives while a commit is running is
// written by the next commit, in one transaction with one fsync, and each is acknowledged only once committed. The
// fsync never blocks the node's event loop, and an idle node commits at once (no batching window). Records handed
// over unsigned are signed here, just before their commit, so the signature work is off the event loop too.
import { parentPort, workerData } from "node:worker_threads";
import type { ResponseDomain } from "@verity/protocol";
import type { Hex } from "viem";
import { ResponseSigner } from "./response-signer.js";
import { type CallRecord, CallWriter, openDatabase, signRecords, type WriteRequest } from "./store-schema.js";

/** Messages to the writer thread. */
export type WriterMessage =
  | { type: "write"; writes: WriteRequest[] }
  | { type: "signer"; privateKey: Hex; domain: ResponseDomain }
  | { type: "close" };

/** The writer's answer for a batch: the ids committed (with their signatures), and the ids that failed with why. */
export interface WriteReply {
  committed: { id: number; signature: Hex }[];
  failed: { id: number; error: string }[];
}

/** What the writer thread is started with. */
export interface WriterData {
  path: string;
  /** Largest batch per transaction. */
  maxBatch: number;
}

const { path, maxBatch } = workerData as WriterData;
const writer = new CallWriter(openDatabase(path));
let signer: ResponseSigner | undefined;
const pending: WriteRequest[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = pending.splice(0, maxBatch);
  if (pending.length > 0) schedule();
  if (batch.length === 0) return;
  const signed = signRecords(batch, signer);
  const writeErrors = writer.saveCalls(signed.records);
  const reply: WriteReply = { committed: [], failed: [] };
  let r = 0;
  batch.forEach((w, i) => {
    const signError = signed.errors[i];
    if (signError !== undefined) {
      reply.failed.push({ id: w.id, error: signError.message });
      return;
    }
    const record = signed.records[r] as CallRecord;
    const writeError = writeErrors[r++];
    if (writeError === undefined) reply.committed.push({ id: w.id, signature: record.response.signature });
    else reply.failed.push({ id: w.id, error: writeError.message });
  });
  parentPort?.postMessage(reply);
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // After every message already queued has been taken in: they all join this batch.
  setImmediate(flush);
}

parentPort?.on("message", (message: WriterMessage) => {
  if (message.type === "signer") {
    signer = new ResponseSigner(message.privateKey, message.domain);
  } else if (message.type === "write") {
    for (const w of message.writes) pending.push(w);
    schedule();
  } else {
    while (pending.length > 0) flush();
    writer.db.close();
    parentPort?.postMessage("closed");
  }
});
