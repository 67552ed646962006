/**
 * The per-minute timeline of a run: traffic counted into the simulated minute it happened in, and the
 * gauges (devices online, backlog by sync status) the runner samples at each minute boundary.
 *
 * Each minute keeps its own request-latency histogram, encoded as soon as the run moves past the minute,
 * so a long run holds one live histogram (about 90 KB) instead of one per minute, and shards merge their
 * per-minute p99 exactly.
 */
import type { SyncStatus } from '../core/transaction-local.ts';
import { extent } from './extent.ts';
import {
  addEncoded,
  createHistogram,
  decodeHistogram,
  type EncodedHistogram,
  encodeHistogram,
  type Histogram,
  percentilesOf,
  recordValue,
} from './histogram.ts';

export const MINUTE_MS = 60_000;

export interface MinuteGauges {
  readonly devicesOnline: number;
  readonly backlog: Readonly<Record<SyncStatus, number>>;
}

export interface MinuteRow {
  /** Whole minutes since the run's origin: the minute covers [originMs + minute * minuteMs, + minuteMs). */
  readonly minute: number;
  /** The state the runner sampled in this minute (the last sample wins); null when it sampled none. */
  readonly gauges: MinuteGauges | null;
  /** Requests whose outcome (answer, timeout, reset) came in this minute; offline skips are not requests. */
  readonly requests: number;
  /** Requests that did not end in a valid 2xx: HTTP errors, timeouts, resets, protocol errors. */
  readonly errors: number;
  readonly offlineSkips: number;
  readonly salesCreated: number;
  /** Sales that reached `synced` on their device for the first time in this minute. */
  readonly salesSynced: number;
  /** p99 of the latencies recorded in this minute (see histogram.ts for null). */
  readonly p99RequestMs: number | null;
  /** This minute's request latencies, encoded; null when none. Kept so that merged shards recompute p99 exactly. */
  readonly requestMs: EncodedHistogram | null;
  /**
   * Real time only: the share of the wall time this minute took that syncsim's thread was working (%), as the
   * generator meter measures it; merged shards give their busiest thread. Null in virtual time, and in minutes
   * the meter did not cover (opening and checking the files).
   */
  readonly generatorBusyPercent: number | null;
}

interface MinuteCell {
  gauges: MinuteGauges | null;
  requests: number;
  errors: number;
  offlineSkips: number;
  salesCreated: number;
  salesSynced: number;
  /** The histogram while the minute is current; encoded (and this dropped) once the run moves on. */
  live: Histogram | null;
  encoded: EncodedHistogram | null;
  /** p99 of `encoded`, taken when it was encoded: decoding ~500 minutes for the rows allocated ~300 KB each. */
  encodedP99: number | null;
  generatorBusy: number | null;
}

function emptyCell(): MinuteCell {
  return {
    gauges: null,
    requests: 0,
    errors: 0,
    offlineSkips: 0,
    salesCreated: 0,
    salesSynced: 0,
    live: null,
    encoded: null,
    encodedP99: null,
    generatorBusy: null,
  };
}

/** Encodes a minute's histogram into its cell, with the p99 the rows will show. */
function encodeInto(cell: MinuteCell, histogram: Histogram): void {
  cell.encoded = encodeHistogram(histogram);
  cell.encodedP99 = percentilesOf(histogram).p99;
}

export class TimelineRecorder {
  readonly originMs: number;
  readonly minuteMs: number;
  private readonly cells = new Map<number, MinuteCell>();
  /** The latest minute that has a live histogram; earlier ones are encoded. */
  private liveMinute: number | null = null;

  constructor(originMs = 0, minuteMs = MINUTE_MS) {
    if (!(minuteMs > 0)) throw new RangeError(`minuteMs must be positive, got ${minuteMs}`);
    this.originMs = originMs;
    this.minuteMs = minuteMs;
  }

  minuteOf(atMs: number): number {
    return Math.floor((atMs - this.originMs) / this.minuteMs);
  }

  private cell(atMs: number): MinuteCell {
    const minute = this.minuteOf(atMs);
    let cell = this.cells.get(minute);
    if (cell === undefined) {
      cell = emptyCell();
      this.cells.set(minute, cell);
    }
    return cell;
  }

  /** A request's outcome at `atMs`; latency null for outcomes without an answer (timeouts, resets). */
  addRequest(atMs: number, latencyMs: number | null, error: boolean): void {
    const cell = this.cell(atMs);
    cell.requests += 1;
    if (error) cell.errors += 1;
    if (latencyMs !== null) this.recordLatency(this.minuteOf(atMs), cell, latencyMs);
  }

  /** A request counted already, found to have failed after all. */
  addError(atMs: number): void {
    this.cell(atMs).errors += 1;
  }

  addOfflineSkip(atMs: number): void {
    this.cell(atMs).offlineSkips += 1;
  }

  addSaleCreated(atMs: number): void {
    this.cell(atMs).salesCreated += 1;
  }

  addSaleSynced(atMs: number): void {
    this.cell(atMs).salesSynced += 1;
  }

  setGauges(atMs: number, gauges: MinuteGauges): void {
    this.cell(atMs).gauges = { devicesOnline: gauges.devicesOnline, backlog: { ...gauges.backlog } };
  }

  /** The generator's busy share over a span of wall time that began in the minute of `fromMs`; the busiest span wins. */
  setGeneratorBusy(fromMs: number, percent: number): void {
    const cell = this.cell(fromMs);
    cell.generatorBusy = maxOrNull(cell.generatorBusy, percent);
  }

