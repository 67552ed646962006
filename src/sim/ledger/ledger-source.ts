/**
 * Where the checker's server ledger comes from: the fake backend in process (the runner's own source), its
 * admin API over HTTP, or a real backend's table in SQLite or MySQL/MariaDB. Every source streams rows one at
 * a time, so a million-row ledger is never one giant string or query result; collectLedger is the only
 * place rows are gathered, once.
 *
 *   const source = await openLedgerSource(parseLedgerSpec('sqlite:server.sqlite'));
 *   try { const rows = await collectLedger(source, { deviceIds }); } finally { await source.close(); }
 */
import type { LedgerRow } from '../ledger-row.ts';

export interface LedgerFilter {
  /**
   * Only rows of these devices, pushed down to the source where it can (an index on the device column, one
   * admin request per device). A table without a device column cannot be filtered: its rows all come back,
   * with deviceId null, and the checker keeps them out of scope.
   */
  readonly deviceIds?: ReadonlySet<string>;
}

export interface LedgerSource {
  /** Names the source in messages and reports (`sqlite:server.sqlite, table pos_transactions`); never a password. */
  readonly description: string;
  /**
   * The rows, in ascending serverId order (a filtered admin-HTTP read asks device by device, so its order is
   * ascending within each device). Each call is a fresh read; reads may run at once. Breaking out of the loop
   * releases the read's connection or statement.
   */
  read(filter?: LedgerFilter): AsyncIterable<LedgerRow>;
  /**
   * What the latest finished read had to tolerate, one counted sentence each (rows whose items could not be
   * read, and so were not compared). Empty when it read everything.
   */
  warnings(): readonly string[];
  /** Ends reads in progress and releases the source's connections. Idempotent. */
  close(): Promise<void>;
}

export function compareServerId(a: LedgerRow, b: LedgerRow): number {
  return a.serverId - b.serverId;
}

/** Whether the ledger holds any row the filter takes: the first row ends the read. */
export async function holdsAny(source: LedgerSource, filter?: LedgerFilter): Promise<boolean> {
  for await (const _row of source.read(filter)) return true;
  return false;
}

/** Reads the whole ledger (or the filter's part) into one array, in ascending serverId order whatever the source. */
export async function collectLedger(source: LedgerSource, filter?: LedgerFilter): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  let sorted = true;
  for await (const row of source.read(filter)) {
    const last = rows[rows.length - 1];
    if (last !== undefined && last.serverId > row.serverId) sorted = false;
    rows.push(row);
  }
  // Array.prototype.sort is stable, and sorts in place: the rows are held once.
  if (!sorted) rows.sort(compareServerId);
  return rows;
}
