import { defineScenario } from '../scenario.ts';
import { INVARIANT_THRESHOLDS, SHOP_NETWORK, SPEC_BACKEND } from './common.ts';

export default defineScenario({
  name: 'clock-rollback',
  description:
    'The tills lose their uplink at 13:30 and, while offline, their clocks are set back an hour (a wrong NTP ' +
    'answer, a user fixing the time zone). Weakness 2: the spec compares the wall clock with the time of the last ' +
    'sync, so on reconnect the last sync looks like it happened in the future, the TTL says "not stale" and no sync ' +
    'starts; the offline sales wait with nothing to wake them (invariant: stuck). DEVICE-ms references can also ' +
    'repeat after the clock goes back. Fix: policy.ttlClock=monotonic (and policy.referenceFormat=device-ms-seq).',
  devices: { count: 20, branches: 4 },
  duration: '3h',
  startAt: '2026-03-02T11:00:00+07:00',
  connectivity: { schedules: [{ kind: 'offline', atMs: 2.5 * 3_600_000, durationMs: 3_600_000 }] },
  deviceClocks: [{ jumps: [{ atMs: 2.75 * 3_600_000, byMs: -3_600_000 }] }],
  network: SHOP_NETWORK,
  backend: SPEC_BACKEND,
  policy: { preset: 'seed' },
  heal: { maxDuration: '20m' },
  thresholds: [...INVARIANT_THRESHOLDS],
});
