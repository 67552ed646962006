import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'same-ms-collision',
  description:
    'Busy tills sometimes record two sales in the same millisecond (a double tap, a split bill). Weakness 2: the ' +
    "spec's reference is DEVICE_ID-<epoch ms>, so the second sale gets the first one's reference; the device's " +
    'unique index refuses it and the sale is never recorded (invariants: collided, and the sale is lost). ' +
    'Fix: policy.referenceFormat=device-ms-seq (a per-device sequence that survives restarts and clock changes).',
  devices: { count: 20, branches: 4 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  workload: { doubleTap: { probability: 0.02 } },
  network: SHOP_NETWORK,
  backend: SPEC_BACKEND,
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS, 'sales.notRecorded == 0'],
});
