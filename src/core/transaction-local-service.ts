/**
 * TransactionLocalService of the spec: the device's store of sales over its SQLite file. Methods are async,
 * as in the Flutter/Isar original (and in any React Native SQLite binding): every `await` is a point where
 * another trigger's sync can interleave, which is how the spec's concurrency bugs happen for real.
 */
import type { CrashHook } from './crash-points.ts';
import { noCrashes } from './crash-points.ts';
import type { DeviceDatabase } from './device-database.ts';
import { ERR_INVALID_SALE, ERR_REFERENCE_COLLISION } from './errors.ts';
import type { CoreObserver, ReleaseReason, RowOutcome } from './events.ts';
import { noObserver } from './events.ts';
import type { ReferenceFormat } from './policy.ts';
import type { Clock, Logger, Random } from './ports.ts';
import { silentLogger } from './ports.ts';
import type { ParsedSyncResult } from './protocol.ts';
import type {
  NewTransaction,
  SaleKeyLists,
  SentRow,
  SyncStatus,
  TransactionLocal,
} from './transaction-local.ts';
import { itemsToWire } from './transaction-local.ts';
import {
  type ApplyWrite,
  applyWrites,
  CLAIM_ROWS,
  insertSale,
  NEXT_REFERENCE_SEQUENCE,
  OFFLINE_IDS,
  type SyncStatusUpdate,
  setSyncStatus,
} from './transaction-local-sql.ts';
import { uuidV4 } from './uuid.ts';

export interface SyncStatistics {
  readonly pending: number;
  readonly syncing: number;
  readonly synced: number;
  readonly failed: number;
  readonly total: number;
}

export interface StoreDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly referenceFormat: ReferenceFormat;
  readonly logger?: Logger;
  readonly observer?: CoreObserver;
  readonly crash?: CrashHook;
}

/**
 * The columns every read selects, in the order of RowValues. Reads take rows as arrays (better-sqlite3's raw
 * mode) and map them by position: building an object per row keyed by column name, only to map it to
 * another, cost 5.5 us per row against 2.3 us (100 pending rows of a backlog: 0.55 ms -> 0.23 ms).
 */
const ROW_COLUMNS = `id, offline_id, offline_reference, device_id, branch_code, id_user_apps, grand_total, subtotal,
  discount_total, tax_total, status, payment_status, payment_method, sync_status, server_id, transaction_code,
  created_at_device, items_json, sync_attempts, last_error, claimed_at, synced_at`;

const SELECT_PENDING = `SELECT ${ROW_COLUMNS} FROM transaction_local WHERE sync_status = 'pending' ORDER BY id`;
const SELECT_BY_IDS = `SELECT ${ROW_COLUMNS} FROM transaction_local WHERE id IN (SELECT value FROM json_each(?))
  ORDER BY id`;
/**
 * The SQL of each limit, made once: a string built at every call is a new string, flattened and hashed again
 * for the statement cache's lookup (~350 characters, on the hottest read of a sync run).
 */
const selectPendingSql = new Map<number, string>();
function selectPendingLimited(limit: number): string {
  let sql = selectPendingSql.get(limit);
  if (sql === undefined) {
    sql = `${SELECT_PENDING} LIMIT ${limit}`;
    selectPendingSql.set(limit, sql);
  }
  return sql;
}

const RELEASE_ROWS = `UPDATE transaction_local SET sync_status = 'pending', last_error = ?, claimed_at = NULL
  WHERE ${OFFLINE_IDS} AND +sync_status = 'syncing' RETURNING id, offline_id`;

/** Rows a release put back, as its `RETURNING id, offline_id` gives them. */
type ReleasedRows = readonly { readonly id: number; readonly offline_id: string }[];

type RowValues = readonly [
  id: number,
  offlineId: string,
  offlineReference: string,
  deviceId: string,
  branchCode: string,
  idUserApps: number,
  grandTotal: number,
  subtotal: number,
  discountTotal: number,
  taxTotal: number,
  status: string,
  paymentStatus: string,
  paymentMethod: string,
  syncStatus: SyncStatus,
  serverId: number | null,
  transactionCode: string | null,
  createdAtDevice: number,
  itemsJson: string,
  syncAttempts: number,
  lastError: string | null,
  claimedAt: number | null,
  syncedAt: number | null,
];

