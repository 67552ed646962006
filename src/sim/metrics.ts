/**
 * The run's metrics recorder. The runner (through the TraceRecorder, which sees every core event) feeds it
 * virtual-time values; `snapshot()` gives a plain JSON value with every histogram encoded, which
 * mergeMetricsSnapshots (metrics-merge.ts) adds up exactly across shards.
 *
 * What counts as what:
 * - a request is a batch that left the device and got an outcome: a valid 2xx (`ok`), a non-2xx status,
 *   a timeout, a reset, or a protocol error (a 2xx whose body is not a batch-sync answer). So
 *   requests = sum(byStatus) + timeouts + resets + protocolErrors, and byStatus holds the 2xx too.
 * - an offline skip is a sync attempt that failed at once because the device knew it was offline: no
 *   request, so it is in none of the request counters or histograms.
 * - request latency is recorded for every answer (2xx, non-2xx, protocol error), not for timeouts and
 *   resets, whose "latency" is the timeout setting or the moment the connection broke.
 * - rows and bytes per batch are recorded for requests only.
 * - time-to-sync is recorded once per sale, the first time its device marks it `synced`, in virtual ms
 *   from its creation (device clocks may jump; the run's clock does not).
 * - the generator's lag (wall ms, sampled every 20 ms) and busy share (percent, each wall second) are recorded
 *   in real time only (generator-meter.ts). Virtual time waits on nothing: they stay empty.
 */
import {
  createHistogram,
  type EncodedHistogram,
  encodeHistogram,
  type Histogram,
  recordValue,
} from './histogram.ts';
import { MINUTE_MS, type MinuteGauges, type MinuteRow, TimelineRecorder } from './timeline.ts';

export type RequestOutcome =
  /** A 2xx whose body was a valid batch-sync answer. */
  | { readonly kind: 'ok'; readonly status: number }
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'protocol' };

export interface RequestRecord {
  /** When the outcome came in (virtual ms). */
  readonly atMs: number;
  /** From sending to the outcome. */
  readonly latencyMs: number;
  readonly rows: number;
  readonly bytes: number;
  readonly outcome: RequestOutcome;
}

/** What the trace recorder (or any other feeder) calls; MetricsRecorder implements it. */
export interface MetricsSink {
  recordSaleCreated(atMs: number): void;
  recordRequest(request: RequestRecord): void;
  recordOfflineSkip(atMs: number): void;
  /** An answer recorded as ok that left rows without a result: a protocol error after all. */
  recordIncompleteAnswer(atMs: number, status: number): void;
  /** A row the server answered as a duplicate (already stored). */
  recordDuplicate(atMs: number): void;
  /** A row the server rejected (success: false). */
  recordRejected(atMs: number): void;
  recordSynced(atMs: number, timeToSyncMs: number, createdOnline: boolean): void;
  recordCrash(atMs: number): void;
  recordLocalFailure(atMs: number): void;
}

export interface MetricsCounters {
  readonly requests: number;
  readonly ok: number;
  /** Every answered status, 2xx included, keyed by the status as a string. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly timeouts: number;
  readonly resets: number;
  readonly protocolErrors: number;
  readonly offlineSkips: number;
  readonly duplicates: number;
  readonly rejectedRows: number;
  readonly salesCreated: number;
  /** Sales that reached `synced` at least once (= the count of the time-to-sync histogram). */
  readonly salesSynced: number;
  readonly crashes: number;
  /** createTransaction calls that threw (e.g. a reference that collided locally). */
  readonly localFailures: number;
}

export const HISTOGRAM_NAMES = [
  'requestMs',
  'timeToSyncMs',
  'timeToSyncOnlineMs',
  'timeToSyncOfflineMs',
  'batchRows',
  'batchBytes',
  'generatorLagMs',
  'generatorBusyPercent',
] as const;
export type HistogramName = (typeof HISTOGRAM_NAMES)[number];

export const METRICS_SNAPSHOT_VERSION = 1;

/** Plain JSON: what a shard writes and `merge` reads. */
export interface MetricsSnapshot {
  readonly version: typeof METRICS_SNAPSHOT_VERSION;
  /** Virtual time of minute 0 of the timeline; shards of one run share it. */
  readonly originMs: number;
  readonly minuteMs: number;
  readonly counters: MetricsCounters;
  readonly histograms: Readonly<Record<HistogramName, EncodedHistogram>>;
  readonly timeline: readonly MinuteRow[];
}

type MutableCounters = { -readonly [K in keyof MetricsCounters]: MetricsCounters[K] } & {
  byStatus: Record<string, number>;
};

export function emptyCounters(): MetricsCounters {
  return {
    requests: 0,
    ok: 0,
    byStatus: {},
    timeouts: 0,
    resets: 0,
    protocolErrors: 0,
    offlineSkips: 0,
    duplicates: 0,
    rejectedRows: 0,
    salesCreated: 0,
    salesSynced: 0,
    crashes: 0,
    localFailures: 0,
  };
}

/** byStatus with its keys in numeric order, so equal counters serialise to equal JSON. */
export function sortedStatuses(byStatus: Readonly<Record<string, number>>): Record<string, number> {
  const sorted: Record<string, number> = {};
  for (const key of Object.keys(byStatus).sort((a, b) => Number(a) - Number(b))) sorted[key] = byStatus[key]!;
  return sorted;
}

