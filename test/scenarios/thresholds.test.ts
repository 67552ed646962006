/**
 * k6-style thresholds: every operator parses, a typo is refused when the scenario loads (exit 2, not a
 * silently failing run), an invariant that could not be checked fails as "not checked" (never as 0),
 * requests.byStatus.<code> reads a status that never occurred as 0, and evaluation on a real run's summary
 * reads the real fields.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { isSyncsimError, type SyncsimError } from '../../src/core/errors.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';
import {
  applyThresholds,
  evaluateThreshold,
  parseThreshold,
  thresholdFieldKinds,
  thresholdFields,
} from '../../src/scenarios/thresholds.ts';
import { runSimulation } from '../../src/sim/runner.ts';
import { type Summary, templateSummary } from '../../src/sim/summary.ts';

function parseError(expression: string): SyncsimError {
  try {
    parseThreshold(expression);
  } catch (error) {
    if (isSyncsimError(error)) return error;
    throw error;
  }
  throw new Error(`${expression} parsed`);
}

/** A summary of a run that checked its invariants, with the given overrides. */
function summaryWith(overrides: {
  invariants?: Partial<Summary['invariants']>;
  requests?: Partial<Summary['requests']>;
  heal?: Partial<Summary['heal']>;
  interrupted?: boolean;
}): Summary {
  const template = templateSummary();
  return {
    ...template,
    interrupted: overrides.interrupted ?? false,
    invariants: {
      ...template.invariants,
      checked: true,
      lost: 0,
      duplicated: 0,
      phantom: 0,
      mismatched: 0,
      unsound: 0,
      ...overrides.invariants,
    },
    requests: { ...template.requests, ...overrides.requests },
    heal: { ...template.heal, ...overrides.heal },
  };
}

