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

/**
 * The load generator itself, in real time, sampled evenly over the phases that send load (no data in virtual
 * time, where nothing waits on it). Each p99 is what the thread had for 1% of the run.
 */
export interface GeneratorSummary {
  /**
   * How late (wall ms) syncsim's thread ran a timer due every 20 ms. A high p99: requests went out later than
   * the scenario asked, and latencies include waiting in syncsim.
   */
  readonly lagMs: Percentiles;
  /** The share (%) of each wall second the thread ran callbacks rather than waited. Near 100: no time to spare. */
  readonly busyPercent: Percentiles;
}

export interface MetricsSummary {
  readonly requests: RequestsSummary;
  readonly latency: LatencySummary;
  readonly batches: { readonly rows: Percentiles; readonly bytes: Percentiles };
  readonly generator: GeneratorSummary;
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
    generator: {
      lagMs: percentilesOfEncoded(h.generatorLagMs),
      busyPercent: percentilesOfEncoded(h.generatorBusyPercent),
    },
    duplicates: c.duplicates,
    rejectedRows: c.rejectedRows,
    salesCreated: c.salesCreated,
    salesSynced: c.salesSynced,
    crashes: c.crashes,
    localFailures: c.localFailures,
  };
}
