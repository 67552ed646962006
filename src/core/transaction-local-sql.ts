/**
 * The SQL of the store's writes on the sync path (a sale, a claim, an apply), in one place: the store runs
 * them, and the benchmark floor (bench/child/sim-floor.ts) runs the very same statements without the
 * simulator, so the two cannot drift apart.
 */
import type { CrashHook } from './crash-points.ts';
import type { DeviceDatabase } from './device-database.ts';
import type { RowOutcome } from './events.ts';
import type { SyncStatus, TransactionLocal } from './transaction-local.ts';

/**
 * Statements bind positionally: better-sqlite3 binds a named parameter by looking the name up on the object
 * (a property lookup through V8's runtime per column), ~1 us more per 14-column insert than positional values.
 */
const INSERT_SALE = `INSERT INTO transaction_local (offline_id, offline_reference, device_id, branch_code,
  id_user_apps, grand_total, subtotal, discount_total, tax_total, status, payment_status, payment_method,
  sync_status, created_at_device, items_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`;

/** The columns of a new sale, as the store writes them (the rest start as a pending row's defaults). */
export type SaleColumns = Pick<
  TransactionLocal,
  | 'offlineId'
  | 'offlineReference'
  | 'deviceId'
  | 'branchCode'
  | 'idUserApps'
  | 'grandTotal'
  | 'subtotal'
  | 'discountTotal'
  | 'taxTotal'
  | 'status'
  | 'paymentStatus'
  | 'paymentMethod'
  | 'createdAtDevice'
  | 'itemsJson'
>;

/** Inserts a sale as `pending`; returns its rowid. */
export function insertSale(db: DeviceDatabase, sale: SaleColumns): number {
  const info = db
    .statement(INSERT_SALE)
    .run(
      sale.offlineId,
      sale.offlineReference,
      sale.deviceId,
      sale.branchCode,
      sale.idUserApps,
      sale.grandTotal,
      sale.subtotal,
      sale.discountTotal,
      sale.taxTotal,
      sale.status,
      sale.paymentStatus,
      sale.paymentMethod,
      sale.createdAtDevice,
      sale.itemsJson,
    );
  return Number(info.lastInsertRowid);
}

/** The next value of the device's persisted reference sequence (referenceFormat device-ms-seq). */
export const NEXT_REFERENCE_SEQUENCE = `INSERT INTO device_meta (key, value) VALUES ('reference_sequence', 1)
  ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`;

/**
 * The spec's updateSyncStatus: one row by offline id. To `syncing` stamps claimed_at and counts an attempt; to
 * `synced`, synced_at (the stamps go in as null otherwise, and COALESCE keeps the column). Returns the row's id
 * for the core's events.
 */
const SET_SYNC_STATUS = `UPDATE transaction_local SET sync_status = ?, server_id = COALESCE(?, server_id),
  transaction_code = COALESCE(?, transaction_code), last_error = ?, claimed_at = COALESCE(?, claimed_at),
  synced_at = COALESCE(?, synced_at), sync_attempts = sync_attempts + ? WHERE offline_id = ? RETURNING id`;

export interface SyncStatusUpdate {
  readonly offlineId: string;
  readonly status: SyncStatus;
  readonly serverId?: number | null;
  readonly transactionCode?: string | null;
  readonly error?: string | null;
}

/** Returns the row's id, or null when no row has that offline id. */
export function setSyncStatus(db: DeviceDatabase, update: SyncStatusUpdate, now: number): number | null {
  const claiming = update.status === 'syncing';
  const changed = db
    .statement(SET_SYNC_STATUS)
    .get(
      update.status,
      update.serverId ?? null,
      update.transactionCode ?? null,
      update.error ?? null,
      claiming ? now : null,
      update.status === 'synced' ? now : null,
      claiming ? 1 : 0,
      update.offlineId,
    ) as { id: number } | undefined;
  return changed === undefined ? null : changed.id;
}

/**
 * Ids go in as one JSON array parameter: one prepared statement whatever the batch size (a statement per
 * distinct `IN (?, ?, ...)` length would pile up in the statement cache), and no limit on bound variables.
 * Put with a status test written `+sync_status = ...`: the unary plus keeps SQLite from walking the status
 * index, which visits every row of that status (a claim of 100 rows out of a 3,000-row backlog cost 1.5 ms
 * that way, 0.8 ms looking up the 100 ids).
 */
export const OFFLINE_IDS = 'offline_id IN (SELECT value FROM json_each(?))';

/**
 * The atomic claim: only rows still `pending` move to `syncing`. Rows are named by rowid (the claim has just
 * read them): one b-tree seek each instead of two through the offline_id index.
 */
export const CLAIM_ROWS = `UPDATE transaction_local SET sync_status = 'syncing', claimed_at = ?,
  sync_attempts = sync_attempts + 1
  WHERE id IN (SELECT value FROM json_each(?)) AND +sync_status = 'pending' RETURNING id`;

/** One result applied to one row (synced_at goes in as null unless the row is synced). */
const APPLY_ONE = `UPDATE transaction_local SET sync_status = ?, server_id = COALESCE(?, server_id),
  transaction_code = COALESCE(?, transaction_code), last_error = ?, synced_at = COALESCE(?, synced_at)
  WHERE id = ?`;

/**
 * Every result of a batch in one statement, as one JSON array of [id, status, server_id, transaction_code,
 * error]: a 100-row apply 0.77 -> 0.5 ms. Starting it costs more than one row's UPDATE, so batches under
 * APPLY_ALL_MIN_ROWS (virtual-time runs send mostly one row) take APPLY_ONE per row.
 */
const APPLY_ALL = `UPDATE transaction_local SET sync_status = r.value ->> 1,
  server_id = COALESCE(r.value ->> 2, server_id), transaction_code = COALESCE(r.value ->> 3, transaction_code),
  last_error = r.value ->> 4, synced_at = CASE WHEN r.value ->> 1 = 'synced' THEN @now ELSE synced_at END
  FROM json_each(@results) AS r WHERE transaction_local.id = r.value ->> 0`;
const APPLY_ALL_MIN_ROWS = 8;

/** What applying one result writes to its row. */
export interface ApplyWrite {
  /** The row's id (rowid). */
  readonly id: number;
  readonly status: RowOutcome['status'];
  readonly serverId: number | null;
  readonly transactionCode: string | null;
  readonly error: string | null;
}

/**
 * Writes a batch's results; call inside a transaction. `mid-apply` is reached with some rows written: a crash
 * there rolls all of them back (halfway through the rows one by one, or after the one statement).
 */
export function applyWrites(
  db: DeviceDatabase,
  writes: readonly ApplyWrite[],
  now: number,
  crash: CrashHook,
): void {
  if (writes.length >= APPLY_ALL_MIN_ROWS) {
    const tuples = writes.map((w) => [w.id, w.status, w.serverId, w.transactionCode, w.error]);
    db.statement(APPLY_ALL).run({ now, results: JSON.stringify(tuples) });
    crash.reached('mid-apply');
    return;
  }
  const update = db.statement(APPLY_ONE);
  const halfway = Math.floor(writes.length / 2);
  writes.forEach((w, index) => {
    if (index === halfway && index > 0) crash.reached('mid-apply');
    update.run(w.status, w.serverId, w.transactionCode, w.error, w.status === 'synced' ? now : null, w.id);
  });
  if (writes.length === 1) crash.reached('mid-apply');
}
