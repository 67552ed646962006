/**
 * TransactionLocalEntity of the spec, as a TypeScript type, and its mapping to the wire. Amounts are integer
 * minor units on the device (see money.ts); items are kept as the JSON the wire carries (`items_json`).
 */
import { type Minor, toMajor } from './money.ts';
import type { SyncItem, SyncTransaction } from './protocol.ts';

export type SyncStatus = 'pending' | 'syncing' | 'synced' | 'failed';
export const SYNC_STATUSES: readonly SyncStatus[] = ['pending', 'syncing', 'synced', 'failed'];

export interface TransactionLocal {
  readonly id: number;
  /** UUID v4. */
  readonly offlineId: string;
  /** From the policy's reference format, e.g. `DEVICE001-1732530000000`. */
  readonly offlineReference: string;
  readonly deviceId: string;
  readonly branchCode: string;
  readonly idUserApps: number;
  readonly grandTotal: Minor;
  readonly subtotal: Minor;
  readonly discountTotal: Minor;
  readonly taxTotal: Minor;
  readonly status: string;
  readonly paymentStatus: string;
  readonly paymentMethod: string;
  readonly syncStatus: SyncStatus;
  readonly serverId: number | null;
  readonly transactionCode: string | null;
  /** Epoch ms on the device's clock when the sale was made. */
  readonly createdAtDevice: number;
  /** The items as wire JSON: `[{product_id, product_name, quantity, price, subtotal}]`, amounts in major units. */
  readonly itemsJson: string;
  readonly syncAttempts: number;
  readonly lastError: string | null;
  /** Device time the row went to `syncing`. */
  readonly claimedAt: number | null;
  /** Device time the row went to `synced`. */
  readonly syncedAt: number | null;
}

/** What identifies a sale: its offline id, and the reference its policy gave it. */
export type SaleKey = Pick<TransactionLocal, 'offlineId' | 'offlineReference'>;

/** Every row's offline id and every row's reference, as two lists in no set order: what a check counts. */
export interface SaleKeyLists {
  readonly offlineIds: readonly string[];
  readonly offlineReferences: readonly string[];
}

/**
 * What a sync keeps of a row while its request is out: enough to match the answer and apply it. Not the
 * row itself: a hundred rows with their items held through a request outlive two scavenges and are promoted.
 */
export type SentRow = Pick<TransactionLocal, 'id' | 'offlineId' | 'offlineReference'>;

export interface SaleItem {
  readonly productId: number;
  readonly productName: string;
  readonly quantity: number;
  readonly price: Minor;
  readonly subtotal: Minor;
}

/** What createTransaction takes: the spec's parameters, amounts in minor units. */
export interface NewTransaction {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly idUserApps: number;
  readonly grandTotal: Minor;
  readonly subtotal: Minor;
  readonly discountTotal: Minor;
  readonly taxTotal: Minor;
  readonly status: string;
  readonly paymentStatus: string;
  readonly paymentMethod: string;
  readonly items: readonly SaleItem[];
}

export function itemsToWire(items: readonly SaleItem[]): SyncItem[] {
  return items.map((item) => ({
    product_id: item.productId,
    product_name: item.productName,
    quantity: item.quantity,
    price: toMajor(item.price),
    subtotal: toMajor(item.subtotal),
  }));
}

/** The wire row without its items, in wire order (items come last on the wire). */
function wireHead(row: TransactionLocal): Omit<SyncTransaction, 'items'> {
  return {
    offline_id: row.offlineId,
    offline_reference: row.offlineReference,
    device_id: row.deviceId,
    branch_code: row.branchCode,
    id_user_apps: row.idUserApps,
    grand_total: toMajor(row.grandTotal),
    subtotal: toMajor(row.subtotal),
    discount_total: toMajor(row.discountTotal),
    tax_total: toMajor(row.taxTotal),
    status: row.status,
    payment_status: row.paymentStatus,
    payment_method: row.paymentMethod,
    created_at_device: new Date(row.createdAtDevice).toISOString(),
  };
}

export function toWireTransaction(row: TransactionLocal): SyncTransaction {
  return { ...wireHead(row), items: JSON.parse(row.itemsJson) as SyncItem[] };
}

/**
 * The batch-sync request body as JSON text: byte for byte `JSON.stringify({transactions: rows.map(
 * toWireTransaction), device_id, synced_at})`, with each row's stored items JSON put in as it is instead of
 * parsed and written again (a third of the cost of a 100-row body).
 */
export function batchSyncBody(rows: readonly TransactionLocal[], deviceId: string, syncedAt: string): string {
  const transactions = rows.map((row) => {
    const head = JSON.stringify(wireHead(row));
    return `${head.slice(0, -1)},"items":${row.itemsJson}}`;
  });
  return `{"transactions":[${transactions.join(',')}],"device_id":${JSON.stringify(deviceId)},"synced_at":${JSON.stringify(syncedAt)}}`;
}
