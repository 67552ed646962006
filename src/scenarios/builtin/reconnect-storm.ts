import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK } from './common.ts';

export default defineScenario({
  name: 'reconnect-storm',
  description:
    'The whole chain loses its uplink for the lunch hour; at 13:00 every device comes back at once with an hour of ' +
    'sales, and a backend sized for normal traffic answers 429 with Retry-After to whatever its queue cannot hold. ' +
    'Under seed every 429 strands its batch in `syncing` (invariant: stuck). ' +
    'Fix: policy.onTransportError=release with policy.retryBackoff (jittered) and policy.honourRetryAfter.',
  devices: { count: 60, branches: 6 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  connectivity: { schedules: [{ kind: 'offline', atMs: 3_600_000, durationMs: 3_600_000 }] },
  network: SHOP_NETWORK,
  backend: {
    kind: 'fake',
    storage: { dedupe: 'unique' },
    capacity: {
      workers: 2,
      queueLimit: 8,
      requestTime: { kind: 'lognormal', p50: 40, p99: 200 },
      rowTime: { kind: 'fixed', value: 2 },
      overloadStatus: 429,
    },
  },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS, 'heal.converged == true'],
});
