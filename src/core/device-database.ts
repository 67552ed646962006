/**
 * One device's SQLite file: opened lazily with the pragmas a POS wants (WAL, synchronous=NORMAL, a busy
 * timeout, a small page cache because a thousand devices share one process; a simulator may trade the
 * journal and fsyncs for speed, see the options), migrated with
 * `PRAGMA user_version`, and closable at any moment between two statements so that the simulator can keep
 * only some files open (the open-files limit) without the store noticing.
 */
import Database from 'better-sqlite3';
import {
  codeOf,
  ERR_DEVICE_DB_DISPOSED,
  ERR_DEVICE_DB_OPEN,
  ERR_DEVICE_DB_VERSION,
  messageOf,
} from './errors.ts';

type Statement = Database.Statement;

/** Each migration moves the file from version (index) to version (index + 1). Never edit one that shipped. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE transaction_local (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    offline_id TEXT NOT NULL UNIQUE,
    offline_reference TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    branch_code TEXT NOT NULL,
    id_user_apps INTEGER NOT NULL,
    -- Money in integer minor units (cents): sums are exact and round-trip to the wire's decimals.
    grand_total INTEGER NOT NULL,
    subtotal INTEGER NOT NULL,
    discount_total INTEGER NOT NULL,
    tax_total INTEGER NOT NULL,
    status TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    sync_status TEXT NOT NULL DEFAULT 'pending'
      CHECK (sync_status IN ('pending', 'syncing', 'synced', 'failed')),
    server_id INTEGER,
    transaction_code TEXT,
    -- Epoch milliseconds on the device's own clock.
    created_at_device INTEGER NOT NULL,
    items_json TEXT NOT NULL,
    sync_attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_at INTEGER,
    synced_at INTEGER
  );
  CREATE INDEX transaction_local_by_status ON transaction_local (sync_status, id);
  -- Per-device counters that must survive restarts and clock changes (the reference sequence).
  CREATE TABLE device_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface DeviceDatabaseOptions {
  /** Page cache per connection, KiB. */
  readonly cacheKib?: number;
  readonly busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous`: NORMAL (default: what a POS ships with; a power cut loses nothing committed
   * before the last checkpoint) or OFF (no fsync: committed transactions still survive a crash of the
   * process, only an OS crash or power cut can lose them, which is all a simulator of app crashes needs).
   */
  readonly synchronous?: 'normal' | 'off';
  /**
   * The rollback journal. `wal` (default): what a POS ships with; other processes may read the file while the
   * app writes. `memory`: the journal lives in memory and the connection holds the file exclusively (no lock
   * calls, no -wal or -shm file, one descriptor): each write transaction costs about half as much, and a
   * thrown error or a closed connection still rolls back exactly as with WAL, so a simulator that stops apps
   * in-process sees the same behaviour. Only a kill of the whole process in the middle of a write can leave
   * the file corrupt, so this is for files one harness owns, never for a real till.
   */
  readonly journal?: 'wal' | 'memory';
  /** Page size of a file this connection creates (SQLite's default 4096); an existing file keeps its own. */
  readonly pageSize?: number;
  /** Open read-only (inspection); the file must exist and be migrated. */
  readonly readonly?: boolean;
  /** Called on every access, so a pool can track recency and close other files. */
  readonly onAccess?: (database: DeviceDatabase) => void;
}

export class DeviceDatabase {
  readonly path: string;
  private readonly options: DeviceDatabaseOptions;
  /** Kept apart from the options: read at every statement, and options objects come in many shapes. */
  private readonly onAccess: ((database: DeviceDatabase) => void) | null;
  private db: Database.Database | null = null;
  private disposed = false;
  private statements = new Map<string, Statement>();
  /** One transaction wrapper per connection: better-sqlite3 compiles a new one on every db.transaction(fn). */
  private runInTransaction: ((fn: () => unknown) => unknown) | null = null;

  constructor(path: string, options: DeviceDatabaseOptions = {}) {
    this.path = path;
    this.options = options;
    this.onAccess = options.onAccess ?? null;
  }

  get isOpen(): boolean {
    return this.db !== null;
  }

  /** The open connection, opening and migrating the file first if needed. */
  connection(): Database.Database {
    if (this.disposed) throw new ERR_DEVICE_DB_DISPOSED(this.path);
    const db = this.db ?? this.open();
    this.onAccess?.(this);
    return db;
  }

  /** A prepared statement, cached for the life of the current connection. */
  statement(sql: string): Statement {
    const db = this.connection();
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs fn in one SQLite transaction: all of its writes commit, or (if it throws) none do. */
  transaction<T>(fn: () => T): T {
    const db = this.connection();
    this.runInTransaction ??= db.transaction((work: () => unknown) => work());
    return this.runInTransaction(fn) as T;
  }

  close(): void {
    const db = this.db;
    this.db = null;
    this.statements = new Map();
    this.runInTransaction = null;
    if (db?.open) db.close();
  }

  /** Closes for good: any later access throws (a crashed device's leftovers must never touch the file again). */
  dispose(): void {
    this.disposed = true;
    this.close();
  }

  /** `PRAGMA integrity_check`: 'ok' for a healthy file. */
  integrityCheck(): string {
    return String(this.connection().pragma('integrity_check', { simple: true }));
  }

  private open(): Database.Database {
    let db: Database.Database;
    try {
      db = new Database(this.path, {
        readonly: this.options.readonly === true,
        fileMustExist: this.options.readonly === true,
      });
    } catch (error) {
      throw new ERR_DEVICE_DB_OPEN(this.path, openProblem(error), { cause: error });
    }
    try {
      db.pragma(`busy_timeout = ${Math.floor(this.options.busyTimeoutMs ?? 5_000)}`);
      if (!this.options.readonly) {
        // Before anything reads the file: the page size of a new file and the lock mode take effect only then.
        if (this.options.pageSize !== undefined)
          db.pragma(`page_size = ${Math.floor(this.options.pageSize)}`);
        if (this.options.journal === 'memory') {
          db.pragma('locking_mode = EXCLUSIVE');
          db.pragma('journal_mode = MEMORY');
        } else {
          db.pragma('journal_mode = WAL');
        }
        db.pragma(`synchronous = ${this.options.synchronous === 'off' ? 'OFF' : 'NORMAL'}`);
      }
      db.pragma(`cache_size = ${-Math.floor(this.options.cacheKib ?? 64)}`);
      migrate(db, this.path, this.options.readonly === true);
    } catch (error) {
      db.close();
      if (error instanceof ERR_DEVICE_DB_VERSION) throw error;
      throw new ERR_DEVICE_DB_OPEN(this.path, openProblem(error), { cause: error });
    }
    this.db = db;
    return db;
  }
}

/** What an unmigrated file holds instead, so that a user who opened the wrong file sees which one it is. */
function tablesOf(db: Database.Database): string {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return names.length === 0 ? 'it holds no tables' : `it holds other tables (${names.join(', ')})`;
}

function migrate(db: Database.Database, path: string, readonly: boolean): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) throw new ERR_DEVICE_DB_VERSION(path, version, SCHEMA_VERSION);
  if (version === SCHEMA_VERSION) return;
  if (readonly && version === 0) throw new Error(`not a syncsim device file: ${tablesOf(db)}`);
  if (readonly)
    throw new Error(`schema version ${version} is older than ${SCHEMA_VERSION} and the file is read-only`);
  db.transaction(() => {
    for (let next = version; next < SCHEMA_VERSION; next++) {
      db.exec(MIGRATIONS[next] as string);
      db.pragma(`user_version = ${next + 1}`);
    }
  })();
}

/** SQLite says only "unable to open database file" when the process is out of descriptors: say that too. */
function openProblem(error: unknown): string {
  return codeOf(error) === 'SQLITE_CANTOPEN'
    ? `${messageOf(error)} (is the process out of open files? see \`ulimit -n\`)`
    : messageOf(error);
}
