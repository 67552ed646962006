import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK } from './common.ts';

export default defineScenario({
  name: 'long-offline-backlog',
  description:
    'A branch trades offline from opening until mid-afternoon, then reconnects with hundreds of sales per till. ' +
    'Weakness 3: seed sends every pending row in one unbounded body; the backend caps a batch at 200 rows and ' +
    'answers 413, the whole backlog is stranded in `syncing` (invariant: stuck). ' +
    'Fix: policy.maxBatchSize=100 (and policy.shrinkBatchOn413 for a backend whose cap is unknown).',
  devices: { count: 10, branches: 1 },
  duration: '9h',
  startAt: '2026-03-02T06:00:00+07:00',
  workload: { salesPerHour: 30 },
  connectivity: { schedules: [{ kind: 'offline', atMs: 0, durationMs: 8 * 3_600_000 }] },
  network: SHOP_NETWORK,
  backend: { kind: 'fake', storage: { dedupe: 'unique' }, limits: { maxRows: 200 } },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
