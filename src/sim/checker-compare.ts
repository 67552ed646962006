/**
 * Compares a device sale with a stored server row. Money is compared exactly: device minor units through
 * toMajor against the server's major units (both are the nearest double to the same two-decimal amount).
 * Null server fields are columns the backend does not have, and are skipped.
 */
import { toMajor } from '../core/money.ts';
import type { SyncItem } from '../core/protocol.ts';
import type { TransactionLocal } from '../core/transaction-local.ts';
import type { FieldDifference } from './checker-types.ts';
import { type LedgerRow, parseItemList } from './ledger-row.ts';

type MoneyField = 'grandTotal' | 'subtotal' | 'discountTotal' | 'taxTotal';
const MONEY_FIELDS: readonly MoneyField[] = ['grandTotal', 'subtotal', 'discountTotal', 'taxTotal'];

/**
 * Items as an order-free canonical string: a backend with an items table may list them in any order, and
 * only the five wire fields count (a table may carry more columns).
 */
export function canonicalItems(items: readonly SyncItem[]): string {
  return JSON.stringify(
    items
      .map((item) =>
        JSON.stringify([item.product_id, item.product_name, item.quantity, item.price, item.subtotal]),
      )
      .sort(),
  );
}

export function saleDifferences(sale: TransactionLocal, row: LedgerRow): FieldDifference[] {
  const differences: FieldDifference[] = [];
  for (const field of MONEY_FIELDS) {
    const server = row[field];
    const device = toMajor(sale[field]);
    if (server !== null && server !== device) differences.push({ field, device, server });
  }
  // The same text is the same items; anything else is compared field by field, in any order.
  if (row.itemsJson !== null && row.itemsJson !== sale.itemsJson) {
    const items = parseItemList(sale.itemsJson);
    const server = parseItemList(row.itemsJson);
    if (items === null || server === null || canonicalItems(items) !== canonicalItems(server)) {
      differences.push({ field: 'items', device: items ?? sale.itemsJson, server: server ?? row.itemsJson });
    }
  }
  if (row.offlineReference !== sale.offlineReference) {
    differences.push({
      field: 'offlineReference',
      device: sale.offlineReference,
      server: row.offlineReference,
    });
  }
  if (row.offlineId !== null && row.offlineId !== sale.offlineId) {
    differences.push({ field: 'offlineId', device: sale.offlineId, server: row.offlineId });
  }
  if (row.deviceId !== null && row.deviceId !== sale.deviceId) {
    differences.push({ field: 'deviceId', device: sale.deviceId, server: row.deviceId });
  }
  return differences;
}

export function sameSale(sale: TransactionLocal, row: LedgerRow): boolean {
  return saleDifferences(sale, row).length === 0;
}
