/**
 * The server ledger: one SQLite table, `pos_transactions`, in a file (WAL) or in memory, with the spec's
 * de-duplication modes and commit granularities.
 *
 * better-sqlite3 is synchronous and this process holds one connection, so every database transaction runs to
 * its end without interleaving. The only place requests interleave is check-then-insert's gap between the
 * SELECT and the INSERT, a clock.sleep: exactly the race a backend without a unique index has.
 */
import Database from 'better-sqlite3';
import { codeOf, isStorageFailure, messageOf } from '../core/errors.ts';
import type { Clock } from '../core/ports.ts';
import type { LedgerEntry, SyncItem, SyncTransaction } from '../core/protocol.ts';
import { StorageError } from './errors.ts';
import { type DedupeKey, MEMORY_DB, type StorageOptions } from './options.ts';

export const LEDGER_TABLE = 'pos_transactions';

/** What happened to one row that reached the database. */
export interface RowCommit {
  readonly outcome: 'stored' | 'duplicate';
  readonly serverId: number;
  readonly transactionCode: string;
}

export interface LedgerQuery {
  readonly deviceId?: string | undefined;
  /** Only rows with a greater server_id (paging cursor). */
  readonly after?: number | undefined;
  readonly limit?: number | undefined;
}

export interface LedgerPage {
  readonly entries: LedgerEntry[];
  /** The cursor for the next page, or null when this page is the last. */
  readonly nextAfter: number | null;
}

export interface Ledger {
  readonly file: string;
  readonly options: StorageOptions;
  /** One database transaction for the rows (check-then-insert: all SELECTs, the gap, then the INSERTs). */
  commitBatch(rows: readonly SyncTransaction[]): Promise<RowCommit[]>;
  /** One database transaction for one row. */
  commitRow(row: SyncTransaction): Promise<RowCommit>;
  page(query?: LedgerQuery): LedgerPage;
  /** Every entry in server_id order, read a page at a time (no statement stays open between pages). */
  entries(query?: Omit<LedgerQuery, 'limit'>): Generator<LedgerEntry>;
  /**
   * Every row's compared columns (KeptRow), in server_id order, a page at a time: what a checker of many rows
   * holds. Raw arrays of ten columns read at ~4 us a row, against ~10 us for whole rows as objects.
   */
  keptRows(): Generator<KeptRow>;
  /** The same, as NDJSON text, one chunk per page. */
  ndjsonChunks(query?: Omit<LedgerQuery, 'limit'>): Generator<string>;
  count(deviceId?: string): number;
  /** Deletes every row and restarts server_id at 1. */
  clear(): void;
  close(): void;
  readonly closed: boolean;
}

export const DEFAULT_PAGE_SIZE = 1000;
export const MAX_PAGE_SIZE = 10_000;

/** The stored columns, in the wire order (LedgerEntrySchema). */
export interface LedgerRow {
  server_id: number;
  transaction_code: string;
  received_at: string;
  offline_id: string;
  offline_reference: string;
  device_id: string;
  branch_code: string;
  id_user_apps: number;
  grand_total: number;
  subtotal: number;
  discount_total: number;
  tax_total: number;
  status: string;
  payment_status: string;
  payment_method: string;
  created_at_device: string;
  items_json: string;
}

/** What a checker compares of a stored row, in KEPT_COLUMNS order; items as their JSON text. */
export type KeptRow = [
  serverId: number,
  offlineId: string,
  offlineReference: string,
  deviceId: string,
  grandTotal: number,
  subtotal: number,
  discountTotal: number,
  taxTotal: number,
  itemsJson: string,
  transactionCode: string,
];
const KEPT_COLUMNS = `server_id, offline_id, offline_reference, device_id, grand_total, subtotal, discount_total,
  tax_total, items_json, transaction_code`;

