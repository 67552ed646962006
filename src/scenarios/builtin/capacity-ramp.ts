import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK } from './common.ts';

export default defineScenario({
  name: 'capacity-ramp',
  description:
    'A lunch rush at twice the usual rate against a backend with a fixed number of workers, to find where request ' +
    'latency and time-to-sync break their targets. Not a bug scenario: run it with `syncsim sweep capacity-ramp ' +
    '--devices 50,100,200,400` (or --target your staging URL) and read off the first size that fails.',
  devices: { count: 100, branches: 10 },
  duration: '2h',
  startAt: '2026-03-02T11:30:00+07:00',
  workload: { salesPerHour: 24 },
  network: SHOP_NETWORK,
  backend: {
    kind: 'fake',
    storage: { dedupe: 'unique' },
    capacity: {
      workers: 4,
      queueLimit: 200,
      requestTime: { kind: 'lognormal', p50: 25, p99: 150 },
      rowTime: { kind: 'fixed', value: 1 },
      overloadStatus: 503,
      retryAfterSeconds: 5,
    },
  },
  policy: { preset: 'hardened' },
  thresholds: [
    ...INVARIANT_THRESHOLDS,
    'latency.requestMs.p99 < 1000',
    'latency.timeToSyncMs.p99 < 60000',
    'requests.errorRate < 0.01',
  ],
});