export interface MetricsRecorderOptions {
  /** Virtual time of the run's start: minute 0 of the timeline. Default 0. */
  readonly originMs?: number;
  /** Default 60 000. */
  readonly minuteMs?: number;
}

export class MetricsRecorder implements MetricsSink {
  private readonly counters: MutableCounters = { ...emptyCounters(), byStatus: {} };
  private readonly histograms: Record<HistogramName, Histogram> = {
    requestMs: createHistogram(),
    timeToSyncMs: createHistogram(),
    timeToSyncOnlineMs: createHistogram(),
    timeToSyncOfflineMs: createHistogram(),
    batchRows: createHistogram(),
    batchBytes: createHistogram(),
    generatorLagMs: createHistogram(),
    generatorBusyPercent: createHistogram(),
  };
  private readonly timeline: TimelineRecorder;

  constructor(options: MetricsRecorderOptions = {}) {
    this.timeline = new TimelineRecorder(options.originMs ?? 0, options.minuteMs ?? MINUTE_MS);
  }

  recordSaleCreated(atMs: number): void {
    this.counters.salesCreated += 1;
    this.timeline.addSaleCreated(atMs);
  }

  recordRequest(request: RequestRecord): void {
    const counters = this.counters;
    const { outcome } = request;
    counters.requests += 1;
    switch (outcome.kind) {
      case 'ok':
        counters.ok += 1;
        counters.byStatus[outcome.status] = (counters.byStatus[outcome.status] ?? 0) + 1;
        break;
      case 'http':
        counters.byStatus[outcome.status] = (counters.byStatus[outcome.status] ?? 0) + 1;
        break;
      case 'timeout':
        counters.timeouts += 1;
        break;
      case 'reset':
        counters.resets += 1;
        break;
      case 'protocol':
        counters.protocolErrors += 1;
        break;
    }
    const answered = outcome.kind === 'ok' || outcome.kind === 'http' || outcome.kind === 'protocol';
    if (answered) recordValue(this.histograms.requestMs, request.latencyMs);
    recordValue(this.histograms.batchRows, request.rows);
    recordValue(this.histograms.batchBytes, request.bytes);
    this.timeline.addRequest(request.atMs, answered ? request.latencyMs : null, outcome.kind !== 'ok');
  }

  recordIncompleteAnswer(atMs: number, status: number): void {
    const counters = this.counters;
    counters.ok -= 1;
    const left = (counters.byStatus[status] ?? 1) - 1;
    if (left > 0) counters.byStatus[status] = left;
    else delete counters.byStatus[status];
    counters.protocolErrors += 1;
    this.timeline.addError(atMs);
  }

  recordOfflineSkip(atMs: number): void {
    this.counters.offlineSkips += 1;
    this.timeline.addOfflineSkip(atMs);
  }

  recordDuplicate(_atMs: number): void {
    this.counters.duplicates += 1;
  }

  recordRejected(_atMs: number): void {
    this.counters.rejectedRows += 1;
  }

  recordSynced(atMs: number, timeToSyncMs: number, createdOnline: boolean): void {
    this.counters.salesSynced += 1;
    recordValue(this.histograms.timeToSyncMs, timeToSyncMs);
    recordValue(
      createdOnline ? this.histograms.timeToSyncOnlineMs : this.histograms.timeToSyncOfflineMs,
      timeToSyncMs,
    );
    this.timeline.addSaleSynced(atMs);
  }

  /** The generator's probe timer fired lateMs (wall) after it was due. */
  recordGeneratorLag(lateMs: number): void {
    recordValue(this.histograms.generatorLagMs, lateMs);
  }

  /** The share of a wall second the generator's thread was busy, in percent. */
  recordGeneratorBusy(percent: number): void {
    recordValue(this.histograms.generatorBusyPercent, percent);
  }

  recordCrash(_atMs: number): void {
    this.counters.crashes += 1;
  }

  recordLocalFailure(_atMs: number): void {
    this.counters.localFailures += 1;
  }

  /** The counters so far, live (progress display); do not modify. */
  get current(): Readonly<MetricsCounters> {
    return this.counters;
  }

  /** The runner calls this at each minute boundary (and once at the end) with the fleet's state. */
  recordGauges(atMs: number, gauges: MinuteGauges): void {
    this.timeline.setGauges(atMs, gauges);
  }

  /** Real time: the generator's busy share (%) over the wall time since the scenario time `fromMs`. */
  recordGeneratorSpan(fromMs: number, percent: number): void {
    this.timeline.setGeneratorBusy(fromMs, percent);
  }

  snapshot(): MetricsSnapshot {
    const histograms = {} as Record<HistogramName, EncodedHistogram>;
    for (const name of HISTOGRAM_NAMES) histograms[name] = encodeHistogram(this.histograms[name]);
    return {
      version: METRICS_SNAPSHOT_VERSION,
      originMs: this.timeline.originMs,
      minuteMs: this.timeline.minuteMs,
      counters: { ...this.counters, byStatus: sortedStatuses(this.counters.byStatus) },
      histograms,
      timeline: this.timeline.rows(),
    };
  }
}
