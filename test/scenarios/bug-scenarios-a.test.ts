/**
 * The product's central claim, part one (even-numbered bug scenarios; part two holds the odd ones so that
 * vitest runs both halves at once): every bug scenario breaks an invariant under `seed`, the design of the
 * spec, and holds under `hardened`; the baseline steady-day passes under `seed`.
 */
import { describe, expect, it } from 'vitest';
import { BUG_SCENARIOS, BUILTIN_SCENARIOS, DEFAULT_SCENARIO } from '../../src/scenarios/builtin/index.ts';
import { expectBrokenUnderSeed, expectHeldUnderHardened, runBuiltin } from './scenario-runs.ts';

describe('the built-in catalogue', () => {
  it('holds the fourteen scenarios of the issue; all but steady-day and capacity-ramp are bug scenarios', () => {
    const names = BUILTIN_SCENARIOS.map((s) => s.name);
    expect([...names].sort()).toEqual(
      [
        'steady-day',
        'flaky-network',
        'reconnect-storm',
        'long-offline-backlog',
        'lost-ack',
        'double-trigger',
        'crash-mid-sync',
        'same-ms-collision',
        'clock-rollback',
        'racy-backend',
        'partial-commit',
        'retry-storm',
        'poison-pill',
        'capacity-ramp',
      ].sort(),
    );
    expect(DEFAULT_SCENARIO).toBe('steady-day');
    expect([...BUG_SCENARIOS].sort()).toEqual(
      names.filter((n) => n !== 'steady-day' && n !== 'capacity-ramp').sort(),
    );
    for (const scenario of BUILTIN_SCENARIOS) {
      expect(scenario.description?.length ?? 0, scenario.name).toBeGreaterThan(100);
      expect(scenario.thresholds?.length ?? 0, scenario.name).toBeGreaterThan(0);
      if (BUG_SCENARIOS.includes(scenario.name)) expect(scenario.policy?.preset, scenario.name).toBe('seed');
    }
  });
});

describe('steady-day, the baseline', () => {
  it('passes under seed: nothing goes wrong, so the design under test holds', async () => {
    const { summary } = await runBuiltin('steady-day', 'seed');
    expect(summary.passed, JSON.stringify(summary.thresholds.filter((t) => !t.ok))).toBe(true);
    expect(summary.invariants.checked).toBe(true);
    expect(summary.sales.created).toBeGreaterThan(1000);
    expect(summary.sales.synced).toBe(summary.sales.created);
  });
});

for (const name of BUG_SCENARIOS.filter((_, index) => index % 2 === 0)) {
  describe(name, () => {
    it('breaks an invariant under seed, the one its description names', async () => {
      expectBrokenUnderSeed(name, await runBuiltin(name, 'seed'));
    });
    it('holds under hardened', async () => {
      expectHeldUnderHardened(name, await runBuiltin(name, 'hardened'));
    });
  });
}
