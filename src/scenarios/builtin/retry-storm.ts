import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'retry-storm',
  description:
    'The backend goes into maintenance for 20 minutes at noon and answers 503 with Retry-After: 120. Under seed ' +
    'every batch that meets a 503 is stranded in `syncing` (invariant: stuck); a client that only releases the rows ' +
    'and retries at once hammers the backend with requests it has asked not to get. ' +
    'Fix: policy.onTransportError=release with policy.retryBackoff and policy.honourRetryAfter (see ' +
    'requests.byStatus.503 shrink when it is on).',
  devices: { count: 40, branches: 8 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  network: SHOP_NETWORK,
  backend: {
    ...SPEC_BACKEND,
    faults: {
      phases: [
        { atMs: 3_600_000, label: 'maintenance', http: [{ status: 503, rate: 1, when: 'before-commit' }] },
        { atMs: 3_600_000 + 20 * 60_000, label: 'back' },
      ],
    },
  },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS, 'requests.byStatus.503 < 2000'],
});