describe('parseThreshold', () => {
  it('parses every operator, with or without spaces', () => {
    const cases = [
      ['invariants.duplicated == 0', '==', 0],
      ['invariants.duplicated != 0', '!=', 0],
      ['latency.timeToSyncMs.p99 < 300000', '<', 300_000],
      ['latency.timeToSyncMs.p99<=300000', '<=', 300_000],
      ['requests.errorRate > 0.01', '>', 0.01],
      ['requests.errorRate >= 1e-3', '>=', 0.001],
      ['sales.created > -1', '>', -1],
      ['  heal.converged == true  ', '==', true],
      ['heal.converged != FALSE', '!=', false],
    ] as const;
    for (const [expression, operator, value] of cases) {
      const threshold = parseThreshold(expression);
      expect(threshold.operator, expression).toBe(operator);
      expect(threshold.value, expression).toBe(value);
      expect(threshold.expression).toBe(expression.trim());
    }
    expect(parseThreshold('latency.requestMs.p99 < 2000').path).toEqual(['latency', 'requestMs', 'p99']);
  });

  it('accepts requests.byStatus.<any three-digit status>', () => {
    expect(parseThreshold('requests.byStatus.503 < 2000').path).toEqual(['requests', 'byStatus', '503']);
    expect(parseThreshold('requests.byStatus.429 == 0').value).toBe(0);
    expect(parseError('requests.byStatus.5xx == 0').message).toContain('unknown summary field');
  });

  it('refuses an unknown field, naming it and pointing at real ones', () => {
    const error = parseError('invariants.lots == 0');
    expect(error.message).toContain('threshold "invariants.lots == 0"');
    expect(error.message).toContain('unknown summary field invariants.lots');
    expect(error.message).toContain('invariants.lost');
    expect(exitCodeFor(error)).toBe(2);
  });

  it('refuses bad syntax and an ordering operator on a boolean', () => {
    for (const bad of ['invariants.lost = 0', 'invariants.lost ~ 0', 'invariants.lost == zero', '== 0', '']) {
      expect(parseError(bad).message).toMatch(/expected `<summary field> <op> <number\|true\|false>`/);
    }
    expect(parseError('heal.converged < true').message).toContain('< needs a number');
  });

  it('refuses a threshold over several lines: every report prints it as one', () => {
    for (const bad of ['invariants.lost\n==\n0', 'invariants.lost ==\r\n0', 'invariants.lost\u2028== 0']) {
      expect(parseError(bad).message).toContain('a threshold is written on one line');
    }
    expect(parseError('invariants.lost\v== 0').message).toMatch(/expected `<summary field> <op>/);
    expect(parseThreshold('\tinvariants.lost\t==\t0 ')).toMatchObject({
      path: ['invariants', 'lost'],
      value: 0,
    });
  });

  it('refuses a literal of the other kind: a gate whose verdict could never change', () => {
    expect(parseError('invariants.duplicated != true').message).toContain(
      'invariants.duplicated is a number: compare it with a number, not true',
    );
    expect(parseError('invariants.lost == false').message).toContain('is a number');
    expect(parseError('heal.converged == 1').message).toContain(
      'heal.converged is true or false: compare it with true or false (== or !=), not 1',
    );
    expect(parseError('invariants.checked == 0').message).toContain('is true or false');
    expect(parseError('invariants.matchedBy == 0').message).toContain('unknown summary field');
    expect(parseThreshold('heal.converged == TRUE').value).toBe(true);
    expect(parseThreshold('requests.byStatus.503 == 0').value).toBe(0);
  });

  it('offers every invariant, the request counters and the latency percentiles as fields', () => {
    const fields = thresholdFields();
    for (const field of [
      'invariants.checked',
      'invariants.lost',
      'invariants.duplicated',
      'invariants.phantom',
      'invariants.mismatched',
      'invariants.stuck',
      'invariants.collided',
      'invariants.unsound',
      'requests.total',
      'requests.errorRate',
      'requests.timeouts',
      'latency.requestMs.p99',
      'latency.timeToSyncMs.p50',
      'sales.notRecorded',
      'heal.converged',
      'harnessErrors',
      'generator.busyPercent.p99',
      'generator.lagMs.p99',
    ]) {
      expect(fields).toContain(field);
    }
    expect(fields).not.toContain('passed');
  });
});

describe('an unknown threshold field is a configuration error at load, not a failed run', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'syncsim-thresholds-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('in a scenario file', async () => {
    const file = join(dir, 'typo.json');
    const scenario = {
      name: 'typo',
      devices: { count: 2 },
      duration: '1h',
      thresholds: ['invariants.lost == 0', 'latency.requestMs.p999 < 100'],
    };
    writeFileSync(file, JSON.stringify(scenario));
    const error: unknown = await loadScenario(file).catch((e: unknown) => e);
    expect(isSyncsimError(error)).toBe(true);
    if (!isSyncsimError(error)) return;
    expect(error.message).toContain(file);
    expect(error.message).toContain('unknown summary field latency.requestMs.p999');
    expect(error.kind).toBe('config');
    expect(exitCodeFor(error)).toBe(2);
  });
});

describe('evaluateThreshold', () => {
  it('an invariant that was not checked (server ledger not read) fails as "not checked", never as 0', () => {
    const unchecked = templateSummary();
    expect(unchecked.invariants.checked).toBe(false);
    for (const expression of [
      'invariants.lost == 0',
      'invariants.duplicated <= 0',
      'invariants.unsound < 1',
    ]) {
      const result = evaluateThreshold(parseThreshold(expression), unchecked);
      expect(result.ok, expression).toBe(false);
      expect(result.actual).toBeNull();
      expect(result.error).toContain('not checked');
    }
    // Checked on the device alone, stuck is known without a ledger.
    expect(evaluateThreshold(parseThreshold('invariants.stuck == 0'), unchecked).ok).toBe(true);
  });

  it('a metric without data fails with "no data"', () => {
    const result = evaluateThreshold(parseThreshold('latency.requestMs.p99 < 2000'), templateSummary());
    expect(result).toMatchObject({ ok: false, actual: null, error: 'no data' });
    // The generator is measured in real time only: gating a virtual run on it is a gate on nothing.
    const busy = evaluateThreshold(parseThreshold('generator.busyPercent.p99 < 90'), templateSummary());
    expect(busy).toMatchObject({ ok: false, actual: null, error: 'no data' });
  });

  it('compares with each operator', () => {
    const summary = summaryWith({ invariants: { duplicated: 3 } });
    const verdicts = ['== 3', '!= 3', '< 3', '<= 3', '> 3', '>= 3', '> 2', '< 4'].map(
      (tail) => evaluateThreshold(parseThreshold(`invariants.duplicated ${tail}`), summary).ok,
    );
    expect(verdicts).toEqual([true, false, false, true, false, true, true, true]);
    expect(evaluateThreshold(parseThreshold('invariants.duplicated == 0'), summary)).toEqual({
      expression: 'invariants.duplicated == 0',
      ok: false,
      actual: 3,
    });
  });

  it('reads requests.byStatus.<code>, a status that never occurred being 0', () => {
    const summary = summaryWith({ requests: { byStatus: { '200': 90, '503': 2500 } } });
    expect(evaluateThreshold(parseThreshold('requests.byStatus.503 < 2000'), summary)).toMatchObject({
      ok: false,
      actual: 2500,
    });
    expect(evaluateThreshold(parseThreshold('requests.byStatus.200 >= 90'), summary).ok).toBe(true);
    expect(evaluateThreshold(parseThreshold('requests.byStatus.429 == 0'), summary)).toMatchObject({
      ok: true,
      actual: 0,
    });
  });

  it('compares booleans', () => {
    const converged = summaryWith({ heal: { converged: true } });
    const stalled = summaryWith({ heal: { converged: false } });
    expect(evaluateThreshold(parseThreshold('heal.converged == true'), converged).ok).toBe(true);
    expect(evaluateThreshold(parseThreshold('heal.converged == true'), stalled)).toMatchObject({
      ok: false,
      actual: false,
    });
  });
});

describe('applyThresholds', () => {
  it('passes when every threshold holds; one failure, or an interrupted run, fails it', () => {
    const clean = summaryWith({});
    expect(applyThresholds(clean, []).passed).toBe(true);
    expect(applyThresholds(clean, ['invariants.lost == 0', 'invariants.stuck == 0']).passed).toBe(true);
    const dirty = applyThresholds(summaryWith({ invariants: { lost: 1 } }), [
      'invariants.lost == 0',
      'invariants.stuck == 0',
    ]);
    expect(dirty.passed).toBe(false);
    expect(dirty.thresholds.map((t) => t.ok)).toEqual([false, true]);
    expect(applyThresholds(summaryWith({ interrupted: true }), ['invariants.lost == 0']).passed).toBe(false);
  });

  describe('on a real run', () => {
    let dir: string;
    let summary: Summary;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'syncsim-thresholds-run-'));
      const { scenario } = await loadScenario('steady-day', [
        'devices.count=4',
        'duration=2h',
        'startAt=2026-03-02T11:00:00+07:00',
      ]);
      summary = (await runSimulation(scenario, { scenario: scenario.name, seed: '21', outDir: dir })).summary;
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads the actual values of the summary fields the expressions name', () => {
      expect(summary.sales.created).toBeGreaterThan(0);
      expect(summary.invariants.checked).toBe(true);
      const p99 = summary.latency.requestMs.p99;
      expect(p99).not.toBeNull();
      const evaluated = applyThresholds(summary, [
        `sales.created == ${summary.sales.created}`,
        `latency.requestMs.p99 <= ${p99}`,
        `latency.requestMs.p99 < ${p99}`,
        `requests.byStatus.200 == ${summary.requests.byStatus['200']}`,
        'invariants.lost == 0',
        'invariants.checked == true',
        'requests.errorRate < 0.01',
      ]);
      expect(evaluated.thresholds.map((t) => [t.ok, t.actual])).toEqual([
        [true, summary.sales.created],
        [true, p99],
        [false, p99],
        [true, summary.requests.byStatus['200']],
        [true, 0],
        [true, true],
        [true, summary.requests.errorRate],
      ]);
      expect(evaluated.passed).toBe(false);
      expect({ ...evaluated, thresholds: [], passed: true }).toEqual(summary);
    });

    it('each field offered holds what its kind says, in a real summary (heal converged, ledger matched)', () => {
      expect(summary.heal.converged).not.toBeNull();
      expect(summary.invariants.matchedBy).not.toBeNull();
      for (const [field, kind] of thresholdFieldKinds()) {
        let value: unknown = summary;
        for (const key of field.split('.')) value = (value as Record<string, unknown>)[key];
        if (value !== null) expect(typeof value, field).toBe(kind);
      }
      expect(thresholdFields()).not.toContain('invariants.matchedBy');
    });
  });
});
