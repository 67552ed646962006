import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'steady-day',
  description:
    'A normal trading day from 06:00 to 14:00: quiet morning, lunch rush, every device online, a healthy backend. ' +
    'The baseline for capacity planning (raise --devices, or use `syncsim sweep`) and the check that the design ' +
    'under test is sound when nothing goes wrong: it should pass under both seed and hardened.',
  devices: { count: 50, branches: 10 },
  duration: '8h',
  network: SHOP_NETWORK,
  backend: SPEC_BACKEND,
  policy: { preset: 'seed' },
  thresholds: [
    ...INVARIANT_THRESHOLDS,
    'latency.requestMs.p99 < 2000',
    'latency.timeToSyncMs.p99 < 300000',
    'requests.errorRate < 0.01',
  ],
});
