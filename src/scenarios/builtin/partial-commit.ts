import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK } from './common.ts';

export default defineScenario({
  name: 'partial-commit',
  description:
    'A backend that commits row by row and sometimes dies half-way through a batch with a 500: some rows are ' +
    'stored, the client is told nothing was. Under seed the whole batch stays `syncing` for good, the stored half ' +
    'and the lost half alike (invariant: stuck). The resend must be de-duplicated row by row. ' +
    'Fix: policy.onTransportError=release with policy.retryBackoff (the unique index answers the stored rows ' +
    '`duplicate: true`).',
  devices: { count: 20, branches: 4 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  connectivity: {
    schedules: [
      { kind: 'random', ratePerHour: 1, duration: { kind: 'uniform', min: 300_000, max: 900_000 } },
    ],
  },
  network: SHOP_NETWORK,
  backend: {
    kind: 'fake',
    storage: { dedupe: 'unique', commit: 'row' },
    faults: { phases: [{ atMs: 0, partialCommit: { rate: 0.1, ending: 'error' } }] },
  },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
