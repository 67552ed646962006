/**
 * Sales, ledger rows and temp folders for the ledger-source tests. Amounts are two-decimal major units
 * computed from minor units, as the device computes them, so === comparisons mean "the same amount".
 */
import type { Clock } from '../../../src/core/ports.ts';
import type { SyncTransaction } from '../../../src/core/protocol.ts';
import type { LedgerRow } from '../../../src/sim/ledger-row.ts';

export function uuidFor(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Sale `index` of `device`: `index % 3 + 1` items, awkward amounts (x.x5, x.10), a 10% tax. */
export function makeSale(device: string, index: number): SyncTransaction {
  const lines = (index % 3) + 1;
  const items = Array.from({ length: lines }, (_, i) => {
    const priceMinor = 1_505 + 1_000 * i + index;
    return {
      product_id: i + 1,
      product_name: `Kopi Susu ${i + 1} ☕`,
      quantity: 2,
      price: priceMinor / 100,
      subtotal: (priceMinor * 2) / 100,
    };
  });
  const subtotalMinor = items.reduce((sum, item) => sum + Math.round(item.subtotal * 100), 0);
  const taxMinor = Math.round(subtotalMinor / 10);
  const discountMinor = 10;
  return {
    offline_id: uuidFor(index + 1_000_000 * (device.length + device.charCodeAt(device.length - 1))),
    offline_reference: `${device}-${1_732_530_000_000 + index}`,
    device_id: device,
    branch_code: 'BRN-001',
    id_user_apps: 7,
    grand_total: (subtotalMinor - discountMinor + taxMinor) / 100,
    subtotal: subtotalMinor / 100,
    discount_total: discountMinor / 100,
    tax_total: taxMinor / 100,
    status: 'paid',
    payment_status: 'paid',
    payment_method: 'CASH',
    created_at_device: new Date(1_732_530_000_000 + index).toISOString(),
    items,
  };
}

/** Sales of several devices, interleaved the way devices sync: d0 s1, d1 s1, d0 s2, … */
export function makeSales(devices: readonly string[], perDevice: number): SyncTransaction[] {
  const sales: SyncTransaction[] = [];
  for (let i = 1; i <= perDevice; i++) for (const device of devices) sales.push(makeSale(device, i));
  return sales;
}

/** The LedgerRow a full source reads for `sale` stored under `serverId`. */
export function expectedRow(
  sale: SyncTransaction,
  serverId: number,
  transactionCode: string | null,
): LedgerRow {
  return {
    serverId,
    offlineId: sale.offline_id,
    offlineReference: sale.offline_reference,
    deviceId: sale.device_id,
    grandTotal: sale.grand_total,
    subtotal: sale.subtotal,
    discountTotal: sale.discount_total,
    taxTotal: sale.tax_total,
    itemsJson: JSON.stringify(sale.items),
    transactionCode,
  };
}

/** A clock that never sleeps: the backend's unique mode commits synchronously anyway. */
export const FIXED_CLOCK: Clock = {
  now: () => Date.parse('2025-01-01T00:00:00.000Z'),
  monotonic: () => 0,
  sleep: () => Promise.resolve(),
};

export { type TempDir, tempDir } from '../../fake-backend/helpers.ts';

/** Collects every error thrown by `work`, for assertions on code, kind and message. */
export async function caught(
  work: () => Promise<unknown>,
): Promise<Error & { code?: string; kind?: string }> {
  try {
    await work();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, none was thrown');
}
