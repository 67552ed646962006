import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'poison-pill',
  description:
    'Now and then a till records a sale the backend cannot accept (a line with a negative quantity), and the ' +
    "backend's request schema rejects the whole batch with 400. Under seed the innocent sales in that batch share " +
    'its fate and stay `syncing` for good (invariants: stuck, lost). ' +
    'Fix: policy.isolateRejectedRows (split the batch until the bad row is alone, mark it failed with the reason, ' +
    'sync the rest). Rejected rows are reported as `invariants.rejected`, not as lost.',
  devices: { count: 30, branches: 5 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  workload: { poison: { schemaProbability: 0.01 } },
  connectivity: {
    schedules: [
      { kind: 'random', ratePerHour: 1, duration: { kind: 'uniform', min: 300_000, max: 900_000 } },
    ],
  },
  network: SHOP_NETWORK,
  backend: SPEC_BACKEND,
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
