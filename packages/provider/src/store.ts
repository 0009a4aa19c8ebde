// Durable store of every request, response and voucher (SQLite in WAL mode, fsync on commit): a provider writes
// here before it answers, so a crash at any moment loses nothing needed for a dispute or a fee claim. Answered calls
// are written by a writer thread with group commit (store-writer.ts): concurrent calls share one transaction and one
// fsync, and each caller's promise resolves only once its own record is committed.
import { Worker } from "node:worker_threads";
import type { ResponseDomain } from "@verity/protocol";
import type Database from "better-sqlite3";
import type { Hex } from "viem";
import { ResponseSigner } from "./response-signer.js";
import {
  type CallRecord,
  CallWriter,
  openDatabase,
  type StoredRequest,
  type StoredResponse,
  type StoredVoucher,
  signRecords,
  type UnsignedCallRecord,
  type WriteRequest,
} from "./store-schema.js";
import type { WriteReply, WriterData, WriterMessage } from "./store-writer.js";

export type { CallRecord, StoredRequest, StoredResponse, StoredVoucher, UnsignedCallRecord } from "./store-schema.js";

/** A call record could not be committed (the writer failed or the store is closed). */
export class StoreWriteError extends Error {
  override name = "StoreWriteError";
}

/** Options of the provider store. */
export interface ProviderStoreOptions {
  /** Commit answered calls on a writer thread (default: true for a file, false for `:memory:`). */
  writerThread?: boolean;
  /** Largest number of calls committed in one transaction (default 256). */
  maxBatch?: number;
}

interface ResponseRow {
  request_hash: Hex;
  result_hash: Hex;
  status: number;
  exit_code: number;
  output: Hex;
  output_hash: Hex;
  signature: Hex;
  signed_at: number;
}

interface RequestRow {
  request_hash: Hex;
  service: StoredRequest["service"];
  requester: StoredRequest["requester"];
  selector: Hex;
  program_hash: Hex;
  input_hash: Hex;
  raw_tx: Hex;
  received_at: number;
}

interface VoucherRow {
  channel_id: Hex;
  payer: StoredVoucher["payer"];
  cumulative_amount: string;
  signature: Hex;
  request_hash: Hex;
  claimed_amount: string;
}

interface Waiter {
  resolve: (signature: Hex) => void;
  reject: (error: Error) => void;
}

// Under tsx (tests, development) the sources run directly and the thread needs the same loader; built, the .js runs.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WRITER_URL = new URL(FROM_SOURCE ? "./store-writer-source.mjs" : "./store-writer.js", import.meta.url);
const WRITER_EXEC_ARGV = FROM_SOURCE ? ["--conditions=source"] : [];

/** The provider's SQLite database. */
export class ProviderStore {
  private readonly db: Database.Database;
  private readonly writer: CallWriter;
  private readonly useThread: boolean;
  private readonly maxBatch: number;
  private thread: Worker | undefined;
  private readonly waiting = new Map<number, Waiter>();
  /** Writes not yet posted to the writer thread: all of one event-loop turn go in one message. */
  private outbox: WriteRequest[] = [];
  private outboxScheduled = false;
  private signerConfig: { privateKey: Hex; domain: ResponseDomain } | undefined;
  private localSigner: ResponseSigner | undefined;
  private nextId = 1;
  private closed = false;
  private commits = 0;
  private committedRecords = 0;
  private readonly selectResponse: Database.Statement;
  private readonly selectRequest: Database.Statement;

  /** Opens (or creates) the database at `path`; `:memory:` for a throwaway store. */
  constructor(
    readonly path: string,
    options: ProviderStoreOptions = {},
  ) {
    this.db = openDatabase(path);
    this.writer = new CallWriter(this.db);
    this.useThread = options.writerThread ?? path !== ":memory:";
    if (this.useThread && path === ":memory:") throw new StoreWriteError("a :memory: store has no writer thread");
    this.maxBatch = options.maxBatch ?? 256;
    this.selectResponse = this.db.prepare(`SELECT * FROM responses WHERE request_hash = ?`);
    this.selectRequest = this.db.prepare(`SELECT * FROM requests WHERE request_hash = ?`);
    // Started now, so the first call does not wait for the thread to load.
    if (this.useThread) this.writerThread();
  }

