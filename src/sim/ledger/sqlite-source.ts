/**
 * A backend's ledger in a SQLite file, read-only: `syncsim serve --db server.sqlite` (no mapping needed) or a
 * real backend's table (mapping). The file is opened with readonly and fileMustExist, so it is never created
 * or written; a backend still writing to it (WAL) is fine, each read sees one consistent snapshot.
 *
 * Each read opens its own connection and runs one SELECT through iterate(), one row at a time, so reads may
 * overlap and a large table is never held as one result.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { codeOf, isSyncsimError, messageOf } from '../../core/errors.ts';
import { ERR_LEDGER_CLOSED, ERR_LEDGER_UNAVAILABLE } from '../errors.ts';
import type { LedgerRow } from '../ledger-row.ts';
import type { LedgerFilter, LedgerSource } from './ledger-source.ts';
import { DEFAULT_LEDGER_MAPPING, type LedgerMapping } from './ledger-spec.ts';
import { LedgerRowReader, type RawLedgerValues } from './ledger-values.ts';
import { checkLedgerColumns, ledgerSelect, quoteName } from './sql-select.ts';

export interface SqliteLedgerOptions {
  /** The database file; relative to the working directory. */
  readonly path: string;
  /** Table and columns (resolveLedgerMapping); default: the fake backend's table. */
  readonly mapping?: LedgerMapping;
  /** How long to wait for a writer's lock before failing, ms. */
  readonly busyTimeoutMs?: number;
}

interface ActiveRead {
  readonly db: Database.Database;
  iterator: IterableIterator<unknown> | null;
}

function unavailable(name: string, error: unknown): Error {
  if (isSyncsimError(error)) return error;
  const code = codeOf(error);
  const reason =
    code === 'SQLITE_NOTADB'
      ? 'the file is not a SQLite database'
      : code === 'SQLITE_CANTOPEN'
        ? `cannot open the file (${messageOf(error)})`
        : messageOf(error);
  return new ERR_LEDGER_UNAVAILABLE(name, reason, { cause: error });
}

/**
 * Opens the file once to check that it is a database holding the mapped table and columns (so a wrong
 * name fails before the run, not after it), then returns the source.
 */
export async function openSqliteLedgerSource(options: SqliteLedgerOptions): Promise<LedgerSource> {
  const mapping = options.mapping ?? DEFAULT_LEDGER_MAPPING;
  const file = resolve(options.path);
  const name = `sqlite:${options.path}`;
  const description =
    mapping.table === DEFAULT_LEDGER_MAPPING.table ? name : `${name} (table ${mapping.table})`;
  const timeout = options.busyTimeoutMs ?? 5_000;

  const openDb = (): Database.Database => {
    // Checked first: SQLite's own "unable to open database file" does not say which of the causes it was.
    if (!existsSync(file)) throw new ERR_LEDGER_UNAVAILABLE(name, `no such file: ${file}`);
    try {
      return new Database(file, { readonly: true, fileMustExist: true, timeout });
    } catch (error) {
      throw unavailable(name, error);
    }
  };

  const checkSchema = (db: Database.Database): void => {
    const [schema, table] = mapping.table.includes('.')
      ? (mapping.table.split('.') as [string, string])
      : ['main', mapping.table];
    let columns: string[];
    let tables: string[];
    try {
      columns = db
        .prepare<[], { name: string }>(
          `PRAGMA ${quoteName(schema, 'sqlite')}.table_info(${quoteName(table, 'sqlite')})`,
        )
        .all()
        .map((row) => row.name);
      tables = db
        .prepare<[], { name: string }>(
          `SELECT name FROM ${quoteName(schema, 'sqlite')}.sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .all()
        .map((row) => row.name);
    } catch (error) {
      throw unavailable(name, error);
    }
    checkLedgerColumns(name, mapping, columns.length === 0 ? null : columns, tables);
  };

  const probe = openDb();
  try {
    checkSchema(probe);
  } finally {
    probe.close();
  }

  const active = new Set<ActiveRead>();
  let closed = false;
  let lastWarnings: readonly string[] = [];

  async function* read(filter?: LedgerFilter): AsyncGenerator<LedgerRow> {
    if (closed) throw new ERR_LEDGER_CLOSED(description);
    const handle: ActiveRead = { db: openDb(), iterator: null };
    active.add(handle);
    try {
      const ids = filter?.deviceIds;
      const byDevice = ids !== undefined && mapping.columns.deviceId !== null;
      let statement: Database.Statement<unknown[], RawLedgerValues>;
      try {
        statement = handle.db.prepare<unknown[], RawLedgerValues>(ledgerSelect(mapping, 'sqlite', byDevice));
        // BIGINT-sized ids come back as bigint and are converted exactly (or refused), never rounded.
        statement.safeIntegers(true);
        handle.iterator = byDevice ? statement.iterate(JSON.stringify([...ids])) : statement.iterate();
      } catch (error) {
        throw unavailable(name, error);
      }
      const iterator = handle.iterator as IterableIterator<RawLedgerValues>;
      const reader = new LedgerRowReader(name);
      for (;;) {
        let next: IteratorResult<RawLedgerValues>;
        try {
          next = iterator.next();
        } catch (error) {
          throw unavailable(name, error);
        }
        if (next.done) break;
        yield reader.read(next.value);
      }
      // close() ends the iterator early; a truncated ledger must not pass for a whole one.
      if (closed) throw new ERR_LEDGER_CLOSED(description);
      lastWarnings = reader.warnings();
    } finally {
      handle.iterator?.return?.();
      active.delete(handle);
      handle.db.close();
    }
  }

  return {
    description,
    read,
    warnings: () => lastWarnings,
    async close() {
      closed = true;
      for (const handle of active) {
        handle.iterator?.return?.();
        handle.db.close();
      }
      active.clear();
    },
  };
}
