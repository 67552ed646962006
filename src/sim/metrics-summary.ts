/**
 * The metrics part of summary.json (issue 5: `requests.*`, `latency.*`), read from a snapshot, so a merged
 * snapshot summarises exactly like an unsharded one.
 */
import { type Percentiles, percentilesOfEncoded } from './histogram.ts';
import type { MetricsSnapshot } from './metrics.ts';

export interface RequestsSummary {
  readonly total: number;
  readonly ok: number;
  /** (total - ok) / total; null when no request was made (there is no rate to speak of). */
  readonly errorRate: number | null;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly timeouts: number;
  readonly resets: number;
  readonly protocolErrors: number;
  readonly offlineSkips: number;
}

export interface LatencySummary {
  readonly requestMs: Percentiles;
  readonly timeToSyncMs: Percentiles;
  readonly timeToSyncOnlineMs: Percentiles;
  readonly timeToSyncOfflineMs: Percentiles;
}

export interface MetricsSummary {
  readonly requests: RequestsSummary;
  readonly latency: LatencySummary;
  readonly batches: { readonly rows: Percentiles; readonly bytes: Percentiles };
  /** The generator's lag, wall ms, and busy share per wall second, percent; no data in virtual time. */
  readonly generatorLagMs: Percentiles;
  readonly generatorBusyPercent: Percentiles;
  readonly duplicates: number;
  readonly rejectedRows: number;
  readonly salesCreated: number;
  readonly salesSynced: number;
  readonly crashes: number;
  readonly localFailures: number;
}

export function summariseMetrics(snapshot: MetricsSnapshot): MetricsSummary {
  const c = snapshot.counters;
  const h = snapshot.histograms;
  return {
    requests: {
      total: c.requests,
      ok: c.ok,
      errorRate: c.requests === 0 ? null : (c.requests - c.ok) / c.requests,
      byStatus: c.byStatus,
      timeouts: c.timeouts,
      resets: c.resets,
      protocolErrors: c.protocolErrors,
      offlineSkips: c.offlineSkips,
    },
    latency: {
      requestMs: percentilesOfEncoded(h.requestMs),
      timeToSyncMs: percentilesOfEncoded(h.timeToSyncMs),
      timeToSyncOnlineMs: percentilesOfEncoded(h.timeToSyncOnlineMs),
      timeToSyncOfflineMs: percentilesOfEncoded(h.timeToSyncOfflineMs),
    },
    batches: { rows: percentilesOfEncoded(h.batchRows), bytes: percentilesOfEncoded(h.batchBytes) },
    generatorLagMs: percentilesOfEncoded(h.generatorLagMs),
    generatorBusyPercent: percentilesOfEncoded(h.generatorBusyPercent),
    duplicates: c.duplicates,
    rejectedRows: c.rejectedRows,
    salesCreated: c.salesCreated,
    salesSynced: c.salesSynced,
    crashes: c.crashes,
    localFailures: c.localFailures,
  };
}
