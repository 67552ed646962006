import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHistogramsJson } from '../../src/report/histograms-json.ts';
import { renderSummaryJson } from '../../src/report/summary-json.ts';
import { REPORT_FILES, renderReports, writeReports } from '../../src/report/write-reports.ts';
import { VIOLATION_KINDS } from '../../src/sim/checker-types.ts';
import { mergeMetricsSnapshots } from '../../src/sim/metrics-merge.ts';
import { summariseMetrics } from '../../src/sim/metrics-summary.ts';
import type { Summary } from '../../src/sim/summary.ts';
import { type SmallRun, smallRun } from './fixture.ts';

let run: SmallRun;
let written: string[];

beforeAll(async () => {
  run = await smallRun();
  written = writeReports(run.result, run.dir);
});
afterAll(() => run.cleanup());

const read = (name: string) => readFileSync(join(run.dir, name), 'utf8');

describe('writeReports', () => {
  it('writes every report into the run folder and returns their paths', () => {
    expect(written).toEqual(REPORT_FILES.map((name) => join(run.dir, name)));
    for (const path of written) expect(existsSync(path)).toBe(true);
    // No temporary files left behind.
    expect(readdirSync(run.dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('leaves devices/ as the runner wrote it', () => {
    const before = readdirSync(join(run.dir, 'devices')).sort();
    expect(before.length).toBeGreaterThan(0);
    writeReports(run.result, run.dir);
    expect(readdirSync(join(run.dir, 'devices')).sort()).toEqual(before);
  });

  it('the small run is realistic: sales, lost answers, stuck sales with traces', () => {
    const { summary, check } = run.result;
    expect(summary.sales.created).toBeGreaterThan(50);
    expect(summary.requests.resets).toBeGreaterThan(0);
    expect(summary.invariants.stuck).toBeGreaterThan(0);
    expect(check.examples.stuck.length).toBeGreaterThan(0);
    expect(check.examples.stuck.every((v) => v.trace !== null)).toBe(true);
  });
});

describe('summary.json', () => {
  it('round-trips: parsed and written again, it is the same bytes', () => {
    const text = read('summary.json');
    const parsed = JSON.parse(text) as Summary;
    expect(parsed).toEqual(JSON.parse(JSON.stringify(run.result.summary)));
    expect(renderSummaryJson(parsed)).toBe(text);
  });

  it('has every field the issue names, with those names', () => {
    const summary = JSON.parse(read('summary.json')) as Record<string, unknown>;
    const keysOf = (value: unknown) => Object.keys(value as object);
    for (const field of [
      'scenario',
      'seed',
      'policy',
      'mode',
      'devices',
      'wallSeconds',
      'simulatedSeconds',
      'sales',
      'requests',
      'latency',
      'invariants',
      'thresholds',
      'passed',
    ])
      expect(summary, field).toHaveProperty(field);
    expect(keysOf(summary.sales)).toEqual(
      expect.arrayContaining(['created', 'synced', 'pending', 'syncing', 'failed']),
    );
    expect(keysOf(summary.requests)).toEqual(
      expect.arrayContaining(['total', 'ok', 'errorRate', 'byStatus', 'timeouts', 'resets']),
    );
    for (const histogram of ['requestMs', 'timeToSyncMs'])
      expect(keysOf((summary.latency as Record<string, unknown>)[histogram])).toEqual(
        expect.arrayContaining(['p50', 'p90', 'p99', 'max']),
      );
    expect(keysOf(summary.invariants)).toEqual(
      expect.arrayContaining([
        'checked',
        'lost',
        'duplicated',
        'phantom',
        'mismatched',
        'stuck',
        'collided',
        'unsound',
      ]),
    );
    const thresholds = summary.thresholds as unknown as {
      expression: string;
      ok: boolean;
      actual: unknown;
    }[];
    expect(thresholds.length).toBe(3);
    for (const t of thresholds) expect(Object.keys(t)).toEqual(['expression', 'ok', 'actual']);
    expect(summary.mode).toBe('virtual');
  });

  it('comes out in one key order whatever order the keys arrived in', () => {
    const summary = run.result.summary;
    const reversed = Object.fromEntries(
      Object.entries(JSON.parse(JSON.stringify(summary)) as Record<string, unknown>)
        .reverse()
        .map(([key, value]) =>
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? [key, Object.fromEntries(Object.entries(value).reverse())]
            : [key, value],
        ),
    ) as unknown as Summary;
    expect(renderSummaryJson(reversed)).toBe(renderSummaryJson(summary));
    const keys = Object.keys(JSON.parse(renderSummaryJson(reversed)) as object);
    expect(keys.slice(0, 3)).toEqual(['version', 'scenario', 'seed']);
    expect(keys.at(-1)).toBe('passed');
  });

  it('keeps fields it does not know, after the known ones', () => {
    const extended = { ...run.result.summary, zeta: 1, alpha: { b: 2, a: 1 } } as unknown as Summary;
    const keys = Object.keys(JSON.parse(renderSummaryJson(extended)) as object);
    expect(keys.slice(-3)).toEqual(['passed', 'alpha', 'zeta']);
  });
});

describe('histograms.json', () => {
  it('is the metrics snapshot, which merges exactly', () => {
    const snapshot = parseHistogramsJson(read('histograms.json'));
    expect(snapshot).toEqual(run.result.metrics);
    const merged = mergeMetricsSnapshots([snapshot]);
    expect(merged.counters).toEqual(run.result.metrics.counters);
    expect(merged.histograms).toEqual(run.result.metrics.histograms);
    expect(snapshot.timeline.length).toBeGreaterThan(10);
  });

  it('refuses a file that is not a snapshot', () => {
    expect(() => parseHistogramsJson('{"version": 99}')).toThrow(/version/);
    expect(() => parseHistogramsJson('[]')).toThrow(/object/);
    const text = read('histograms.json');
    const broken = JSON.parse(text) as { histograms: Record<string, unknown> };
    broken.histograms.requestMs = 42;
    expect(() => parseHistogramsJson(JSON.stringify(broken))).toThrow(
      /histograms\.requestMs is not an encoded/,
    );
    const badMinute = JSON.parse(text) as { timeline: unknown[] };
    badMinute.timeline[3] = { ...(badMinute.timeline[3] as object), generatorBusyPercent: 'high' };
    expect(() => parseHistogramsJson(JSON.stringify(badMinute))).toThrow(
      'histograms.json: timeline[3].generatorBusyPercent is not a number or null',
    );
    badMinute.timeline[2] = 7;
    expect(() => parseHistogramsJson(JSON.stringify(badMinute))).toThrow('timeline[2] is not an object');
  });

  it("reads minutes written before the generator's busy share was kept per minute as unmeasured", () => {
    const older = JSON.parse(read('histograms.json')) as { timeline: Record<string, unknown>[] };
    for (const row of older.timeline) delete row.generatorBusyPercent;
    const snapshot = parseHistogramsJson(JSON.stringify(older));
    expect(snapshot.timeline.map((row) => row.generatorBusyPercent)).toEqual(
      run.result.metrics.timeline.map(() => null),
    );
    expect(snapshot).toEqual(run.result.metrics);
  });

  it("reads a file written before the generator's lag was measured as one that recorded no lag", () => {
    const older = JSON.parse(read('histograms.json')) as { histograms: Record<string, unknown> };
    delete older.histograms.generatorLagMs;
    const snapshot = parseHistogramsJson(JSON.stringify(older));
    expect(summariseMetrics(snapshot).generator.lagMs.count).toBe(0);
    expect(mergeMetricsSnapshots([snapshot, run.result.metrics]).counters.requests).toBe(
      2 * run.result.metrics.counters.requests,
    );
  });
});

describe('violations.json', () => {
  it('holds every example the checker kept, each with its trace and readable story', () => {
    const document = JSON.parse(read('violations.json')) as {
      invariants: unknown;
      examples: {
        kind: string;
        offlineReference: string;
        trace: { events: unknown[] } | null;
        story: string[] | null;
      }[];
    };
    const expected = VIOLATION_KINDS.flatMap((kind) => run.result.check.examples[kind]);
    expect(document.examples.map((e) => [e.kind, e.offlineReference])).toEqual(
      expected.map((v) => [v.kind, v.offlineReference]),
    );
    expect(document.invariants).toEqual(run.result.check.invariants);
    const stuck = document.examples.find((e) => e.kind === 'stuck')!;
    expect(stuck.trace?.events.length).toBeGreaterThan(0);
    expect(stuck.story?.[0]).toContain('created on');
  });
});

describe('a merged result (no check)', () => {
  it('renders every report but violations.json, and points to the shards', () => {
    const { summary, metrics } = run.result;
    const files = renderReports({ summary, metrics, shards: ['reports/a', 'reports/b'] }, 'reports/merged');
    expect(Object.keys(files).sort()).toEqual(REPORT_FILES.filter((f) => f !== 'violations.json').sort());
    expect(files['report.html']).toContain('see the shards’ reports (reports/a, reports/b)');
    expect(files['report.md']).toContain('see the shards’ reports');
    expect(files['junit.xml']).toContain('see the shards’ reports');
  });
});

describe('determinism', () => {
  it('two runs of one seed give the same reports, but for the wall-clock time', async () => {
    const again = await smallRun();
    try {
      const zeroWall = (r: SmallRun) => ({ ...r.result, summary: { ...r.result.summary, wallSeconds: 0 } });
      const a = renderReports(zeroWall(run), 'run');
      const b = renderReports(zeroWall(again), 'run');
      for (const name of REPORT_FILES) expect(b[name], name).toBe(a[name]);
    } finally {
      again.cleanup();
    }
  });
});
