import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK } from './common.ts';

export default defineScenario({
  name: 'double-trigger',
  description:
    'Connectivity flaps every few minutes and the listener fires three times per change, as connectivity_plus ' +
    'does. Weakness 4: seed has no guard, so three syncs start at once, each reads the same pending rows before ' +
    'any marks them `syncing`, and all three send them. Against a backend that checks then inserts without a ' +
    'unique index, the same sale is stored several times (invariant: duplicated). ' +
    'Fix: policy.concurrency=single-flight (or policy.atomicClaim), or a unique index on the server.',
  devices: { count: 20, branches: 4 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  connectivity: {
    schedules: [{ kind: 'flapping', periodMs: 600_000, dutyCycle: 0.6, phase: 'random' }],
    listenerEvents: { kind: 'range', min: 3, max: 3 },
  },
  network: SHOP_NETWORK,
  backend: { kind: 'fake', storage: { dedupe: 'check-then-insert', checkGapMs: 25 } },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
