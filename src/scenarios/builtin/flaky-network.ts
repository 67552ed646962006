import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'flaky-network',
  description:
    'Shop Wi-Fi that drops out for a minute or five a couple of times an hour, and requests that sometimes vanish ' +
    'or lose their answer. Weakness 1: under seed any transport error leaves the claimed rows in `syncing`, and ' +
    'only `pending` rows are ever read again, so they are stuck for good (invariant: stuck). ' +
    'Fix: policy.onTransportError=release (with policy.retryBackoff to retry by itself).',
  devices: { count: 30, branches: 5 },
  duration: '4h',
  startAt: '2026-03-02T10:00:00+07:00',
  connectivity: {
    schedules: [{ kind: 'random', ratePerHour: 2, duration: { kind: 'uniform', min: 30_000, max: 300_000 } }],
  },
  network: { ...SHOP_NETWORK, dropRequestRate: 0.02, loseResponseRate: 0.02 },
  backend: SPEC_BACKEND,
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
