/**
 * One row the server stored, normalised for the checker, whatever the ledger source: the fake backend
 * (in process or through its admin API) or a real backend's table. A field is null when the real table has
 * no such column; the checker then does not compare it. Amounts are major units, as on the wire.
 */
import type { SyncItem } from '../core/protocol.ts';
import type { KeptRow } from '../fake-backend/storage.ts';

export interface LedgerRow {
  readonly serverId: number;
  /** Null when the table has no offline_id column: the checker then matches by offline_reference. */
  readonly offlineId: string | null;
  readonly offlineReference: string;
  readonly deviceId: string | null;
  readonly grandTotal: number | null;
  readonly subtotal: number | null;
  readonly discountTotal: number | null;
  readonly taxTotal: number | null;
  /**
   * The items as wire JSON text (the five wire fields); null when they are not stored, or not readable from the
   * source. Text, not objects: a ledger of 100,000 rows is held whole while the checker runs, and the text of
   * the fake backend equals the device's items_json in the common case, which is then the whole comparison.
   */
  readonly itemsJson: string | null;
  readonly transactionCode: string | null;
}

/** A server row as a violation shows it: items parsed (a report prints them; violations.json lists them). */
export interface ServerRow extends Omit<LedgerRow, 'itemsJson'> {
  readonly items: readonly SyncItem[] | null;
}

export function serverRowOf(row: LedgerRow): ServerRow {
  const { itemsJson, ...rest } = row;
  return { ...rest, items: itemsJson === null ? null : parseItemList(itemsJson) };
}

/** JSON text that should hold a list of items; null when it does not. */
export function parseItemList(itemsJson: string): SyncItem[] | null {
  try {
    const parsed: unknown = JSON.parse(itemsJson);
    return Array.isArray(parsed) ? (parsed as SyncItem[]) : null;
  } catch {
    return null;
  }
}

/** A row of the in-process fake backend's store (its KeptRow columns, in order) as a LedgerRow. */
export function ledgerRowFromKept(row: KeptRow): LedgerRow {
  return {
    serverId: row[0],
    offlineId: row[1],
    offlineReference: row[2],
    deviceId: row[3],
    grandTotal: row[4],
    subtotal: row[5],
    discountTotal: row[6],
    taxTotal: row[7],
    itemsJson: row[8],
    transactionCode: row[9],
  };
}
