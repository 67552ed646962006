/**
 * A real backend's ledger in MySQL or MariaDB, through mysql2 (an optional dependency, loaded only when such a
 * source is opened). Read-only: the session is set READ ONLY and runs one SELECT, streamed with backpressure
 * (mysql2's query stream pauses the socket while rows wait), so the table is never one result in memory.
 *
 * Exact values: DECIMAL and BIGINT come back as strings (supportBigNumbers + bigNumberStrings) and are
 * converted exactly or refused (ledger-values.ts); JSON columns come back as text (jsonStrings) and are parsed
 * here. The password (from the DSN or the options) never appears in a description or a message.
 */
import type { Readable } from 'node:stream';
import type { ConnectionOptions, Connection as PromiseConnection, RowDataPacket } from 'mysql2/promise';
import { codeOf, isSyncsimError, messageOf } from '../../core/errors.ts';
import {
  ERR_LEDGER_ACCESS,
  ERR_LEDGER_CLOSED,
  ERR_LEDGER_DRIVER,
  ERR_LEDGER_SCHEMA,
  ERR_LEDGER_UNAVAILABLE,
} from '../errors.ts';
import type { LedgerRow } from '../ledger-row.ts';
import type { LedgerFilter, LedgerSource } from './ledger-source.ts';
import {
  DEFAULT_LEDGER_MAPPING,
  describeLedgerSpec,
  type LedgerMapping,
  type MysqlLedgerSpec,
} from './ledger-spec.ts';
import { LedgerRowReader, type RawLedgerValues } from './ledger-values.ts';
import { checkLedgerColumns, ledgerSelect } from './sql-select.ts';

/** The part of mysql2/promise this source uses; tests pass their own to simulate a missing package. */
export interface MysqlDriver {
  createConnection(options: ConnectionOptions): Promise<PromiseConnection>;
}

export interface MysqlLedgerOptions {
  readonly spec: MysqlLedgerSpec;
  /** Overrides the DSN's password (the CLI reads it from the environment). */
  readonly password?: string;
  readonly mapping?: LedgerMapping;
  readonly connectTimeoutMs?: number;
  /** Rows buffered ahead of the consumer. */
  readonly highWaterMark?: number;
  readonly loadDriver?: () => Promise<MysqlDriver>;
}

/** The callback connection under a promise one: only it can stream a query. */
interface StreamingConnection {
  query(options: { sql: string; values?: unknown[] }): {
    stream(options?: { highWaterMark?: number }): Readable;
  };
}

function isStreamingConnection(value: unknown): value is StreamingConnection {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'query') === 'function';
}

export const MYSQL_DRIVER = 'mysql2';

type MysqlModule = typeof import('mysql2/promise');

/** Loads mysql2 on first use; `importer` stands in for the import in tests (a package that is not installed). */
export async function loadMysqlDriver(
  importer: () => Promise<MysqlModule> = () => import('mysql2/promise'),
): Promise<MysqlDriver> {
  let module: MysqlModule;
  try {
    module = await importer();
  } catch (error) {
    const reason = codeOf(error) === 'ERR_MODULE_NOT_FOUND' ? 'it is not installed' : messageOf(error);
    throw new ERR_LEDGER_DRIVER(MYSQL_DRIVER, reason, { cause: error });
  }
  const createConnection = module.createConnection;
  if (typeof createConnection !== 'function')
    throw new ERR_LEDGER_DRIVER(MYSQL_DRIVER, 'it has no createConnection (an unexpected version)');
  return { createConnection };
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNRESET',
  'PROTOCOL_CONNECTION_LOST',
]);
const DENIED = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
]);

