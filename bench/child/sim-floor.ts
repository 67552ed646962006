/**
 * Benchmark 1, the floor: the device SQLite writes and backend handler calls of a simulation run, done in a
 * tight loop with no simulator around them (no virtual clock, no network model, no traces, no metrics, no
 * checker). The run's child reports how many sales and requests it made; this child does that many.
 *
 *   node bin/run-typescript.js bench/child/sim-floor.ts --scenario steady-day --devices 1000 --duration 8h --seed 1 \
 *     --sales 98000 --requests 98000 --out DIR      (--policy seed|hardened as for sim-run.ts)
 *
 * Writes per device, as the core does them under the scenario's policy (the core's own statements, from
 * src/core/transaction-local-sql.ts):
 * - every sale: one insert transaction (INSERT; with referenceFormat device-ms-seq also the sequence upsert);
 * - claiming: atomicClaim off (seed) one UPDATE to `syncing` per row, each its own statement; atomicClaim on
 *   (hardened) one conditional UPDATE per batch (the ids as one JSON array);
 * - every answered request: one apply transaction (one UPDATE per row to `synced`).
 * Reads (the pending SELECT, the row read back after the insert) and the hardened lease UPDATE per sync run
 * are not in the floor: they are part of what the measured run may spend on top of it.
 * Backend: one real injectBatch per request against buildBackend with the options the runner gives its
 * in-process backend (inProcessBackendOptions), on a clock whose sleeps return at once (service times cost nothing).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { noCrashes } from '../../src/core/crash-points.ts';
import type { DeviceDatabase } from '../../src/core/device-database.ts';
import { policyFromConfig } from '../../src/core/policy.ts';
import { parseBatchSyncResponse, type SyncTransaction } from '../../src/core/protocol.ts';
import {
  applyWrites,
  CLAIM_ROWS,
  insertSale,
  NEXT_REFERENCE_SEQUENCE,
  setSyncStatus,
} from '../../src/core/transaction-local-sql.ts';
import { buildBackend } from '../../src/fake-backend/app.ts';
import { injectBatch } from '../../src/fake-backend/inject.ts';
import { inProcessBackendOptions } from '../../src/sim/backend-connection.ts';
import {
  DeviceFilePool,
  deviceFileOptions,
  maxOpenDevices,
  openFileLimit,
} from '../../src/sim/device-file-pool.ts';
import { deviceIdentity } from '../../src/sim/fleet.ts';
import { resolveSimulation } from '../../src/sim/simulation-config.ts';
import { withIdentity } from '../../src/sim/workload.ts';
import { numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { createFloorClock } from '../lib/floor-clock.ts';
import { counterUuid, saleDrafts, wireRow } from '../lib/sales.ts';
import { loadBenchScenario, SCENARIO_FLAGS } from '../lib/sim-scenario.ts';

const flags = readFlags([...SCENARIO_FLAGS, 'sales', 'requests', 'out']);
const out = stringFlag(flags, 'out');
const sales = numberFlag(flags, 'sales');
const requests = numberFlag(flags, 'requests');
const { seed, scenario } = await loadBenchScenario(flags);
const sim = resolveSimulation(scenario);
if (sim.backend.kind !== 'fake') throw new Error('the floor needs a scenario on the fake backend');
const policy = policyFromConfig(sim.policy);
const identities = Array.from({ length: sim.devices.count }, (_, index) =>
  deviceIdentity(index, sim.devices),
);
// A pool of real sales, reused round-robin: generating 100,000 of them is the simulator's work, not the floor's.
const drafts = await saleDrafts(seed, 1000, sim.workload);

/** Rows per request: the run's sales spread evenly over its requests; more requests than sales resend a row. */
function rowsOf(request: number): number {
  if (requests >= sales) return request < sales ? 1 : 0;
  return Math.floor(sales / requests) + (request < sales % requests ? 1 : 0);
}

// A folder of an earlier floor would hold its device files, whose rows this one's would collide with.
rmSync(join(out, 'devices'), { recursive: true, force: true });
mkdirSync(join(out, 'devices'), { recursive: true });
const baseRssKb = peakRssKb();
const start = performance.now();