function fromValues(v: RowValues): TransactionLocal {
  return {
    id: v[0],
    offlineId: v[1],
    offlineReference: v[2],
    deviceId: v[3],
    branchCode: v[4],
    idUserApps: v[5],
    grandTotal: v[6],
    subtotal: v[7],
    discountTotal: v[8],
    taxTotal: v[9],
    status: v[10],
    paymentStatus: v[11],
    paymentMethod: v[12],
    syncStatus: v[13],
    serverId: v[14],
    transactionCode: v[15],
    createdAtDevice: v[16],
    itemsJson: v[17],
    syncAttempts: v[18],
    lastError: v[19],
    claimedAt: v[20],
    syncedAt: v[21],
  };
}

function validateSale(input: NewTransaction): void {
  const amounts = ['grandTotal', 'subtotal', 'discountTotal', 'taxTotal'] as const;
  for (const field of amounts) {
    if (!Number.isSafeInteger(input[field]))
      throw new ERR_INVALID_SALE(field, `must be an integer of minor units, got ${input[field]}`);
  }
  if (!input.deviceId) throw new ERR_INVALID_SALE('deviceId', 'is empty');
  input.items.forEach((item, index) => {
    if (!Number.isSafeInteger(item.price) || !Number.isSafeInteger(item.subtotal)) {
      throw new ERR_INVALID_SALE(`items[${index}]`, 'price and subtotal must be integers of minor units');
    }
  });
}

export class TransactionLocalService {
  private readonly db: DeviceDatabase;
  private readonly deps: StoreDeps;
  private readonly logger: Logger;
  private readonly observer: CoreObserver;
  private readonly crash: CrashHook;

  constructor(db: DeviceDatabase, deps: StoreDeps) {
    this.db = db;
    this.deps = deps;
    this.logger = deps.logger ?? silentLogger;
    this.observer = deps.observer ?? noObserver;
    this.crash = deps.crash ?? noCrashes;
  }

  /** Records a sale as `pending`. The offline id is a UUID v4; the reference follows the policy's format. */
  async createTransaction(input: NewTransaction): Promise<TransactionLocal> {
    validateSale(input);
    const createdAtDevice = this.deps.clock.now();
    const offlineId = uuidV4(this.deps.random);
    const transaction = this.db.transaction((): TransactionLocal => {
      const offlineReference = this.nextReference(input.deviceId, createdAtDevice);
      try {
        // The row as written, without reading it back: one literal in fromValues' field order (one hidden class
        // for rows made and rows read), given its id after the insert. Spreading the columns into a literal with
        // more fields made V8 build a hidden class per sale, in the old generation, where it kept the sale's
        // young objects alive until the next full GC.
        const row = {
          id: 0,
          offlineId,
          offlineReference,
          deviceId: input.deviceId,
          branchCode: input.branchCode,
          idUserApps: input.idUserApps,
          grandTotal: input.grandTotal,
          subtotal: input.subtotal,
          discountTotal: input.discountTotal,
          taxTotal: input.taxTotal,
          status: input.status,
          paymentStatus: input.paymentStatus,
          paymentMethod: input.paymentMethod,
          syncStatus: 'pending',
          serverId: null,
          transactionCode: null,
          createdAtDevice,
          itemsJson: JSON.stringify(itemsToWire(input.items)),
          syncAttempts: 0,
          lastError: null,
          claimedAt: null,
          syncedAt: null,
        } satisfies TransactionLocal;
        row.id = insertSale(this.db, row);
        return row;
      } catch (error) {
        if (isUniqueViolation(error, 'offline_reference'))
          throw new ERR_REFERENCE_COLLISION(offlineReference, { cause: error });
        throw error;
      }
    });
    this.logger.info(
      {
        tag: 'transaction_local',
        deviceId: input.deviceId,
        offlineId,
        offlineReference: transaction.offlineReference,
        grandTotal: transaction.grandTotal,
      },
      'Transaction created offline',
    );
    this.observer.onEvent({
      type: 'transaction-created',
      rowId: transaction.id,
      offlineId,
      offlineReference: transaction.offlineReference,
      createdAtDevice,
    });
    return transaction;
  }