export async function openMysqlLedgerSource(options: MysqlLedgerOptions): Promise<LedgerSource> {
  const { spec } = options;
  const mapping = options.mapping ?? DEFAULT_LEDGER_MAPPING;
  const password = options.password ?? spec.password ?? undefined;
  const name = describeLedgerSpec(spec);
  const description = `${name} (table ${mapping.table})`;
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const highWaterMark = options.highWaterMark ?? 500;

  /** Driver messages may quote what they were given; the password is cut out whatever the message. */
  const scrub = (text: string): string => {
    if (password === undefined || password === '') return text;
    return [password, encodeURIComponent(password)].reduce(
      (out, secret) => out.split(secret).join('***'),
      text,
    );
  };

  const mapError = (error: unknown, what: string): Error => {
    if (isSyncsimError(error)) return error;
    const code = codeOf(error);
    const message = scrub(messageOf(error));
    const reason = `${what}: ${code !== '' && !message.includes(code) ? `${code}: ` : ''}${message}`;
    if (DENIED.has(code)) return new ERR_LEDGER_ACCESS(name, reason);
    if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR')
      return new ERR_LEDGER_SCHEMA(name, mapping.table, null, `cannot be read: ${message}`);
    const hint = UNREACHABLE.has(code) ? ' (is the database server running and reachable?)' : '';
    return new ERR_LEDGER_UNAVAILABLE(name, `${reason}${hint}`);
  };

  const driver = await (options.loadDriver ?? (() => loadMysqlDriver()))();

  const connect = async (): Promise<PromiseConnection> => {
    let connection: PromiseConnection;
    try {
      connection = await driver.createConnection({
        host: spec.host,
        port: spec.port,
        user: spec.user,
        password,
        database: spec.database,
        connectTimeout,
        ssl: spec.ssl ? { rejectUnauthorized: true } : undefined,
        supportBigNumbers: true,
        bigNumberStrings: true,
        decimalNumbers: false,
        jsonStrings: true,
        dateStrings: true,
        multipleStatements: false,
      });
    } catch (error) {
      throw mapError(error, 'cannot connect');
    }
    try {
      // A guard on top of the single SELECT: this session refuses any write.
      await connection.query('SET SESSION TRANSACTION READ ONLY');
    } catch (error) {
      connection.destroy();
      throw mapError(error, 'cannot make the session read-only');
    }
    return connection;
  };

  const checkSchema = async (connection: PromiseConnection): Promise<void> => {
    const [schema, table] = mapping.table.includes('.')
      ? (mapping.table.split('.') as [string, string])
      : [null, mapping.table];
    try {
      const [columns] = await connection.query<RowDataPacket[]>(
        'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [schema, table],
      );
      const names = columns.map((row) => String(row.name));
      let tables: string[] = [];
      if (names.length === 0) {
        const [rows] = await connection.query<RowDataPacket[]>(
          'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) ORDER BY TABLE_NAME',
          [schema],
        );
        tables = rows.map((row) => String(row.name));
      }
      checkLedgerColumns(name, mapping, names.length === 0 ? null : names, tables);
    } catch (error) {
      throw mapError(error, 'cannot read the table definition');
    }
  };

  const probe = await connect();
  try {
    await checkSchema(probe);
  } finally {
    probe.destroy();
  }

  const active = new Set<PromiseConnection>();
  let closed = false;
  let lastWarnings: readonly string[] = [];

  async function* read(filter?: LedgerFilter): AsyncGenerator<LedgerRow> {
    if (closed) throw new ERR_LEDGER_CLOSED(description);
    const ids = filter?.deviceIds;
    const byDevice = ids !== undefined && mapping.columns.deviceId !== null;
    const reader = new LedgerRowReader(name);
    // `IN ()` is not SQL; no devices means no rows.
    if (byDevice && ids.size === 0) {
      lastWarnings = [];
      return;
    }
    const connection = await connect();
    active.add(connection);
    let finished = false;
    try {
      const core: unknown = Reflect.get(connection, 'connection');
      if (!isStreamingConnection(core))
        throw new ERR_LEDGER_DRIVER(MYSQL_DRIVER, 'its promise connection exposes no streaming connection');
      const sql = ledgerSelect(mapping, 'mysql', byDevice);
      const stream = core.query(byDevice ? { sql, values: [[...ids]] } : { sql }).stream({ highWaterMark });
      try {
        const rows = stream[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<RawLedgerValues>;
          try {
            next = await rows.next();
          } catch (error) {
            if (closed) throw new ERR_LEDGER_CLOSED(description);
            throw mapError(error, 'the SELECT failed');
          }
          if (next.done) break;
          yield reader.read(next.value);
        }
      } finally {
        stream.destroy();
      }
      if (closed) throw new ERR_LEDGER_CLOSED(description);
      finished = true;
      lastWarnings = reader.warnings();
    } finally {
      active.delete(connection);
      // A read left early still has rows on the wire: only destroy() stops them; a finished one ends politely.
      if (finished) await connection.end().catch(() => connection.destroy());
      else connection.destroy();
    }
  }

  return {
    description,
    read,
    warnings: () => lastWarnings,
    async close() {
      closed = true;
      for (const connection of active) connection.destroy();
      active.clear();
    },
  };
}