  /** The key and domain `signAndSaveCall` signs responses with. */
  setSigner(privateKey: Hex, domain: ResponseDomain): void {
    this.signerConfig = { privateKey, domain };
    this.localSigner = new ResponseSigner(privateKey, domain);
    if (this.useThread) this.thread?.postMessage({ type: "signer", privateKey, domain } satisfies WriterMessage);
  }

  /**
   * Stores a request, its signed response and the voucher that paid for it in one transaction (all or nothing);
   * resolves once committed (fsync-ed), rejects with the reason otherwise.
   */
  async saveCall(
    request: StoredRequest,
    response: StoredResponse,
    voucher?: Omit<StoredVoucher, "claimedAmount">,
  ): Promise<void> {
    const record: CallRecord = voucher === undefined ? { request, response } : { request, response, voucher };
    await this.enqueue(record, false);
  }

  /**
   * Signs the response with the key given to setSigner, then stores it like saveCall; resolves with the signature
   * once committed. The signature never leaves before the record is durable.
   *
   * `alone`: the caller has no other call in flight. Then, if the writer thread has nothing outstanding either, the
   * record is signed and committed right here: with nothing to batch it with, handing it to the thread and back
   * would only add two thread wake-ups (measured: more CPU per call than the signature and commit themselves).
   */
  signAndSaveCall(
    request: StoredRequest,
    response: Omit<StoredResponse, "signature">,
    voucher?: Omit<StoredVoucher, "claimedAmount">,
    options: { alone?: boolean } = {},
  ): Promise<Hex> {
    const record: UnsignedCallRecord = voucher === undefined ? { request, response } : { request, response, voucher };
    const idleWriter = this.waiting.size === 0 && this.outbox.length === 0;
    return this.enqueue(record, true, options.alone === true && idleWriter);
  }

