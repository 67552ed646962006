import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'crash-mid-sync',
  description:
    'The POS app is killed in the middle of syncs (the OS reclaims memory, the cashier swipes it away, the ' +
    'battery dies): after claiming, after sending, after the answer, while applying it. Weakness 1: rows marked ' +
    '`syncing` by the dead process are never read again under seed (invariant: stuck). ' +
    'Fix: policy.recoverSyncingOnStart (and policy.syncingLeaseMs for the ones a live process forgot).',
  devices: { count: 30, branches: 5 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  crashes: { probability: 0.03, restartAfterMs: { kind: 'uniform', min: 5_000, max: 60_000 } },
  network: SHOP_NETWORK,
  backend: SPEC_BACKEND,
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
