/** Pieces the built-in scenarios share. */
import type { FakeBackendConfig } from '../../sim/simulation-config.ts';
import type { Scenario } from '../scenario.ts';

/** Every invariant of DESIGN.md section 3 at zero, and a harness that raised nothing unexpected. */
export const INVARIANT_THRESHOLDS: readonly string[] = [
  'invariants.lost == 0',
  'invariants.duplicated == 0',
  'invariants.phantom == 0',
  'invariants.mismatched == 0',
  'invariants.stuck == 0',
  'invariants.collided == 0',
  'invariants.unsound == 0',
  'harnessErrors == 0',
];

/** A production-like fake backend: a unique index on offline_reference (the spec), modest service times. */
export const SPEC_BACKEND: FakeBackendConfig = {
  kind: 'fake',
  storage: { dedupe: 'unique', key: 'offline_reference', commit: 'batch' },
  capacity: {
    workers: 16,
    queueLimit: 500,
    requestTime: { kind: 'lognormal', p50: 15, p99: 120 },
    rowTime: { kind: 'fixed', value: 0.5 },
  },
};

/** Mobile network latency as a POS on shop Wi-Fi or 4G sees it. */
export const SHOP_NETWORK: NonNullable<Scenario['network']> = {
  latencyMs: { kind: 'lognormal', p50: 60, p99: 400 },
  timeoutMs: 15_000,
};
