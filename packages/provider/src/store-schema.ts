// The provider database's schema, settings and write statements, shared by the store (main thread) and its writer
// thread (store-writer.ts), so both connections write exactly the same rows.
import type { ProviderResponse } from "@verity/protocol";
import Database from "better-sqlite3";
import type { Address, Hex } from "viem";
import type { ResponseSigner } from "./response-signer.js";

/** A request as received (the signed off-chain transaction plus what was derived from it). */
export interface StoredRequest {
  requestHash: Hex;
  service: Address;
  requester: Address;
  selector: Hex;
  programHash: Hex;
  inputHash: Hex;
  rawTx: Hex;
  receivedAt: number;
}

/** A signed response exactly as sent to the client. */
export interface StoredResponse {
  requestHash: Hex;
  resultHash: Hex;
  status: number;
  exitCode: number;
  output: Hex;
  outputHash: Hex;
  signature: Hex;
  signedAt: number;
}

/** The newest payment voucher of a channel. */
export interface StoredVoucher {
  channelId: Hex;
  payer: Address;
  cumulativeAmount: bigint;
  signature: Hex;
  requestHash: Hex;
  claimedAmount: bigint;
}

/** What one answered call writes: its request, its signed response and the voucher that paid for it. */
export interface CallRecord {
  request: StoredRequest;
  response: StoredResponse;
  voucher?: Omit<StoredVoucher, "claimedAmount">;
}

/** A call record whose response the store signs just before committing it. */
export interface UnsignedCallRecord {
  request: StoredRequest;
  response: Omit<StoredResponse, "signature">;
  voucher?: Omit<StoredVoucher, "claimedAmount">;
}

/** The EIP-712 response message of a record: the request's fields and the run's result hash. */
export function responseMessageOf(record: UnsignedCallRecord): ProviderResponse {
  const { request } = record;
  return {
    service: request.service,
    requestHash: request.requestHash,
    requester: request.requester,
    selector: request.selector,
    programHash: request.programHash,
    inputHash: request.inputHash,
    resultHash: record.response.resultHash,
  };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS requests (
  request_hash TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  requester TEXT NOT NULL,
  selector TEXT NOT NULL,
  program_hash TEXT NOT NULL,
  input_hash TEXT NOT NULL,
  raw_tx TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
  request_hash TEXT PRIMARY KEY REFERENCES requests(request_hash),
  result_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  exit_code INTEGER NOT NULL,
  output TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  signature TEXT NOT NULL,
  signed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS vouchers (
  channel_id TEXT PRIMARY KEY,
  payer TEXT NOT NULL,
  cumulative_amount TEXT NOT NULL,
  signature TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  claimed_amount TEXT NOT NULL DEFAULT '0'
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Opens (or creates) the database at `path` in WAL mode with fsync on every commit, and creates the tables. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // FULL: a committed answer survives power loss, not only a process crash.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);
  return db;
}

/** Prepared write statements on one connection. */
export class CallWriter {
  private readonly insertRequest: Database.Statement;
  private readonly insertResponse: Database.Statement;
  private readonly selectVoucher: Database.Statement;
  private readonly upsertVoucher: Database.Statement;
  private readonly writeOne: (record: CallRecord) => void;
  private readonly writeMany: (records: readonly CallRecord[]) => void;
  private readonly keepVoucher: (voucher: Omit<StoredVoucher, "claimedAmount">) => boolean;

  constructor(readonly db: Database.Database) {
    this.insertRequest = db.prepare(
      `INSERT OR IGNORE INTO requests VALUES (@requestHash, @service, @requester, @selector, @programHash, @inputHash, @rawTx, @receivedAt)`,
    );
    this.insertResponse = db.prepare(
      `INSERT INTO responses VALUES (@requestHash, @resultHash, @status, @exitCode, @output, @outputHash, @signature, @signedAt)`,
    );
    this.selectVoucher = db.prepare(`SELECT cumulative_amount FROM vouchers WHERE channel_id = ?`);
    this.upsertVoucher = db.prepare(
      `INSERT INTO vouchers (channel_id, payer, cumulative_amount, signature, request_hash, claimed_amount)
       VALUES (?, ?, ?, ?, ?, '0')
       ON CONFLICT(channel_id) DO UPDATE SET cumulative_amount = excluded.cumulative_amount,
         signature = excluded.signature, request_hash = excluded.request_hash`,
    );
    this.keepVoucher = db.transaction((voucher: Omit<StoredVoucher, "claimedAmount">) => {
      const current = this.selectVoucher.get(voucher.channelId) as { cumulative_amount: string } | undefined;
      if (current !== undefined && BigInt(current.cumulative_amount) >= voucher.cumulativeAmount) return false;
      this.upsertVoucher.run(
        voucher.channelId,
        voucher.payer,
        voucher.cumulativeAmount.toString(),
        voucher.signature,
        voucher.requestHash,
      );
      return true;
    });
    const write = (record: CallRecord) => {
      this.insertRequest.run(record.request);
      this.insertResponse.run(record.response);
      if (record.voucher !== undefined) this.keepVoucher(record.voucher);
    };
    this.writeOne = db.transaction(write);
    this.writeMany = db.transaction((records: readonly CallRecord[]) => {
      for (const record of records) write(record);
    });
  }

  /** Writes one call in its own transaction (all or nothing, one fsync). */
  saveCall(record: CallRecord): void {
    this.writeOne(record);
  }

  /**
   * Writes calls in one transaction (one fsync for all); if that fails, each in its own, so one bad record fails
   * alone. Returns the error of each record that was not written (undefined where it was).
   */
  saveCalls(records: readonly CallRecord[]): (Error | undefined)[] {
    if (records.length > 1) {
      try {
        this.writeMany(records);
        return records.map(() => undefined);
      } catch {
        // Fall through: find the culprit, keep the others.
      }
    }
    return records.map((record) => {
      try {
        this.writeOne(record);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    });
  }

  /** Keeps a voucher if it is newer (a higher cumulative amount) than the stored one; returns whether it was kept. */
  saveVoucher(voucher: Omit<StoredVoucher, "claimedAmount">): boolean {
    return this.keepVoucher(voucher);
  }
}

/** A record handed to the writer; `sign` when its response still needs the provider's signature. */
export interface WriteRequest {
  id: number;
  record: CallRecord | UnsignedCallRecord;
  sign: boolean;
}

/** Signs what needs a signature; returns the signed records and the error of each that could not be signed. */
export function signRecords(
  batch: readonly WriteRequest[],
  signer: ResponseSigner | undefined,
): { records: CallRecord[]; errors: (Error | undefined)[] } {
  const records: CallRecord[] = [];
  const errors: (Error | undefined)[] = [];
  for (const w of batch) {
    if (!w.sign) {
      records.push(w.record as CallRecord);
      errors.push(undefined);
      continue;
    }
    try {
      if (signer === undefined) throw new Error("the store has no signing key configured");
      const { signature } = signer.sign(responseMessageOf(w.record));
      records.push({ ...w.record, response: { ...w.record.response, signature } });
      errors.push(undefined);
    } catch (error) {
      errors.push(error as Error);
    }
  }
  return { records, errors };
}
