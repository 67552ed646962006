/**
 * Benchmark 4: rows stored per second by the fake backend, and the floors under it. Three modes, one per run
 * of this child, all storing the same unique rows in batches into a fresh file (WAL, synchronous=NORMAL):
 * - inject: injectBatch through the whole batch route (JSON parse, schema, row checks, capacity, commit,
 *   response), unique mode, default capacity (no service time);
 * - ledger: the route's storage layer alone, ledger.commitBatch (INSERT ... ON CONFLICT DO NOTHING
 *   RETURNING, then the transaction code UPDATE, per row);
 * - raw: plain better-sqlite3 INSERTs of the same rows into the same table and indexes (made by the ledger
 *   itself, so the schema cannot drift), one transaction per batch: the floor.
 *
 *   node bin/run-typescript.js bench/child/backend-store.ts --mode inject --rows 50000 --batch 100 --out DIR
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SyncTransaction } from '../../src/core/protocol.ts';
import { buildBackend } from '../../src/fake-backend/app.ts';
import { injectBatch } from '../../src/fake-backend/inject.ts';
import { resolveStorage } from '../../src/fake-backend/options.ts';
import { INSERT_ROW, type InsertParams, insertParams, openLedger } from '../../src/fake-backend/storage.ts';
import { withIdentity } from '../../src/sim/workload.ts';
import { choiceFlag, numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { createFloorClock } from '../lib/floor-clock.ts';
import { BENCH_EPOCH_MS, batchBody, counterUuid, saleDrafts, wireRow } from '../lib/sales.ts';

const flags = readFlags(['mode', 'rows', 'batch', 'seed', 'out']);
const mode = choiceFlag(flags, 'mode', ['inject', 'ledger', 'raw'] as const);
const totalRows = numberFlag(flags, 'rows');
const batchSize = Math.max(1, numberFlag(flags, 'batch', 100));
const seed = stringFlag(flags, 'seed', '1');
const out = stringFlag(flags, 'out');
mkdirSync(out, { recursive: true });
const file = join(out, 'server.sqlite');

// Every batch is built before the clock starts: making rows is the client's work, not the backend's.
const drafts = await saleDrafts(seed, 500);
const batches: SyncTransaction[][] = [];
for (let first = 0; first < totalRows; first += batchSize) {
  const rows: SyncTransaction[] = [];
  for (let n = first; n < Math.min(totalRows, first + batchSize); n++) {
    const deviceId = `POS-${String(n % 100).padStart(4, '0')}`;
    const sale = withIdentity(drafts[n % drafts.length]!, { deviceId, branchCode: 'BRN-001' });
    const createdAtDevice = BENCH_EPOCH_MS + n;
    rows.push(
      wireRow(sale, {
        offlineId: counterUuid(n),
        offlineReference: `${deviceId}-${createdAtDevice}-${n}`,
        createdAtDevice,
      }),
    );
  }
  batches.push(rows);
}
const clock = createFloorClock(BENCH_EPOCH_MS);
const storageInput = { file, dedupe: 'unique', fresh: true } as const;
const storage = resolveStorage(storageInput);

let stored = 0;
let failed = 0;
let baseRssKb = 0;
let wallMs = 0;
if (mode === 'inject') {
  const bodies = batches.map((rows) => batchBody(rows, rows[0]!.device_id, BENCH_EPOCH_MS));
  const backend = await buildBackend({ storage: storageInput, seed, logLevel: 'silent' }, { clock });
  baseRssKb = peakRssKb();
  const start = performance.now();
  for (const body of bodies) {
    const outcome = await injectBatch(backend, body);
    if (outcome.kind !== 'response' || outcome.status !== 200) failed++;
  }
  wallMs = performance.now() - start;
  stored = backend.counters().rowsStored;
  await backend.close();
} else if (mode === 'ledger') {
  const ledger = openLedger(storage, clock);
  baseRssKb = peakRssKb();
  const start = performance.now();
  for (const rows of batches) {
    for (const commit of await ledger.commitBatch(rows)) {
      if (commit.outcome === 'stored') stored++;
      else failed++;
    }
  }
  wallMs = performance.now() - start;
  ledger.close();
} else {
  // The ledger makes the table and its indexes for this mode, then the floor writes to it on its own.
  openLedger(storage, clock).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare<InsertParams>(INSERT_ROW);
  const receivedAt = new Date(BENCH_EPOCH_MS).toISOString();
  const params = batches.map((rows) => rows.map((row) => insertParams(row, receivedAt)));
  const insertBatch = db.transaction((rows: readonly InsertParams[]) => {
    for (const values of rows) stored += insert.run(...values).changes;
  });
  baseRssKb = peakRssKb();
  const start = performance.now();
  for (const rows of params) insertBatch(rows);
  wallMs = performance.now() - start;
  db.close();
}

emitResult({
  wallMs,
  baseRssKb,
  counts: { rows: totalRows, batches: batches.length, stored, failed },
  figures: { rowsPerSecond: stored / (wallMs / 1000) },
});
