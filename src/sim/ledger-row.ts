/**
 * One row the server stored, normalised for the checker, whatever the ledger source: the fake backend
 * (in process or through its admin API) or a real backend's table. A field is null when the real table has
 * no such column; the checker then does not compare it. Amounts are major units, as on the wire.
 */
import type { LedgerEntry, SyncItem } from '../core/protocol.ts';

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
  /** Null when the items are not stored, or not readable from the source. */
  readonly items: readonly SyncItem[] | null;
  readonly transactionCode: string | null;
}

/** A fake-backend ledger entry (admin API NDJSON line, or the in-process store) as a LedgerRow. */
export function ledgerRowFromEntry(entry: LedgerEntry): LedgerRow {
  return {
    serverId: entry.server_id,
    offlineId: entry.offline_id,
    offlineReference: entry.offline_reference,
    deviceId: entry.device_id,
    grandTotal: entry.grand_total,
    subtotal: entry.subtotal,
    discountTotal: entry.discount_total,
    taxTotal: entry.tax_total,
    items: entry.items,
    transactionCode: entry.transaction_code,
  };
}