/** A new row's values in INSERT_COLUMNS order, after the transaction code (bound positionally: see insertParams). */
export type InsertParams = [
  receivedAt: string,
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
  createdAtDevice: string,
  itemsJson: string,
];

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  server_id INTEGER PRIMARY KEY AUTOINCREMENT,
  transaction_code TEXT NOT NULL,
  received_at TEXT NOT NULL,
  offline_id TEXT NOT NULL,
  offline_reference TEXT NOT NULL,
  device_id TEXT NOT NULL,
  branch_code TEXT NOT NULL,
  id_user_apps INTEGER NOT NULL,
  -- REAL holds the wire's double exactly, so device and server values compare with ===.
  grand_total REAL NOT NULL,
  subtotal REAL NOT NULL,
  discount_total REAL NOT NULL,
  tax_total REAL NOT NULL,
  status TEXT NOT NULL,
  payment_status TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  created_at_device TEXT NOT NULL,
  items_json TEXT NOT NULL
);
`;
const CREATE_DEVICE_INDEX = `CREATE INDEX IF NOT EXISTS ${LEDGER_TABLE}_device ON ${LEDGER_TABLE} (device_id, server_id)`;

const INSERT_COLUMNS =
  'transaction_code, received_at, offline_id, offline_reference, device_id, branch_code, id_user_apps, grand_total, ' +
  'subtotal, discount_total, tax_total, status, payment_status, payment_method, created_at_device, items_json';
const INSERT_VALUES = "'', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";
/** A new row, its values from insertParams; the ledger adds its conflict rule and RETURNING to it. */
export const INSERT_ROW = `INSERT INTO ${LEDGER_TABLE} (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})`;

export function transactionCodeFor(serverId: number): string {
  return `TRX-${String(serverId).padStart(10, '0')}`;
}

/** The items as stored: the five wire fields in wire order, nothing else a client may have added. */
export function itemsJsonOf(items: readonly SyncItem[]): string {
  return JSON.stringify(
    items.map((item) => ({
      product_id: item.product_id,
      product_name: item.product_name,
      quantity: item.quantity,
      price: item.price,
      subtotal: item.subtotal,
    })),
  );
}

/**
 * Positional, not named: better-sqlite3 binds a named parameter with a property lookup through V8's runtime
 * per column, ~1 us more per 15-column insert.
 */
export function insertParams(row: SyncTransaction, receivedAt: string): InsertParams {
  return [
    receivedAt,
    row.offline_id,
    row.offline_reference,
    row.device_id,
    row.branch_code,
    row.id_user_apps,
    row.grand_total,
    row.subtotal,
    row.discount_total,
    row.tax_total,
    row.status,
    row.payment_status,
    row.payment_method,
    row.created_at_device,
    itemsJsonOf(row.items),
  ];
}

function entryHead(row: LedgerRow): Omit<LedgerEntry, 'items'> {
  return {
    server_id: row.server_id,
    transaction_code: row.transaction_code,
    received_at: row.received_at,
    offline_id: row.offline_id,
    offline_reference: row.offline_reference,
    device_id: row.device_id,
    branch_code: row.branch_code,
    id_user_apps: row.id_user_apps,
    grand_total: row.grand_total,
    subtotal: row.subtotal,
    discount_total: row.discount_total,
    tax_total: row.tax_total,
    status: row.status,
    payment_status: row.payment_status,
    payment_method: row.payment_method,
    created_at_device: row.created_at_device,
  };
}

export function toLedgerEntry(row: LedgerRow): LedgerEntry {
  const items: SyncItem[] = JSON.parse(row.items_json);
  return { ...entryHead(row), items };
}

/** One NDJSON line, byte for byte what JSON.stringify(toLedgerEntry(row)) gives, without re-parsing the items. */
export function toNdjsonLine(row: LedgerRow): string {
  const head = JSON.stringify(entryHead(row));
  return `${head.slice(0, -1)},"items":${row.items_json}}\n`;
}

const KEY_COLUMNS: readonly DedupeKey[] = ['offline_reference', 'offline_id'];

/** Makes the key indexes match the mode: unique for `unique`, a plain index otherwise (a fast SELECT, no guard). */
function reconcileIndexes(db: Database.Database, options: StorageOptions): void {
  for (const column of KEY_COLUMNS) {
    const wantUnique = options.dedupe === 'unique' && column === options.key;
    const wantPlain = options.dedupe !== 'unique' && column === options.key;
    if (!wantUnique) db.exec(`DROP INDEX IF EXISTS ${LEDGER_TABLE}_${column}_unique`);
    if (!wantPlain) db.exec(`DROP INDEX IF EXISTS ${LEDGER_TABLE}_${column}`);
    if (wantUnique) {
      try {
        db.exec(
          `CREATE UNIQUE INDEX IF NOT EXISTS ${LEDGER_TABLE}_${column}_unique ON ${LEDGER_TABLE} (${column})`,
        );
      } catch (error) {
        throw new StorageError(
          options.file,
          `the ledger already holds repeated ${column} values, so unique mode cannot index it (use a fresh file): ${messageOf(
            error,
          )}`,
        );
      }
    }
    if (wantPlain)
      db.exec(`CREATE INDEX IF NOT EXISTS ${LEDGER_TABLE}_${column} ON ${LEDGER_TABLE} (${column})`);
  }
}

/** A file whose table of that name was made by something else is refused by name, not failed on later. */
function checkTableShape(db: Database.Database, file: string): void {
  try {
    db.prepare(`SELECT server_id, ${INSERT_COLUMNS} FROM ${LEDGER_TABLE} LIMIT 0`);
  } catch (error) {
    throw new StorageError(
      file,
      `its table ${LEDGER_TABLE} was not made by syncsim (${messageOf(error)}): use a fresh file`,
      { cause: error },
    );
  }
}

/** Deletes every row and restarts AUTOINCREMENT, so server_id starts at 1 again. */
function clearTable(db: Database.Database): void {
  db.exec(`DELETE FROM ${LEDGER_TABLE}`);
  db.prepare('DELETE FROM sqlite_sequence WHERE name = ?').run(LEDGER_TABLE);
}

function openDatabase(options: StorageOptions): Database.Database {
  try {
    const db = new Database(options.file);
    if (options.file !== MEMORY_DB) {
      // Before the journal mode: in WAL, exclusive locking keeps the WAL index in memory (no -shm file).
      if (options.locking === 'exclusive') db.pragma('locking_mode = EXCLUSIVE');
      db.pragma(`journal_mode = ${options.journal === 'wal' ? 'WAL' : 'DELETE'}`);
      // WAL + NORMAL survives a crash of this process; DELETE needs FULL for the same guarantee.
      db.pragma(
        `synchronous = ${options.synchronous === 'off' ? 'OFF' : options.journal === 'wal' ? 'NORMAL' : 'FULL'}`,
      );
      // A lock held by another process blocks this thread while SQLite waits: keep the wait short.
      db.pragma('busy_timeout = 1000');
    }
    if (options.cacheKib !== null) db.pragma(`cache_size = ${-options.cacheKib}`);
    return db;
  } catch (error) {
    throw new StorageError(options.file, messageOf(error), {
      cause: error,
    });
  }
}

/** A check-then-insert decision taken before the gap. */
type Check =
  | { kind: 'insert' }
  | { kind: 'existing'; commit: RowCommit }
  | { kind: 'same-as'; index: number };

export function openLedger(options: StorageOptions, clock: Clock): Ledger {
  const db = openDatabase(options);
  try {
    db.exec(CREATE_TABLE);
    checkTableShape(db, options.file);
    db.exec(CREATE_DEVICE_INDEX);
    // Emptied before the indexes are made, so that a fresh unique ledger can reuse a file that holds repeats.
    if (options.fresh) clearTable(db);
    reconcileIndexes(db, options);
  } catch (error) {
    db.close();
    throw error;
  }

  const key = options.key;
  const insertPlain = db.prepare<InsertParams, { server_id: number }>(`${INSERT_ROW} RETURNING server_id`);
  const insertUnique =
    options.dedupe === 'unique'
      ? db.prepare<InsertParams, { server_id: number }>(
          `${INSERT_ROW} ON CONFLICT (${key}) DO NOTHING RETURNING server_id`,
        )
      : null;
  const setCode = db.prepare<[string, number]>(
    `UPDATE ${LEDGER_TABLE} SET transaction_code = ? WHERE server_id = ?`,
  );
  const selectByKey = db.prepare<[string], { server_id: number; transaction_code: string }>(
    `SELECT server_id, transaction_code FROM ${LEDGER_TABLE} WHERE ${key} = ? ORDER BY server_id LIMIT 1`,
  );
  const pageAll = db.prepare<[number, number], LedgerRow>(
    `SELECT * FROM ${LEDGER_TABLE} WHERE server_id > ? ORDER BY server_id LIMIT ?`,
  );
  const pageKept = db
    .prepare<[number, number], KeptRow>(
      `SELECT ${KEPT_COLUMNS} FROM ${LEDGER_TABLE} WHERE server_id > ? ORDER BY server_id LIMIT ?`,
    )
    .raw(true);
  const pageDevice = db.prepare<[string, number, number], LedgerRow>(
    `SELECT * FROM ${LEDGER_TABLE} WHERE device_id = ? AND server_id > ? ORDER BY server_id LIMIT ?`,
  );
  const countAll = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${LEDGER_TABLE}`);
  const countDevice = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM ${LEDGER_TABLE} WHERE device_id = ?`,
  );

  const clearAll = db.transaction(() => clearTable(db));

  /**
   * A write the database refuses for a reason outside this server (another process holds the file, the disk is
   * full): a 503 naming the file, not a 500 "bug" with a stack trace.
   */
  const guard = <T>(write: () => T): T => {
    try {
      return write();
    } catch (error) {
      const code = codeOf(error);
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
        throw new StorageError(options.file, 'the ledger is locked by another process', { cause: error });
      if (isStorageFailure(error)) throw new StorageError(options.file, messageOf(error), { cause: error });
      throw error;
    }
  };

  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new StorageError(options.file, 'the ledger is closed (the server is shutting down)');
  };
  const receivedAt = (): string => new Date(clock.now()).toISOString();

  const insertNew = (row: SyncTransaction, at: string): RowCommit => {
    const { server_id: serverId } = insertPlain.get(...insertParams(row, at))!;
    const transactionCode = transactionCodeFor(serverId);
    setCode.run(transactionCode, serverId);
    return { outcome: 'stored', serverId, transactionCode };
  };

  const existing = (row: SyncTransaction): RowCommit | null => {
    const found = selectByKey.get(row[key]);
    return found
      ? { outcome: 'duplicate', serverId: found.server_id, transactionCode: found.transaction_code }
      : null;
  };

  /** unique and none: the decision and the write are one synchronous step. */
  const writeOne = (row: SyncTransaction, at: string): RowCommit => {
    if (!insertUnique) return insertNew(row, at);
    const inserted = insertUnique.get(...insertParams(row, at));
    if (!inserted) return existing(row)!;
    const transactionCode = transactionCodeFor(inserted.server_id);
    setCode.run(transactionCode, inserted.server_id);
    return { outcome: 'stored', serverId: inserted.server_id, transactionCode };
  };

  const writeAll = db.transaction((rows: readonly SyncTransaction[], at: string) =>
    rows.map((row) => writeOne(row, at)),
  );
  const writeOneTx = db.transaction((row: SyncTransaction, at: string) => writeOne(row, at));
  const insertNewTx = db.transaction((row: SyncTransaction, at: string) => insertNew(row, at));

  /** check-then-insert, before the gap: what the SELECTs found, and repeats within the batch. */
  const checkAll = (rows: readonly SyncTransaction[]): Check[] => {
    const firstIndex = new Map<string, number>();
    return rows.map((row, index): Check => {
      const found = existing(row);
      if (found) return { kind: 'existing', commit: found };
      const first = firstIndex.get(row[key]);
      if (first !== undefined) return { kind: 'same-as', index: first };
      firstIndex.set(row[key], index);
      return { kind: 'insert' };
    });
  };

  const insertChecked = db.transaction(
    (rows: readonly SyncTransaction[], checks: readonly Check[], at: string) => {
      const commits: RowCommit[] = [];
      rows.forEach((row, index) => {
        const check = checks[index]!;
        if (check.kind === 'existing') commits.push(check.commit);
        else if (check.kind === 'insert') commits.push(insertNew(row, at));
        else {
          const first = commits[check.index]!;
          commits.push({
            outcome: 'duplicate',
            serverId: first.serverId,
            transactionCode: first.transactionCode,
          });
        }
      });
      return commits;
    },
  );

  const runPage = (query: LedgerQuery, limit: number): LedgerRow[] => {
    ensureOpen();
    const after = query.after ?? 0;
    return query.deviceId === undefined
      ? pageAll.all(after, limit)
      : pageDevice.all(query.deviceId, after, limit);
  };

  /** Pages after the cursor until one comes back short; no statement stays open between pages. */
  function* paged<T>(read: (after: number) => T[], idOf: (row: T) => number, from = 0): Generator<T[]> {
    let after = from;
    for (;;) {
      const rows = read(after);
      if (rows.length > 0) yield rows;
      if (rows.length < DEFAULT_PAGE_SIZE) return;
      after = idOf(rows[rows.length - 1]!);
    }
  }

  const pages = (query: Omit<LedgerQuery, 'limit'>): Generator<LedgerRow[]> =>
    paged(
      (after) => runPage({ ...query, after }, DEFAULT_PAGE_SIZE),
      (row) => row.server_id,
      query.after ?? 0,
    );

  return {
    file: options.file,
    options,
    async commitBatch(rows) {
      ensureOpen();
      if (rows.length === 0) return [];
      if (options.dedupe !== 'check-then-insert') return guard(() => writeAll(rows, receivedAt()));
      const checks = guard(() => checkAll(rows));
      await clock.sleep(options.checkGapMs);
      ensureOpen();
      return guard(() => insertChecked(rows, checks, receivedAt()));
    },
    async commitRow(row) {
      ensureOpen();
      if (options.dedupe !== 'check-then-insert') return guard(() => writeOneTx(row, receivedAt()));
      const found = guard(() => existing(row));
      await clock.sleep(options.checkGapMs);
      ensureOpen();
      return found ?? guard(() => insertNewTx(row, receivedAt()));
    },
    page(query = {}) {
      const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
      const rows = runPage(query, limit);
      const last = rows[rows.length - 1];
      return {
        entries: rows.map(toLedgerEntry),
        nextAfter: rows.length === limit && last ? last.server_id : null,
      };
    },
    *entries(query = {}) {
      for (const rows of pages(query)) yield* rows.map(toLedgerEntry);
    },
    *keptRows() {
      const read = (after: number) => {
        ensureOpen();
        return pageKept.all(after, DEFAULT_PAGE_SIZE);
      };
      for (const rows of paged(read, (row) => row[0])) yield* rows;
    },
    *ndjsonChunks(query = {}) {
      for (const rows of pages(query)) yield rows.map(toNdjsonLine).join('');
    },
    count(deviceId) {
      ensureOpen();
      return (deviceId === undefined ? countAll.get() : countDevice.get(deviceId))?.n ?? 0;
    },
    clear() {
      ensureOpen();
      clearAll();
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
    get closed() {
      return closed;
    },
  };
}
