/**
 * Sales and wire rows for the benchmarks that bypass the simulator (floors, backend, core, autocannon).
 * They come from the run's real catalog and workload generator, so rows are as big and as varied as the
 * ones a simulation sends; ids come from counters, so every row the benchmarks send is new to the server
 * (a repeat would be answered `duplicate: true`, which costs the server less than a stored row).
 */

import type { SyncTransaction } from '../../src/core/protocol.ts';
import { createRandom } from '../../src/core/random.ts';
import type { NewTransaction, TransactionLocal } from '../../src/core/transaction-local.ts';
import { itemsToWire, toWireTransaction } from '../../src/core/transaction-local.ts';
import { createCatalog } from '../../src/sim/catalog.ts';
import {
  generateSale,
  resolveWorkloadConfig,
  type SaleDraft,
  type WorkloadConfig,
} from '../../src/sim/workload.ts';

/** A fixed start for created_at_device: 2026-03-02 06:00 in Jakarta, the scenarios' default. */
export const BENCH_EPOCH_MS = Date.parse('2026-03-02T06:00:00+07:00');

/** `count` sale drafts from the default catalog and workload of the given seed. */
export async function saleDrafts(
  seed: string,
  count: number,
  workload: WorkloadConfig = resolveWorkloadConfig(),
): Promise<SaleDraft[]> {
  const catalog = await createCatalog(seed);
  const random = createRandom(seed, 'bench', 'sales');
  const drafts: SaleDraft[] = [];
  for (let i = 0; i < count; i++)
    drafts.push(generateSale(random, catalog, workload, 1 + (i % workload.cashiersPerDevice)));
  return drafts;
}

/** A UUID v4 whose last 48 bits are the counter: unique per counter value, valid for the backend's schema. */
export function counterUuid(counter: number): string {
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export interface RowIdentity {
  readonly offlineId: string;
  readonly offlineReference: string;
  readonly createdAtDevice: number;
}

/** The device row a core would hold for this sale (pending, never sent), in memory. */
export function localRow(sale: NewTransaction, id: RowIdentity): TransactionLocal {
  return {
    id: 0,
    offlineId: id.offlineId,
    offlineReference: id.offlineReference,
    deviceId: sale.deviceId,
    branchCode: sale.branchCode,
    idUserApps: sale.idUserApps,
    grandTotal: sale.grandTotal,
    subtotal: sale.subtotal,
    discountTotal: sale.discountTotal,
    taxTotal: sale.taxTotal,
    status: sale.status,
    paymentStatus: sale.paymentStatus,
    paymentMethod: sale.paymentMethod,
    syncStatus: 'pending',
    serverId: null,
    transactionCode: null,
    createdAtDevice: id.createdAtDevice,
    itemsJson: JSON.stringify(itemsToWire(sale.items)),
    syncAttempts: 0,
    lastError: null,
    claimedAt: null,
    syncedAt: null,
  };
}

/** The wire row the core's toWireTransaction makes of that device row. */
export function wireRow(sale: NewTransaction, id: RowIdentity): SyncTransaction {
  return toWireTransaction(localRow(sale, id));
}

/** A batch-sync request body, as the core's BatchSyncService builds it. */
export function batchBody(rows: readonly SyncTransaction[], deviceId: string, syncedAtMs: number): string {
  return JSON.stringify({
    transactions: rows,
    device_id: deviceId,
    synced_at: new Date(syncedAtMs).toISOString(),
  });
}
