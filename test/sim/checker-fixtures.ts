/** Hand-made device rows and ledger rows for the checker tests. */
import { toMajor } from '../../src/core/money.ts';
import type { LedgerEntry, SyncItem } from '../../src/core/protocol.ts';
import { type TransactionLocal, toWireTransaction } from '../../src/core/transaction-local.ts';
import type { LedgerRow } from '../../src/sim/ledger-row.ts';

let counter = 0;

export function uuidFor(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

export interface ItemSpec {
  readonly productId: number;
  readonly quantity: number;
  readonly price: number;
}

export function itemsJsonOf(items: readonly ItemSpec[]): string {
  return JSON.stringify(
    items.map((item) => ({
      product_id: item.productId,
      product_name: `Product ${item.productId}`,
      quantity: item.quantity,
      price: toMajor(item.price),
      subtotal: toMajor(item.price * item.quantity),
    })),
  );
}

export function sale(overrides: Partial<TransactionLocal> = {}): TransactionLocal {
  counter += 1;
  const deviceId = overrides.deviceId ?? 'DEV-1';
  const createdAtDevice = overrides.createdAtDevice ?? 1_732_530_000_000 + counter;
  const items = [
    { productId: 7, quantity: 2, price: 1250 },
    { productId: 9, quantity: 1, price: 999 },
  ];
  const subtotal = 2 * 1250 + 999;
  return {
    id: counter,
    offlineId: uuidFor(counter),
    offlineReference: `${deviceId}-${createdAtDevice}`,
    deviceId,
    branchCode: 'BR-01',
    idUserApps: 3,
    grandTotal: subtotal + 350,
    subtotal,
    discountTotal: 0,
    taxTotal: 350,
    status: 'completed',
    paymentStatus: 'paid',
    paymentMethod: 'cash',
    syncStatus: 'synced',
    serverId: null,
    transactionCode: null,
    createdAtDevice,
    itemsJson: itemsJsonOf(items),
    syncAttempts: 1,
    lastError: null,
    claimedAt: null,
    syncedAt: null,
    ...overrides,
  };
}

/** A fake-backend ledger entry as the checker's LedgerRow (items as their wire JSON). */
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
    itemsJson: JSON.stringify(entry.items),
    transactionCode: entry.transaction_code,
  };
}

/** The items of a ledger row, parsed (a test edits them and writes them back with JSON.stringify). */
export function itemsOf(row: LedgerRow): SyncItem[] {
  return JSON.parse(row.itemsJson ?? 'null') as SyncItem[];
}

/** What the server would store for this device row. */
export function stored(row: TransactionLocal, serverId: number): LedgerRow {
  const entry: LedgerEntry = {
    server_id: serverId,
    transaction_code: `TRX-${serverId}`,
    received_at: new Date(1_732_600_000_000).toISOString(),
    ...toWireTransaction(row),
  };
  return ledgerRowFromEntry(entry);
}

/** The same ledger as a backend table without an offline_id column. */
export function withoutOfflineId(rows: readonly LedgerRow[]): LedgerRow[] {
  return rows.map((row) => ({ ...row, offlineId: null }));
}

export function cleanLedger(rows: readonly TransactionLocal[]): LedgerRow[] {
  return rows.map((row, i) => stored(row, i + 1));
}
