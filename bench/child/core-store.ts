/**
 * Benchmark 5: the device core alone, on one device file, under one policy preset.
 * - sales: createTransaction, one sale after another (what a till does);
 * - sync: one sale, then syncPendingTransactions, against a transport that answers at once with a valid
 *   response built from the request (no network, no backend): the cost of a whole sync cycle on the device.
 * The clock moves one second per sale, so `device-ms` references (seed) never collide.
 *
 *   node bin/run-typescript.js bench/child/core-store.ts --mode sync --preset hardened --count 5000 --out DIR
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type PolicyPreset, presetPolicy } from '../../src/core/policy.ts';
import type { Transport } from '../../src/core/ports.ts';
import { createPosCore } from '../../src/core/pos-core.ts';
import type { BatchSyncRequest, SyncResult } from '../../src/core/protocol.ts';
import { createRandom } from '../../src/core/random.ts';
import { withIdentity } from '../../src/sim/workload.ts';
import { choiceFlag, numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { createFloorClock } from '../lib/floor-clock.ts';
import { BENCH_EPOCH_MS, saleDrafts } from '../lib/sales.ts';

const flags = readFlags(['mode', 'preset', 'count', 'seed', 'out']);
const mode = choiceFlag(flags, 'mode', ['sales', 'sync'] as const);
const preset: PolicyPreset = choiceFlag(flags, 'preset', ['seed', 'hardened'] as const);
const count = numberFlag(flags, 'count');
const seed = stringFlag(flags, 'seed', '1');
const out = stringFlag(flags, 'out');
mkdirSync(out, { recursive: true });

let serverId = 0;
let requests = 0;
/** A backend that stores nothing: every row of the request is answered as stored, with a fresh server id. */
const instant: Transport = {
  postBatch: async (body) => {
    requests++;
    const request = JSON.parse(body) as BatchSyncRequest;
    const results: SyncResult[] = request.transactions.map((row) => {
      serverId++;
      return {
        offline_id: row.offline_id,
        offline_reference: row.offline_reference,
        success: true,
        duplicate: false,
        server_id: serverId,
        transaction_code: `TRX-${serverId}`,
        error: null,
      };
    });
    return { status: 200, body: JSON.stringify({ success: true, data: { results } }) };
  },
};

const deviceId = 'POS-0000';
const clock = createFloorClock(BENCH_EPOCH_MS);
const core = createPosCore({
  deviceId,
  database: join(out, `${deviceId}.sqlite`),
  clock,
  random: createRandom(seed, 'device', 0),
  transport: instant,
  policy: presetPolicy(preset),
});
const sales = (await saleDrafts(seed, 500)).map((draft) =>
  withIdentity(draft, { deviceId, branchCode: 'BRN-001' }),
);

let synced = 0;
const baseRssKb = peakRssKb();
const start = performance.now();
for (let i = 0; i < count; i++) {
  clock.advance(1_000);
  await core.store.createTransaction(sales[i % sales.length]!);
  if (mode === 'sync') synced += (await core.batchSync.syncPendingTransactions(deviceId)).synced;
}
const wallMs = performance.now() - start;
const statistics = await core.store.getStatistics();
core.database.close();

emitResult({
  wallMs,
  baseRssKb,
  counts: { operations: count, rows: statistics.total, synced, requests },
  figures: { perSecond: count / (wallMs / 1000) },
});