  /**
   * Rows with sync_status = pending, oldest first; all of them (spec) or at most `limit`. The limit is written
   * into the SQL, not bound: the bundled SQLite plans with a bound LIMIT's value (sqlite3ExprIsInteger), so a
   * bound LIMIT re-prepares the statement at every call (~10 us, on the hottest query of a sync run). A few
   * batch sizes make a few statements.
   */
  async getPendingTransactions(limit?: number): Promise<TransactionLocal[]> {
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1))
      throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
    return this.readRows(limit === undefined ? SELECT_PENDING : selectPendingLimited(limit));
  }

  /**
   * The rows with these rowids, oldest first: the order a claim sends them in (pending rows are read by id).
   * Synchronous: the sync re-reads half of a rejected batch with it and must not add a microtask turn before
   * sending it.
   */
  transactionsByIds(ids: readonly number[]): TransactionLocal[] {
    return this.readRows(SELECT_BY_IDS, JSON.stringify(ids));
  }

  /** The spec's single-row update. Moving to `syncing` stamps claimed_at; to `synced`, synced_at. */
  async updateSyncStatus(update: SyncStatusUpdate): Promise<void> {
    const rowId = setSyncStatus(this.db, update, this.deps.clock.now());
    if (update.status === 'syncing' && rowId !== null)
      this.observer.onEvent({ type: 'rows-claimed', rowIds: [rowId], offlineIds: [update.offlineId] });
  }

  /**
   * Claims rows for a sync in one conditional UPDATE: only rows still `pending` move to `syncing`, so two
   * runs can never claim the same row. Returns the rows this call claimed.
   */
  async claimPending(rows: readonly TransactionLocal[]): Promise<TransactionLocal[]> {
    const now = this.deps.clock.now();
    const changed = this.db.statement(CLAIM_ROWS).all(now, JSON.stringify(rows.map((row) => row.id))) as {
      id: number;
    }[];
    const claimed = new Set(changed.map((row) => row.id));
    const result = rows
      .filter((row) => claimed.has(row.id))
      .map((row) => ({
        ...row,
        syncStatus: 'syncing' as const,
        claimedAt: now,
        syncAttempts: row.syncAttempts + 1,
      }));
    if (result.length > 0) {
      this.observer.onEvent({
        type: 'rows-claimed',
        rowIds: result.map((row) => row.id),
        offlineIds: result.map((row) => row.offlineId),
      });
    }
    return result;
  }

  /**
   * Applies a batch's per-row results in one transaction (spec step 5). A result is matched to a sent row by
   * offline_id, else by offline_reference, else by position when the backend omitted both and answered every
   * row. Returns the outcome of each sent row that a result covered; rows left out stay as they are.
   */
  async batchUpdateSyncStatus(
    results: readonly ParsedSyncResult[],
    sent: readonly SentRow[],
    batchId = 0,
  ): Promise<RowOutcome[]> {
    const now = this.deps.clock.now();
    const outcomes: RowOutcome[] = [];
    const writes: ApplyWrite[] = [];
    for (const { row, result } of matchResults(results, sent)) {
      const status = result.success ? 'synced' : 'failed';
      const error = result.success ? null : (result.error ?? 'rejected by the server without a reason');
      const { serverId, transactionCode, duplicate } = result;
      writes.push({ id: row.id, status, serverId, transactionCode, error });
      outcomes.push({ rowId: row.id, offlineId: row.offlineId, status, duplicate, serverId, error });
    }
    this.db.transaction(() => applyWrites(this.db, writes, now, this.crash));
    if (outcomes.length > 0) this.observer.onEvent({ type: 'rows-applied', batchId, outcomes });
    return outcomes;
  }

  /** Marks rows `failed` with a reason (a row the server rejected on its own). */
  async markFailed(offlineIds: readonly string[], reason: string): Promise<void> {
    const outcomes: RowOutcome[] = [];
    this.db.transaction(() => {
      const update = this.db.statement(
        `UPDATE transaction_local SET sync_status = 'failed', last_error = ? WHERE offline_id = ? RETURNING id`,
      );
      for (const offlineId of offlineIds) {
        const row = update.get(reason, offlineId) as { id: number } | undefined;
        if (row === undefined) continue;
        outcomes.push({
          rowId: row.id,
          offlineId,
          status: 'failed',
          duplicate: false,
          serverId: null,
          error: reason,
        });
      }
    });
    if (outcomes.length > 0) this.observer.onEvent({ type: 'rows-applied', batchId: 0, outcomes });
  }

  /** Puts `syncing` rows back to `pending` (they will be sent again, with the same reference). */
  async releaseToPending(
    offlineIds: readonly string[],
    reason: 'transport-error' | 'missing-result',
    error: string | null,
  ): Promise<number> {
    return this.released(this.db.statement(RELEASE_ROWS).all(error, JSON.stringify(offlineIds)), reason);
  }

  /**
   * Puts back rows that have been `syncing` longer than the lease. A claim stamped in the future means the
   * device clock went back since: the lease cannot be judged, so the row is released too.
   */
  async releaseExpiredLeases(leaseMs: number, except: readonly number[] = []): Promise<number> {
    const now = this.deps.clock.now();
    const rows = this.db
      .statement(
        `UPDATE transaction_local SET sync_status = 'pending', claimed_at = NULL, last_error = 'lease expired'
         WHERE sync_status = 'syncing' AND (claimed_at IS NULL OR claimed_at <= ? OR claimed_at > ?)
         AND id NOT IN (SELECT value FROM json_each(?)) RETURNING id, offline_id`,
      )
      .all(now - leaseMs, now, JSON.stringify(except));
    return this.released(rows, 'lease-expired');
  }

  /** The ids of the rows `syncing` now: at start-up, the dead process's claims. */
  syncingRowIds(): number[] {
    return this.db
      .statement(`SELECT id FROM transaction_local WHERE sync_status = 'syncing'`)
      .pluck()
      .all() as number[];
  }

  /**
   * Start-up recovery: these rows, if still `syncing`, go back to `pending`. A fresh process has nothing in
   * flight itself; the caller waits until the dead one's last request cannot be answered any more.
   */
  async releaseSyncingRows(rowIds: readonly number[]): Promise<number> {
    const rows = this.db
      .statement(
        `UPDATE transaction_local SET sync_status = 'pending', claimed_at = NULL, last_error = 'recovered at start-up'
         WHERE id IN (SELECT value FROM json_each(?)) AND sync_status = 'syncing' RETURNING id, offline_id`,
      )
      .all(JSON.stringify(rowIds));
    return this.released(rows, 'startup');
  }

  /** Tells the observer which rows a release put back; returns how many. */
  private released(returned: unknown[], reason: ReleaseReason): number {
    const rows = returned as ReleasedRows;
    if (rows.length > 0) {
      this.observer.onEvent({
        type: 'rows-released',
        rowIds: rows.map((row) => row.id),
        offlineIds: rows.map((row) => row.offline_id),
        reason,
      });
    }
    return rows.length;
  }

  async getStatistics(): Promise<SyncStatistics> {
    const counts = { pending: 0, syncing: 0, synced: 0, failed: 0 };
    const rows = this.db
      .statement('SELECT sync_status AS status, COUNT(*) AS n FROM transaction_local GROUP BY sync_status')
      .all() as { status: SyncStatus; n: number }[];
    for (const { status, n } of rows) counts[status] = n;
    return { ...counts, total: counts.pending + counts.syncing + counts.synced + counts.failed };
  }

  /** failed -> pending, as the spec's troubleshooting section does by hand. Returns how many rows moved. */
  async retryFailedTransactions(): Promise<number> {
    return this.db
      .statement(
        `UPDATE transaction_local SET sync_status = 'pending', last_error = NULL WHERE sync_status = 'failed'`,
      )
      .run().changes;
  }

  /** Deletes `synced` rows synced more than daysOld days ago (device clock). Returns how many. */
  async cleanupOldSyncedTransactions(daysOld = 30): Promise<number> {
    const cutoff = this.deps.clock.now() - daysOld * 86_400_000;
    return this.db
      .statement(
        `DELETE FROM transaction_local WHERE sync_status = 'synced' AND COALESCE(synced_at, created_at_device) < ?`,
      )
      .run(cutoff).changes;
  }

  /** Rows of a `SELECT ${ROW_COLUMNS} ...`, as arrays (raw mode: the statement serves these reads only). */
  private readRows(sql: string, ...params: readonly (string | number)[]): TransactionLocal[] {
    const rows = this.db
      .statement(sql)
      .raw(true)
      .all(...params) as RowValues[];
    return rows.map(fromValues);
  }

  /**
   * Every row's offline id and reference, each list read from its unique index alone (a table scan reads every
   * page of every row: ~4x the time at the end of a day), so in index order, not the rows' order.
   */
  async listSaleKeys(): Promise<SaleKeyLists> {
    return {
      offlineIds: this.db.statement('SELECT offline_id FROM transaction_local').pluck().all() as string[],
      offlineReferences: this.db
        .statement('SELECT offline_reference FROM transaction_local')
        .pluck()
        .all() as string[],
    };
  }

  /** Every row, oldest first, optionally of one status (inspection and the checker). */
  async listTransactions(
    options: { status?: SyncStatus; limit?: number; offset?: number } = {},
  ): Promise<TransactionLocal[]> {
    const limit = options.limit ?? -1;
    const offset = options.offset ?? 0;
    return options.status === undefined
      ? this.readRows(
          `SELECT ${ROW_COLUMNS} FROM transaction_local ORDER BY id LIMIT ? OFFSET ?`,
          limit,
          offset,
        )
      : this.readRows(
          `SELECT ${ROW_COLUMNS} FROM transaction_local WHERE sync_status = ? ORDER BY id LIMIT ? OFFSET ?`,
          options.status,
          limit,
          offset,
        );
  }

  /** The reference for a new sale; runs inside createTransaction's transaction. */
  private nextReference(deviceId: string, createdAtDevice: number): string {
    if (this.deps.referenceFormat === 'device-ms') return `${deviceId}-${createdAtDevice}`;
    const row = this.db.statement(NEXT_REFERENCE_SEQUENCE).get() as { value: number };
    return `${deviceId}-${createdAtDevice}-${row.value}`;
  }
}

function isUniqueViolation(error: unknown, column: string): boolean {
  return (
    error instanceof Error &&
    (error as Error & { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    error.message.includes(column)
  );
}

function matchResults(
  results: readonly ParsedSyncResult[],
  sent: readonly SentRow[],
): { row: SentRow; result: ParsedSyncResult }[] {
  const byId = new Map(sent.map((row) => [row.offlineId, row]));
  const byReference = new Map(sent.map((row) => [row.offlineReference, row]));
  const positional =
    results.length === sent.length &&
    results.every((r) => r.offlineId === null && r.offlineReference === null);
  const seen = new Set<string>();
  const matched: { row: SentRow; result: ParsedSyncResult }[] = [];
  results.forEach((result, index) => {
    const row =
      (result.offlineId !== null ? byId.get(result.offlineId) : undefined) ??
      (result.offlineReference !== null ? byReference.get(result.offlineReference) : undefined) ??
      (positional ? sent[index] : undefined);
    // A result for a row we did not send, or a second result for one row, is ignored: first answer wins.
    if (row === undefined || seen.has(row.offlineId)) return;
    seen.add(row.offlineId);
    matched.push({ row, result });
  });
  return matched;
}
