// Durable store of every request, response and voucher (SQLite in WAL mode, fsync on commit): a provider writes
// here before it answers, so a crash at any moment loses nothing needed for a dispute or a fee claim.
import Database from "better-sqlite3";
import type { Address, Hex } from "viem";

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
  service: Address;
  requester: Address;
  selector: Hex;
  program_hash: Hex;
  input_hash: Hex;
  raw_tx: Hex;
  received_at: number;
}

interface VoucherRow {
  channel_id: Hex;
  payer: Address;
  cumulative_amount: string;
  signature: Hex;
  request_hash: Hex;
  claimed_amount: string;
}

/** The provider's SQLite database. */
export class ProviderStore {
  private readonly db: Database.Database;

  /** Opens (or creates) the database at `path`; `:memory:` for a throwaway store. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    // FULL: a committed answer survives power loss, not only a process crash.
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.exec(SCHEMA);
  }

  /** Stores a request, its signed response and the voucher that paid for it in one transaction (all or nothing). */
  saveCall(request: StoredRequest, response: StoredResponse, voucher?: Omit<StoredVoucher, "claimedAmount">): void {
    const insertRequest = this.db.prepare(
      `INSERT OR IGNORE INTO requests VALUES (@requestHash, @service, @requester, @selector, @programHash, @inputHash, @rawTx, @receivedAt)`,
    );
    const insertResponse = this.db.prepare(
      `INSERT INTO responses VALUES (@requestHash, @resultHash, @status, @exitCode, @output, @outputHash, @signature, @signedAt)`,
    );
    this.db.transaction(() => {
      insertRequest.run(request);
      insertResponse.run(response);
      if (voucher !== undefined) this.saveVoucher(voucher);
    })();
  }

  /** The stored response to a request, if any. */
  response(requestHash: Hex): StoredResponse | undefined {
    const row = this.db.prepare(`SELECT * FROM responses WHERE request_hash = ?`).get(requestHash) as
      | ResponseRow
      | undefined;
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
    const row = this.db.prepare(`SELECT * FROM requests WHERE request_hash = ?`).get(requestHash) as
      | RequestRow
      | undefined;
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
    return this.db.transaction(() => {
      const current = this.voucher(voucher.channelId);
      if (current !== undefined && current.cumulativeAmount >= voucher.cumulativeAmount) return false;
      this.db
        .prepare(
          `INSERT INTO vouchers (channel_id, payer, cumulative_amount, signature, request_hash, claimed_amount)
           VALUES (?, ?, ?, ?, ?, '0')
           ON CONFLICT(channel_id) DO UPDATE SET cumulative_amount = excluded.cumulative_amount,
             signature = excluded.signature, request_hash = excluded.request_hash`,
        )
        .run(
          voucher.channelId,
          voucher.payer,
          voucher.cumulativeAmount.toString(),
          voucher.signature,
          voucher.requestHash,
        );
      return true;
    })();
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

  /** Closes the database. */
  close(): void {
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