const clock = createFloorClock(sim.startEpochMs);
const pool = new DeviceFilePool(maxOpenDevices(openFileLimit(), sim.sqliteJournal));
const databases: DeviceDatabase[] = identities.map((identity) =>
  pool.database(
    join(out, 'devices', `${identity.deviceId}.sqlite`),
    deviceFileOptions(sim, identities.length),
  ),
);
const backend = await buildBackend(
  inProcessBackendOptions(sim.backend, { seed, outDir: out, synchronous: sim.sqliteSynchronous }),
  { clock },
);

let saleCounter = 0;
let writes = 0;
let failures = 0;
let rowsSent = 0;
let lastBatch: { deviceIndex: number; rows: SyncTransaction[]; rowIds: number[] } | null = null;
for (let request = 0; request < requests; request++) {
  let deviceIndex = request % identities.length;
  let rows: SyncTransaction[] = [];
  let rowIds: number[] = [];
  const count = rowsOf(request);
  if (count === 0 && lastBatch !== null) {
    // A resend (the run made more requests than sales): the same rows again, answered as duplicates.
    ({ deviceIndex, rows, rowIds } = lastBatch);
  }
  const identity = identities[deviceIndex]!;
  const db = databases[deviceIndex]!;
  const now = clock.now();
  for (let i = 0; i < count; i++) {
    const sale = withIdentity(drafts[saleCounter % drafts.length]!, identity);
    const createdAtDevice = sim.startEpochMs + saleCounter;
    const offlineId = counterUuid(saleCounter);
    saleCounter++;
    const row = db.transaction(() => {
      let offlineReference = `${identity.deviceId}-${createdAtDevice}`;
      if (policy.referenceFormat === 'device-ms-seq') {
        const { value } = db.statement(NEXT_REFERENCE_SEQUENCE).get() as { value: number };
        offlineReference = `${offlineReference}-${value}`;
      }
      const wire = wireRow(sale, { offlineId, offlineReference, createdAtDevice });
      const id = insertSale(db, {
        offlineId,
        offlineReference,
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
        createdAtDevice,
        itemsJson: JSON.stringify(wire.items),
      });
      return { wire, id };
    });
    writes++;
    rows.push(row.wire);
    rowIds.push(row.id);
  }
  const ids = rows.map((row) => row.offline_id);
  if (policy.atomicClaim) {
    db.statement(CLAIM_ROWS).all(now, JSON.stringify(rowIds));
    writes++;
  } else {
    for (const offlineId of ids) {
      setSyncStatus(db, { offlineId, status: 'syncing' }, now);
      writes++;
    }
  }
  rowsSent += rows.length;
  const outcome = await injectBatch(
    backend,
    JSON.stringify({
      transactions: rows,
      device_id: identity.deviceId,
      synced_at: new Date(now).toISOString(),
    }),
  );
  if (outcome.kind !== 'response' || outcome.status !== 200) {
    failures++;
    continue;
  }
  const results = parseBatchSyncResponse(outcome.body);
  const applied = results.map((result, index) => ({
    id: rowIds[index] ?? 0,
    status: result.success ? ('synced' as const) : ('failed' as const),
    serverId: result.serverId,
    transactionCode: result.transactionCode,
    error: result.error,
  }));
  db.transaction(() => applyWrites(db, applied, now, noCrashes));
  writes++;
  lastBatch = { deviceIndex, rows, rowIds };
}

// Reported so that a reader can see the floor paid the same fsync policy as the run (0 OFF, 1 NORMAL, 2 FULL).
const deviceSynchronous = Number(databases[0]?.connection().pragma('synchronous', { simple: true }) ?? -1);
for (const db of databases) db.dispose();
const counters = backend.counters();
await backend.close();
const wallMs = performance.now() - start;

emitResult({
  wallMs,
  baseRssKb,
  counts: {
    devices: identities.length,
    sales: saleCounter,
    requests,
    rowsSent,
    deviceWrites: writes,
    deviceSynchronous,
    failedRequests: failures,
    rowsStored: counters.rowsStored,
    rowsDuplicate: counters.rowsDuplicate,
  },
  figures: {},
});