  private recordLatency(minute: number, cell: MinuteCell, latencyMs: number): void {
    if (cell.live !== null) {
      recordValue(cell.live, latencyMs);
      return;
    }
    if (this.liveMinute === null || minute > this.liveMinute) {
      this.closeLive();
      cell.live = cell.encoded === null ? createHistogram() : decodeHistogram(cell.encoded);
      cell.encoded = null;
      cell.encodedP99 = null;
      this.liveMinute = minute;
      recordValue(cell.live, latencyMs);
      return;
    }
    // A late value for a closed minute (time is monotonic in a run, so this is rare): reopen, add, close.
    const histogram = cell.encoded === null ? createHistogram() : decodeHistogram(cell.encoded);
    recordValue(histogram, latencyMs);
    encodeInto(cell, histogram);
  }

  private closeLive(): void {
    if (this.liveMinute === null) return;
    const cell = this.cells.get(this.liveMinute);
    if (cell?.live) {
      encodeInto(cell, cell.live);
      cell.live = null;
    }
    this.liveMinute = null;
  }

  /** Every minute from the first to the last one that saw anything, gaps filled with empty rows. */
  rows(): MinuteRow[] {
    const span = extent(this.cells.keys());
    if (span === null) return [];
    const { min: first, max: last } = span;
    const rows: MinuteRow[] = [];
    for (let minute = first; minute <= last; minute++) {
      const cell = this.cells.get(minute) ?? emptyCell();
      const histogram = cell.live;
      const encoded = histogram !== null ? encodeHistogram(histogram) : cell.encoded;
      const p99 = histogram !== null ? percentilesOf(histogram).p99 : cell.encodedP99;
      rows.push({
        minute,
        gauges: cell.gauges,
        requests: cell.requests,
        errors: cell.errors,
        offlineSkips: cell.offlineSkips,
        salesCreated: cell.salesCreated,
        salesSynced: cell.salesSynced,
        p99RequestMs: p99,
        requestMs: encoded,
        generatorBusyPercent: cell.generatorBusy,
      });
    }
    return rows;
  }
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

function addGauges(a: MinuteGauges, b: MinuteGauges): MinuteGauges {
  return {
    devicesOnline: a.devicesOnline + b.devicesOnline,
    backlog: {
      pending: a.backlog.pending + b.backlog.pending,
      syncing: a.backlog.syncing + b.backlog.syncing,
      synced: a.backlog.synced + b.backlog.synced,
      failed: a.backlog.failed + b.backlog.failed,
    },
  };
}

/**
 * Merges the timelines of shards minute by minute. Pure.
 *
 * - requests, errors, offlineSkips, salesCreated, salesSynced: summed, exact.
 * - requestMs: histograms added, exact; p99RequestMs is recomputed from the sum, so it is exact too
 *   (a p99 cannot be merged from p99s).
 * - gauges (devices online, backlog): summed, exact for every minute each shard sampled, since the shards
 *   hold disjoint devices. A shard whose run ended earlier (its heal phase converged sooner) has no rows
 *   after its end: its last sample is carried forward there, i.e. its devices are taken to stay as they
 *   ended. An unsharded run would have kept those devices running, so those minutes are an estimate.
 * - generatorBusyPercent: the highest of the shards' (each shard has a thread of its own; the busiest one is the
 *   one that falls behind first).
 */
export function mergeTimelines(timelines: readonly (readonly MinuteRow[])[]): MinuteRow[] {
  const nonEmpty = timelines.filter((rows) => rows.length > 0);
  if (nonEmpty.length === 0) return [];
  const first = Math.min(...nonEmpty.map((rows) => rows[0]!.minute));
  const last = Math.max(...nonEmpty.map((rows) => rows[rows.length - 1]!.minute));
  const byMinute = nonEmpty.map((rows) => new Map(rows.map((row) => [row.minute, row])));
  const lastMinuteOf = nonEmpty.map((rows) => rows[rows.length - 1]!.minute);
  const lastGauges: (MinuteGauges | null)[] = nonEmpty.map(() => null);
  const merged: MinuteRow[] = [];
  for (let minute = first; minute <= last; minute++) {
    let gauges: MinuteGauges | null = null;
    let requests = 0;
    let errors = 0;
    let offlineSkips = 0;
    let salesCreated = 0;
    let salesSynced = 0;
    let generatorBusy: number | null = null;
    const histograms: EncodedHistogram[] = [];
    for (const [shard, rows] of byMinute.entries()) {
      const row = rows.get(minute);
      if (row?.gauges) lastGauges[shard] = row.gauges;
      const ended = minute > lastMinuteOf[shard]!;
      const shardGauges = row?.gauges ?? (ended ? (lastGauges[shard] ?? null) : null);
      if (shardGauges) gauges = gauges === null ? shardGauges : addGauges(gauges, shardGauges);
      if (row === undefined) continue;
      requests += row.requests;
      errors += row.errors;
      offlineSkips += row.offlineSkips;
      salesCreated += row.salesCreated;
      salesSynced += row.salesSynced;
      generatorBusy = maxOrNull(generatorBusy, row.generatorBusyPercent);
      if (row.requestMs !== null) histograms.push(row.requestMs);
    }
    const sum = histograms.length === 0 ? null : addEncoded(histograms);
    merged.push({
      minute,
      gauges,
      requests,
      errors,
      offlineSkips,
      salesCreated,
      salesSynced,
      p99RequestMs: sum === null ? null : percentilesOf(sum).p99,
      requestMs: sum === null ? null : encodeHistogram(sum),
      generatorBusyPercent: generatorBusy,
    });
  }
  return merged;
}
