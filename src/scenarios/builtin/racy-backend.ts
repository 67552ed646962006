import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK } from './common.ts';

export default defineScenario({
  name: 'racy-backend',
  description:
    'A backend that de-duplicates with SELECT-then-INSERT and no unique index (as many do), a 50 ms gap between ' +
    'the two, and answers that sometimes arrive after the client gave up. Weakness 5: two requests carrying the ' +
    'same sale that overlap on the server both find nothing and both insert (invariant: duplicated); under seed the ' +
    "listener's repeated events supply the overlapping requests, and the timed-out ones are stranded (stuck). " +
    'Fix on the server: backend.storage.dedupe=unique. Fix on the client: policy.concurrency=single-flight with ' +
    'policy.onTransportError=release.',
  devices: { count: 20, branches: 4 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  connectivity: {
    schedules: [{ kind: 'random', ratePerHour: 3, duration: { kind: 'uniform', min: 60_000, max: 300_000 } }],
  },
  network: { ...SHOP_NETWORK, timeoutMs: 5_000 },
  backend: {
    kind: 'fake',
    storage: { dedupe: 'check-then-insert', checkGapMs: 50 },
    faults: { phases: [{ atMs: 0, slowResponse: { rate: 0.03, delayMs: { kind: 'fixed', value: 8_000 } } }] },
  },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