  private enqueue(record: CallRecord | UnsignedCallRecord, sign: boolean, here = false): Promise<Hex> {
    if (this.closed) return Promise.reject(new StoreWriteError("the store is closed"));
    const id = this.nextId++;
    if (!this.useThread || here) {
      const signed = signRecords([{ id, record, sign }], this.localSigner);
      const error = signed.errors[0] ?? this.writer.saveCalls(signed.records)[0];
      if (error !== undefined) return Promise.reject(new StoreWriteError(error.message));
      this.countCommit(1, 0);
      return Promise.resolve((signed.records[0] as CallRecord).response.signature);
    }
    const thread = this.writerThread();
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) thread.ref();
      this.waiting.set(id, { resolve, reject });
      this.outbox.push({ id, record, sign });
      if (!this.outboxScheduled) {
        this.outboxScheduled = true;
        setImmediate(() => this.post());
      }
    });
  }

  private post(): void {
    this.outboxScheduled = false;
    const writes = this.outbox;
    this.outbox = [];
    if (writes.length > 0) this.thread?.postMessage({ type: "write", writes } satisfies WriterMessage);
  }

  private writerThread(): Worker {
    if (this.thread !== undefined) return this.thread;
    const thread = new Worker(WRITER_URL, {
      execArgv: WRITER_EXEC_ARGV,
      workerData: { path: this.path, maxBatch: this.maxBatch } satisfies WriterData,
    });
    thread.unref();
    if (this.signerConfig !== undefined)
      thread.postMessage({ type: "signer", ...this.signerConfig } satisfies WriterMessage);
    thread.on("message", (reply: WriteReply | "closed") => {
      if (reply === "closed") return;
      if (reply.committed.length > 0) this.countCommit(reply.committed.length, reply.failed.length);
      for (const { id, signature } of reply.committed) this.settle(id)?.resolve(signature);
      for (const { id, error } of reply.failed) this.settle(id)?.reject(new StoreWriteError(error));
    });
    const fail = (error: Error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      this.outbox = [];
      // Nothing of these was acknowledged; a later call starts a fresh writer.
      for (const id of [...this.waiting.keys()])
        this.settle(id)?.reject(new StoreWriteError(`the store writer stopped: ${error.message}`));
    };
    thread.on("error", fail);
    thread.on("exit", (code) => fail(new Error(`writer thread exited with code ${code}`)));
    this.thread = thread;
    return thread;
  }

  /** Transactions committed by saveCall/signAndSaveCall so far, and the call records they held (group commit). */
  commitStats(): { commits: number; records: number } {
    return { commits: this.commits, records: this.committedRecords };
  }

  private countCommit(records: number, failed: number): void {
    // A batch with a failed record was committed record by record (see CallWriter.saveCalls).
    this.commits += failed > 0 ? records : 1;
    this.committedRecords += records;
  }

  private settle(id: number): Waiter | undefined {
    const entry = this.waiting.get(id);
    this.waiting.delete(id);
    // Idle, the writer must not keep the process alive; while closing it must, until it has said "closed".
    if (this.waiting.size === 0 && !this.closed) this.thread?.unref();
    return entry;
  }

  /** The stored response to a request, if any. */
  response(requestHash: Hex): StoredResponse | undefined {
    const row = this.selectResponse.get(requestHash) as ResponseRow | undefined;
    if (row === undefined) return undefined;
    return {
      requestHash: row.request_hash,
      resultHash: row.result_hash,
      status: row.status,
      exitCode: row.exit_code,
      output: row.output,
      outputHash: row.output_hash,
      signature: row.signature,
      signedAt: row.signed_at,
    };
  }

  /** The stored request, if any. */
  request(requestHash: Hex): StoredRequest | undefined {
    const row = this.selectRequest.get(requestHash) as RequestRow | undefined;
    if (row === undefined) return undefined;
    return {
      requestHash: row.request_hash,
      service: row.service,
      requester: row.requester,
      selector: row.selector,
      programHash: row.program_hash,
      inputHash: row.input_hash,
      rawTx: row.raw_tx,
      receivedAt: row.received_at,
    };
  }

  /** Number of stored responses. */
  responseCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM responses`).get() as { n: number }).n;
  }

  /** The newest voucher of a channel. */
  voucher(channelId: Hex): StoredVoucher | undefined {
    const row = this.db.prepare(`SELECT * FROM vouchers WHERE channel_id = ?`).get(channelId) as VoucherRow | undefined;
    return row === undefined ? undefined : voucherFromRow(row);
  }

  /** Vouchers whose cumulative amount exceeds what was already claimed on chain. */
  unclaimedVouchers(): StoredVoucher[] {
    const rows = this.db.prepare(`SELECT * FROM vouchers`).all() as VoucherRow[];
    return rows.map(voucherFromRow).filter((v) => v.cumulativeAmount > v.claimedAmount);
  }

  /** Keeps a voucher if it is newer (a higher cumulative amount) than the stored one; returns whether it was kept. */
  saveVoucher(voucher: Omit<StoredVoucher, "claimedAmount">): boolean {
    return this.writer.saveVoucher(voucher);
  }

  /** Records the amount the chain has paid out for a channel. */
  markClaimed(channelId: Hex, claimedAmount: bigint): void {
    this.db
      .prepare(`UPDATE vouchers SET claimed_amount = ? WHERE channel_id = ?`)
      .run(claimedAmount.toString(), channelId);
  }

  /** A small persistent key-value for the chain watcher's cursor and similar. */
  getValue(key: string): string | undefined {
    const row = this.db.prepare(`SELECT value FROM kv WHERE key = ?`).get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Sets a persistent key-value. */
  setValue(key: string, value: string): void {
    this.db
      .prepare(`INSERT INTO kv VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(key, value);
  }

  /** Commits every call already handed to saveCall, stops the writer thread and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const thread = this.thread;
    if (thread !== undefined) {
      thread.ref();
      this.post();
      await new Promise<void>((resolve) => {
        thread.on("message", (reply) => {
          if (reply === "closed") resolve();
        });
        thread.once("exit", () => resolve());
        thread.postMessage({ type: "close" } satisfies WriterMessage);
      });
      this.thread = undefined;
      await thread.terminate();
      for (const id of [...this.waiting.keys()])
        this.settle(id)?.reject(new StoreWriteError("the store was closed before this call was committed"));
    }
    this.db.close();
  }
}

function voucherFromRow(row: VoucherRow): StoredVoucher {
  return {
    channelId: row.channel_id,
    payer: row.payer,
    cumulativeAmount: BigInt(row.cumulative_amount),
    signature: row.signature,
    requestHash: row.request_hash,
    claimedAmount: BigInt(row.claimed_amount),
  };
}
