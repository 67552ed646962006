/**
 * Combines the metrics snapshots of shards into the snapshot of the whole run. Pure: strings and numbers in,
 * a new snapshot out (autocannon's aggregateResult, same idea).
 *
 * Exact: counters (summed), histograms (decoded and added bucket by bucket, so every percentile of the
 * merge equals the unsharded run's), timeline traffic and per-minute p99 (see mergeTimelines). Timeline
 * gauges are exact while every shard is still running; see mergeTimelines for the minutes after a shard ended.
 */
import { mergeEncoded } from './histogram.ts';
import {
  emptyCounters,
  HISTOGRAM_NAMES,
  type HistogramName,
  METRICS_SNAPSHOT_VERSION,
  type MetricsCounters,
  type MetricsSnapshot,
  sortedStatuses,
} from './metrics.ts';
import { mergeTimelines } from './timeline.ts';

/** Sums two sets of counters; keys come out in emptyCounters() order, so equal sums serialise equally. */
export function addCounters(a: MetricsCounters, b: MetricsCounters): MetricsCounters {
  const byStatus: Record<string, number> = { ...a.byStatus };
  for (const [status, count] of Object.entries(b.byStatus))
    byStatus[status] = (byStatus[status] ?? 0) + count;
  const sum = { ...emptyCounters(), byStatus: sortedStatuses(byStatus) };
  for (const key of Object.keys(sum) as (keyof MetricsCounters)[]) {
    if (key !== 'byStatus') sum[key] = a[key] + b[key];
  }
  return sum;
}

/** Throws when the snapshots cannot be merged exactly: none given, or different versions, origins or minute lengths. */
export function mergeMetricsSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const first = snapshots[0];
  if (first === undefined) throw new RangeError('mergeMetricsSnapshots needs at least one snapshot');
  for (const snapshot of snapshots) {
    if (snapshot.version !== METRICS_SNAPSHOT_VERSION) {
      throw new RangeError(
        `metrics snapshot version ${String(snapshot.version)} is not ${METRICS_SNAPSHOT_VERSION}`,
      );
    }
    if (snapshot.originMs !== first.originMs || snapshot.minuteMs !== first.minuteMs) {
      throw new RangeError(
        `shards disagree on the timeline: origin ${snapshot.originMs} vs ${first.originMs}, minute ${snapshot.minuteMs} vs ${first.minuteMs}`,
      );
    }
  }
  const histograms = {} as Record<HistogramName, string>;
  for (const name of HISTOGRAM_NAMES)
    histograms[name] = mergeEncoded(snapshots.map((s) => s.histograms[name]));
  return {
    version: METRICS_SNAPSHOT_VERSION,
    originMs: first.originMs,
    minuteMs: first.minuteMs,
    counters: snapshots.map((s) => s.counters).reduce(addCounters, emptyCounters()),
    histograms,
    timeline: mergeTimelines(snapshots.map((s) => s.timeline)),
  };
}
