/**
 * Benchmark 3, the backlog drain's floor: what the drain costs a generator without the simulator. The devices
 * of syncsim's side (the same scenario, resolved: identities, policy, device files opened as a run opens
 * them), made with the real core, each given the load's sales, then drained all at once with
 * syncPendingTransactions over the real HTTP transport: the till's own work for each request (read, claim,
 * body, apply) and undici's, and nothing else (no virtual devices, network model, trace or metrics).
 *
 *   node bin/run-typescript.js bench/child/http-floor.ts --url http://127.0.0.1:PORT --kind backlog \
 *     --devices 32 --sales 3000 --hours 3 --speed 600 --out DIR
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { policyFromConfig } from '../../src/core/policy.ts';
import { createPosCore } from '../../src/core/pos-core.ts';
import { createRandom } from '../../src/core/random.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';
import { deviceFileOptions } from '../../src/sim/device-file-pool.ts';
import { deviceIdentity } from '../../src/sim/fleet.ts';
import { createHttpTarget } from '../../src/sim/network/http-transport.ts';
import { resolveSimulation } from '../../src/sim/simulation-config.ts';
import { withIdentity } from '../../src/sim/workload.ts';
import { readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { createFloorClock } from '../lib/floor-clock.ts';
import { GENERATOR_FLAGS, generatorLoadOf, loadOverrides } from '../lib/http-load.ts';
import { ownCpuMs } from '../lib/process-cpu.ts';
import { saleDrafts } from '../lib/sales.ts';

const flags = readFlags([...GENERATOR_FLAGS, 'out']);
const shape = generatorLoadOf(flags);
if (shape.kind !== 'backlog') throw new Error('--kind must be backlog: the floor drains a backlog');
const seed = stringFlag(flags, 'seed', '1');
const out = stringFlag(flags, 'out');
mkdirSync(out, { recursive: true });
const { scenario } = await loadScenario('steady-day', loadOverrides(shape));
const sim = resolveSimulation(scenario);

const clock = createFloorClock(sim.startEpochMs);
const target = createHttpTarget({ url: stringFlag(flags, 'url'), connections: shape.devices, clock });
let requests = 0;
const transport = {
  postBatch: (body: string) => {
    requests++;
    return target.transport.postBatch(body);
  },
};
const policy = policyFromConfig(sim.policy);
const databaseOptions = deviceFileOptions(sim, sim.devices.count);
const drafts = await saleDrafts(seed, 500, sim.workload);
const devices = Array.from({ length: sim.devices.count }, (_, index) => {
  const identity = deviceIdentity(index, sim.devices);
  const core = createPosCore({
    deviceId: identity.deviceId,
    database: join(out, `${identity.deviceId}.sqlite`),
    databaseOptions,
    clock,
    random: createRandom(seed, 'device', index),
    transport,
    policy,
  });
  return { identity, core };
});
for (const { identity, core } of devices) {
  for (let i = 0; i < shape.sales; i++) {
    clock.advance(1_000);
    await core.store.createTransaction(withIdentity(drafts[i % drafts.length]!, identity));
  }
}
await target.probe();

const baseRssKb = peakRssKb();
const cpuBefore = ownCpuMs();
const start = performance.now();
let synced = 0;
await Promise.all(
  devices.map(async ({ identity, core }) => {
    for (;;) {
      const report = await core.batchSync.syncPendingTransactions(identity.deviceId);
      synced += report.synced;
      if (report.synced === 0) return;
    }
  }),
);
const wallMs = performance.now() - start;
const cpuMs = ownCpuMs() - cpuBefore;
await target.close();
for (const { core } of devices) core.database.close();
const expected = devices.length * shape.sales;
if (synced !== expected) throw new Error(`synced ${synced} of ${expected} sales`);

emitResult({
  wallMs,
  baseRssKb,
  counts: { devices: devices.length, requests, synced },
  figures: { requestsPerSecond: requests / (wallMs / 1000), generatorCpuMsPerRequest: cpuMs / requests },
});
