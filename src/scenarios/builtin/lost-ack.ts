import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'lost-ack',
  description:
    'The backend commits a batch and then the connection drops before the answer gets out (a proxy timeout, a ' +
    'restart). Weakness 5 and 1: the device saw a reset, so under seed the rows stay `syncing` forever although ' +
    "the server has them (invariant: stuck). The retry must be de-duplicated: with the spec's unique index a " +
    'resend is answered `duplicate: true`. Fix: policy.onTransportError=release with policy.retryBackoff.',
  devices: { count: 30, branches: 5 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  network: SHOP_NETWORK,
  backend: {
    ...SPEC_BACKEND,
    faults: { phases: [{ atMs: 0, label: 'lost acks', lostAck: { rate: 0.05 } }] },
  },
  policy: { preset: 'seed' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
