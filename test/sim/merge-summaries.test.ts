/**
 * The generator's part of a merged summary comes from the shards' merged histograms, so its percentiles are
 * exactly those of every shard's samples together; shards without samples (virtual time, or written before the
 * generator was measured) add nothing and never read as 0.
 */
import { describe, expect, it } from 'vitest';
import { mergedConvergence, mergeSummaries } from '../../src/sim/merge-summaries.ts';
import { MetricsRecorder } from '../../src/sim/metrics.ts';
import { mergeMetricsSnapshots } from '../../src/sim/metrics-merge.ts';
import { type Summary, templateSummary } from '../../src/sim/summary.ts';

interface Shard {
  readonly summary: Summary;
  readonly metrics: MetricsRecorder;
}

function shard(busy: readonly number[], lags: readonly number[]): Shard {
  const metrics = new MetricsRecorder();
  for (const percent of busy) metrics.recordGeneratorBusy(percent);
  for (const lateMs of lags) metrics.recordGeneratorLag(lateMs);
  return { summary: { ...templateSummary(), mode: 'realtime' }, metrics };
}

function merge(shards: readonly Shard[]): Summary {
  return mergeSummaries(
    shards.map((s) => s.summary),
    mergeMetricsSnapshots(shards.map((s) => s.metrics.snapshot())),
  );
}

describe('mergeSummaries: the generator', () => {
  it("holds every shard's samples: a busy thread in one shard shows in the merged p99", () => {
    const quiet = Array.from({ length: 60 }, () => 20);
    const merged = merge([
      shard(quiet, [1, 2, 3]),
      shard([...quiet.slice(0, 57), 99, 100, 100], [400]),
      shard([], []),
    ]);
    expect(merged.generator.busyPercent).toMatchObject({ count: 120, p50: 20, p99: 100, max: 100 });
    expect(merged.generator.lagMs).toMatchObject({ count: 4, p50: 2, max: 400 });
  });

  it('has no data when no shard sampled, even from shards written before the generator was measured', () => {
    const nothing = { count: 0, p50: null, p90: null, p99: null, max: null };
    expect(merge([shard([], []), shard([], [])]).generator).toEqual({ lagMs: nothing, busyPercent: nothing });
    const { generator: _absent, ...older } = shard([], []).summary;
    const merged = merge([{ summary: older as Summary, metrics: new MetricsRecorder() }, shard([55], [7])]);
    expect(merged.generator.busyPercent).toMatchObject({ count: 1, max: 55 });
  });
});

describe('mergedConvergence: the heal verdict of the whole fleet', () => {
  it('converged when every shard did; not when one ran out of time; no verdict when one has none', () => {
    expect(mergedConvergence([true, true])).toBe(true);
    expect(mergedConvergence([true, false])).toBe(false);
    expect(mergedConvergence([null, false])).toBe(false);
    // A shard interrupted before or during its heal: the whole has no verdict, not a failed one.
    expect(mergedConvergence([true, null])).toBeNull();
    expect(mergedConvergence([null, null])).toBeNull();
    expect(mergedConvergence([])).toBeNull();
  });
});
