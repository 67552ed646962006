/**
 * What a scenario may not say although each field has the right type: refused when it loads (exit 2), named
 * by its field, instead of a run that crashes, throws inside syncsim (harness errors), or means nothing.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { isSyncsimError } from '../../src/core/errors.ts';
import { createRandom, MAX_SAMPLE, sample } from '../../src/core/random.ts';
import { validateScenario } from '../../src/scenarios/validate.ts';

const BASE = { name: 'x', devices: { count: 2 }, duration: '1h' };

function refusal(extra: Record<string, unknown>): string {
  try {
    validateScenario({ ...BASE, ...extra }, 'x.json');
  } catch (error) {
    if (!isSyncsimError(error)) throw error;
    expect(exitCodeFor(error)).toBe(2);
    return error.message;
  }
  throw new Error(`accepted ${JSON.stringify(extra)}`);
}

describe('validateScenario: what the types alone allow', () => {
  it('a distribution with its bounds out of order, wherever the scenario draws one', () => {
    expect(refusal({ network: { latencyMs: { kind: 'lognormal', p50: 400, p99: 60 } } })).toBe(
      'x.json: network.latencyMs: p99 60 must be >= p50 400',
    );
    expect(refusal({ network: { latencyMs: { kind: 'uniform', min: 500, max: 10 } } })).toContain(
      'network.latencyMs: min 500 must be <= max 10',
    );
    expect(
      refusal({ crashes: { probability: 0.1, restartAfterMs: { kind: 'uniform', min: 60_000, max: 10 } } }),
    ).toContain('crashes.restartAfterMs: min 60000 must be <= max 10');
    expect(
      refusal({
        connectivity: {
          schedules: [{ kind: 'random', ratePerHour: 1, duration: { kind: 'lognormal', p50: 9, p99: 1 } }],
        },
      }),
    ).toContain('connectivity.schedules.0.duration: p99 1 must be >= p50 9');
  });

  it('a catalog whose cheapest price is above its dearest, or prices no total can hold exactly', () => {
    expect(refusal({ catalog: { minPrice: 1000, maxPrice: 10 } })).toContain(
      'catalog: maxPrice (10) is below minPrice (1000)',
    );
    expect(refusal({ catalog: { minPrice: 1e13, maxPrice: 1e13 } })).toContain('catalog/minPrice must be <=');
    expect(refusal({ catalog: { minPrice: 0.001, maxPrice: 1 } })).toContain(
      'catalog/minPrice must be >= 0.01',
    );
  });

  it('a device clock no date can show', () => {
    expect(refusal({ deviceClocks: [{ offsetMs: 1e16 }] })).toContain('deviceClocks/0/offsetMs must be <=');
    expect(refusal({ deviceClocks: [{ jumps: [{ atMs: 600_000, byMs: -1e16 }] }] })).toContain(
      'deviceClocks/0/jumps/0/byMs must be >=',
    );
  });

  it('a selector naming a branch, group or device the fleet does not have', () => {
    const offline = (appliesTo: unknown) => ({
      connectivity: { schedules: [{ kind: 'offline', atMs: 0, durationMs: 60_000, appliesTo }] },
    });
    expect(
      refusal({ devices: { count: 6, branches: 3 }, ...offline({ kind: 'branch', branches: ['BRN-999'] }) }),
    ).toBe(
      'x.json: connectivity.schedules.0.appliesTo: names branch "BRN-999", which the scenario does not have (branches: BRN-001, BRN-002, BRN-003)',
    );
    expect(refusal(offline({ kind: 'group', groups: ['nope'] }))).toContain(
      'names group "nope", which the scenario does not have (groups: default)',
    );
    expect(
      refusal({ deviceClocks: [{ offsetMs: 1, appliesTo: { kind: 'devices', indices: [1, 999] } }] }),
    ).toContain("deviceClocks.0.appliesTo: names device index 999, but the fleet's indices are 0 to 1");
    expect(
      refusal({ crashes: { probability: 0.1, appliesTo: { kind: 'branch', branches: ['BRN-011'] } } }),
    ).toContain(
      'crashes.appliesTo: names branch "BRN-011", which the scenario does not have (branches: BRN-001, BRN-002, BRN-003 ... BRN-010)',
    );
  });

  it('takes the same values in order', () => {
    expect(() =>
      validateScenario(
        {
          ...BASE,
          network: { latencyMs: { kind: 'lognormal', p50: 60, p99: 400 } },
          catalog: { minPrice: 10, maxPrice: 10 },
          // A branch of the scenario with no device in this small fleet: fine (a sweep's small sizes).
          deviceClocks: [{ offsetMs: -3_600_000, appliesTo: { kind: 'branch', branches: ['BRN-007'] } }],
        },
        'x.json',
      ),
    ).not.toThrow();
  });
});

describe('sample: a lognormal with an absurd tail still draws a finite delay', () => {
  it('is capped at MAX_SAMPLE', () => {
    const random = createRandom('tail');
    for (let i = 0; i < 200; i++) {
      const drawn = sample({ kind: 'lognormal', p50: 1e-300, p99: 1e300 }, random);
      expect(Number.isFinite(drawn)).toBe(true);
      expect(drawn).toBeLessThanOrEqual(MAX_SAMPLE);
    }
  });
});
