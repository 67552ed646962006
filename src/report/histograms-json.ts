/**
 * histograms.json: the run's metrics snapshot as is (counters, encoded histograms, per-minute timeline), the
 * input `merge` adds up exactly across shards (mergeMetricsSnapshots).
 */
import { createHistogram, encodeHistogram } from '../sim/histogram.ts';
import { HISTOGRAM_NAMES, METRICS_SNAPSHOT_VERSION, type MetricsSnapshot } from '../sim/metrics.ts';
import type { MinuteRow } from '../sim/timeline.ts';

export function renderHistogramsJson(metrics: MetricsSnapshot): string {
  return `${JSON.stringify(metrics, null, 2)}\n`;
}

/** Reads histograms.json back; throws a TypeError naming what is wrong with a file that is not one. */
export function parseHistogramsJson(text: string): MetricsSnapshot {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TypeError('histograms.json: not a JSON object');
  const snapshot = value as Partial<Record<keyof MetricsSnapshot, unknown>>;
  if (snapshot.version !== METRICS_SNAPSHOT_VERSION)
    throw new TypeError(
      `histograms.json: version ${JSON.stringify(snapshot.version)} is not ${METRICS_SNAPSHOT_VERSION}`,
    );
  for (const field of ['originMs', 'minuteMs'] as const) {
    if (typeof snapshot[field] !== 'number') throw new TypeError(`histograms.json: ${field} is not a number`);
  }
  for (const field of ['counters', 'histograms'] as const) {
    const part = snapshot[field];
    if (part === null || typeof part !== 'object' || Array.isArray(part))
      throw new TypeError(`histograms.json: ${field} is not an object`);
  }
  if (!Array.isArray(snapshot.timeline)) throw new TypeError('histograms.json: timeline is not an array');
  const histograms = { ...(snapshot.histograms as Record<string, unknown>) };
  for (const name of HISTOGRAM_NAMES) {
    // A histogram added since the file was written (generatorLagMs) reads as one that recorded nothing.
    histograms[name] ??= encodeHistogram(createHistogram());
    if (typeof histograms[name] !== 'string')
      throw new TypeError(`histograms.json: histograms.${name} is not an encoded histogram (a string)`);
  }
  return {
    ...(value as MetricsSnapshot),
    histograms: histograms as MetricsSnapshot['histograms'],
    timeline: snapshot.timeline.map(timelineRow),
  };
}

/** A minute of the timeline; one written before the generator was charted per minute reads as unmeasured. */
function timelineRow(value: unknown, index: number): MinuteRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TypeError(`histograms.json: timeline[${index}] is not an object`);
  const row = value as Partial<Record<keyof MinuteRow, unknown>>;
  const busy = row.generatorBusyPercent ?? null;
  if (busy !== null && typeof busy !== 'number')
    throw new TypeError(`histograms.json: timeline[${index}].generatorBusyPercent is not a number or null`);
  return { ...(value as MinuteRow), generatorBusyPercent: busy };
}
