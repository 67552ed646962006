/**
 * Benchmark 3, the backlog drain's floor: what the drain costs a generator without the simulator. As many
 * devices as syncsim's side, made with the real core over files opened as a run opens them (hardened policy),
 * each filled with the same number of sales, then drained all at once with syncPendingTransactions over the
 * real HTTP transport: the till's own work for each request (read, claim, body, apply) and undici's, and
 * nothing else (no virtual devices, network model, trace or metrics).
 *
 *   node bin/run-typescript.js bench/child/http-floor.ts --url http://127.0.0.1:PORT --devices 32 --sales 3000 --out DIR
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { presetPolicy } from '../../src/core/policy.ts';
import { createPosCore } from '../../src/core/pos-core.ts';
import { createRandom } from '../../src/core/random.ts';
import { deviceFileOptions } from '../../src/sim/device-file-pool.ts';
import { createHttpTarget } from '../../src/sim/network/http-transport.ts';
import { withIdentity } from '../../src/sim/workload.ts';
import { numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { createFloorClock } from '../lib/floor-clock.ts';
import { ownCpuMs } from '../lib/process-cpu.ts';
import { BENCH_EPOCH_MS, saleDrafts } from '../lib/sales.ts';

const flags = readFlags(['url', 'devices', 'sales', 'seed', 'out']);
const url = stringFlag(flags, 'url');
const devices = numberFlag(flags, 'devices');
const salesEach = numberFlag(flags, 'sales');
const seed = stringFlag(flags, 'seed', '1');
const out = stringFlag(flags, 'out');
mkdirSync(out, { recursive: true });

const clock = createFloorClock(BENCH_EPOCH_MS);
const target = createHttpTarget({ url, connections: devices, clock });
let requests = 0;
const transport = {
  postBatch: (body: string) => {
    requests++;
    return target.transport.postBatch(body);
  },
};
const policy = presetPolicy('hardened');
const databaseOptions = deviceFileOptions({ sqliteSynchronous: 'off', sqliteJournal: 'memory' }, devices);
const drafts = await saleDrafts(seed, 500);
const cores = Array.from({ length: devices }, (_, index) => {
  const deviceId = `POS-${String(index).padStart(4, '0')}`;
  return {
    deviceId,
    core: createPosCore({
      deviceId,
      database: join(out, `${deviceId}.sqlite`),
      databaseOptions,
      clock,
      random: createRandom(seed, 'device', index),
      transport,
      policy,
    }),
  };
});
for (const { deviceId, core } of cores) {
  for (let i = 0; i < salesEach; i++) {
    clock.advance(1_000);
    await core.store.createTransaction(
      withIdentity(drafts[i % drafts.length]!, { deviceId, branchCode: 'BRN-001' }),
    );
  }
}
await target.probe();

const baseRssKb = peakRssKb();
const cpuBefore = ownCpuMs();
const start = performance.now();
let synced = 0;
await Promise.all(
  cores.map(async ({ deviceId, core }) => {
    for (;;) {
      const report = await core.batchSync.syncPendingTransactions(deviceId);
      synced += report.synced;
      if (report.synced === 0) return;
    }
  }),
);
const wallMs = performance.now() - start;
const cpuMs = ownCpuMs() - cpuBefore;
await target.close();
for (const { core } of cores) core.database.close();
if (synced !== devices * salesEach) throw new Error(`synced ${synced} of ${devices * salesEach} sales`);

emitResult({
  wallMs,
  baseRssKb,
  counts: { devices, requests, synced },
  figures: { requestsPerSecond: requests / (wallMs / 1000), generatorCpuMsPerRequest: cpuMs / requests },
});
