/**
 * The story of every sale, kept compactly, so that each violation the checker finds can say what happened:
 * when the sale was made (virtual and device time, online or not), each time it was claimed, each batch it
 * went out in and what came back, releases, crashes of its device, and when it was marked synced.
 *
 * Memory: everything is numbers in typed-array columns (trace-tables.ts) but each sale's offline id and
 * reference: a sale is an index, its steps a linked list of step nodes, and a claim, a release or a request
 * is one entry shared by every sale it concerns; a sale's row result sits on its step for that request.
 * The readable story (SaleTrace) is built on demand, for the few sales a report shows.
 *
 * It also feeds the metrics (sales created, requests, time-to-sync), since it already sees every event with
 * the time it happened: the runner attaches one observer per device and nothing else per event.
 */
import type { CoreEvent, CoreObserver, ReleaseReason, RowOutcome } from '../core/events.ts';
import type { TransportFailure, TransportFailureKind } from '../core/ports.ts';
import type { MetricsSink, RequestOutcome } from './metrics.ts';
import type { RowSlots } from './row-slots.ts';
import { nullableInt, nullableOf } from './trace-columns.ts';
import { type KnownSales, type SaleResult, StepKind, TraceTables } from './trace-tables.ts';

/** What the observer of one device needs from the runner. */
export interface TraceDeviceContext {
  /** The run's virtual time (ms); never the device's own clock, which may jump. */
  now(): number;
  /** Whether the device is online now: splits time-to-sync into sales made online and offline. */
  isOnline(): boolean;
  /**
   * Scenario ms per wall ms: the real-time speed factor (1 in virtual time). Request latency is a property of
   * the network and the backend, so it is reported in wall ms; time-to-sync stays in scenario time.
   */
  readonly speed?: number;
}

/** One request, shared by every sale in it. Read-only to everyone but the observer that fills it in. */
export interface BatchTrace {
  readonly type: 'batch';
  readonly deviceId: string;
  /** Per device; restarts are distinguished by sentAtMs. */
  readonly batchId: number;
  readonly sentAtMs: number;
  readonly rows: number;
  readonly bytes: number;
  /** When the outcome came in; null while in flight, or forever if the device crashed first. */
  readonly endedAtMs: number | null;
  /** The HTTP status of an answer (2xx or not); null for offline, timeout, reset, protocol, or no outcome. */
  readonly status: number | null;
  /** Why the request failed; null when it was answered with a valid 2xx or has no outcome. */
  readonly failure: TransportFailureKind | null;
  /** The timeout phase, or the reset / protocol detail (truncated); HTTP bodies are not kept. */
  readonly detail: string | null;
  /** How many results a 2xx answer held. */
  readonly results: number | null;
  /** When the server rejected the whole batch and the policy split it: the two halves' sizes. */
  readonly split: readonly [number, number] | null;
  /** The server's result for one row of this batch, or null when it gave none. */
  resultFor(offlineId: string): SaleResult | null;
}

export interface DeviceCrash {
  readonly deviceId: string;
  readonly atMs: number;
  /** Where in its work the device was stopped, as the runner names it (e.g. `after-claim`). */
  readonly point: string;
}

/** A createTransaction call that threw (e.g. its reference collided with an existing row): no row, no offline id. */
export interface LocalFailure {
  readonly deviceId: string;
  readonly atMs: number;
  readonly reference: string;
  readonly error: string;
}

export interface SaleAttempt {
  readonly batch: BatchTrace;
  /** This sale's row result in that batch; null when the request failed or the answer did not mention it. */
  readonly result: SaleResult | null;
}

export type SaleEvent =
  | { readonly type: 'claimed'; readonly atMs: number; readonly rows: number }
  | {
      readonly type: 'attempt';
      readonly atMs: number;
      readonly batch: BatchTrace;
      readonly result: SaleResult | null;
    }
  | { readonly type: 'released'; readonly atMs: number; readonly reason: ReleaseReason }
  | { readonly type: 'crash'; readonly atMs: number; readonly point: string };

/** The readable story of one sale (built on demand by traceOf; batches are the shared objects). */
export interface SaleTrace {
  readonly offlineId: string;
  readonly offlineReference: string;
  readonly deviceId: string;
  /** Virtual ms. */
  readonly createdAtMs: number;
  /** Epoch ms on the device's clock (what its reference was stamped with). */
  readonly createdAtDevice: number;
  readonly createdOnline: boolean;
  /** Virtual ms of the first time its device marked it synced. */
  readonly syncedAtMs: number | null;
  readonly attempts: readonly SaleAttempt[];
  /** Claims, attempts, releases and the crashes of its device from its creation until it synced, in order. */
  readonly events: readonly SaleEvent[];
}

const DETAIL_LIMIT = 120;

/**
 * A request as a BatchTrace, read from the columns when a trace is built: one object per request, so the
 * sales of a batch share it. Its links to the columns are private fields, so a trace's JSON stays small.
 */
class BatchView implements BatchTrace {
  readonly type = 'batch';
  deviceId = '';
  batchId = 0;
  sentAtMs = 0;
  rows = 0;
  bytes = 0;
  endedAtMs: number | null = null;
  status: number | null = null;
  failure: TransportFailureKind | null = null;
  detail: string | null = null;
  results: number | null = null;
  split: readonly [number, number] | null = null;
  readonly #tables: TraceTables;
  readonly #batch: number;

  constructor(tables: TraceTables, batch: number) {
    this.#tables = tables;
    this.#batch = batch;
  }

  /** Reads the request's columns again: a trace built later sees what has happened since. */
  refresh(): this {
    const t = this.#tables;
    const b = this.#batch;
    this.deviceId = t.devices.valueAt(t.batchDevice.get(b));
    this.batchId = t.batchId.get(b);
    this.sentAtMs = t.batchSentAtMs.get(b);
    this.rows = t.batchRows.get(b);
    this.bytes = t.batchBytes.get(b);
    this.endedAtMs = nullableOf(t.batchEndedAtMs.get(b));
    this.status = nullableInt(t.batchStatus.get(b));
    const failure = t.batchFailure.get(b);
    this.failure = failure === 0 ? null : t.failures.valueAt(failure - 1);
    this.detail = t.batchDetails.get(b) ?? null;
    this.results = nullableInt(t.batchResults.get(b));
    this.split = t.batchSplits.get(b) ?? null;
    return this;
  }

  resultFor(offlineId: string): SaleResult | null {
    const sale = this.#tables.saleIndex.get(offlineId);
    if (sale === undefined) return null;
    const step = this.#tables.batchStepOf(sale, this.#batch);
    return step === -1 ? null : this.#tables.resultOf(step, offlineId);
  }
}

function failureDetail(failure: TransportFailure): string | null {
  switch (failure.kind) {
    case 'timeout':
      return failure.phase;
    case 'reset':
    case 'protocol':
      return failure.detail.slice(0, DETAIL_LIMIT);
    default:
      return null;
  }
}

function requestOutcome(failure: TransportFailure): RequestOutcome | null {
  switch (failure.kind) {
    case 'offline':
      return null;
    case 'http':
      return { kind: 'http', status: failure.status };
    default:
      return { kind: failure.kind };
  }
}

export interface TraceRecorderOptions {
  /** Fed with sales created, requests, offline skips, row results, time-to-sync, crashes, local failures. */
  readonly metrics?: MetricsSink;
}

export class TraceRecorder {
  private readonly tables: TraceTables;
  /** The requests some built trace shows, so that every trace shows one object per request. */
  private readonly views = new Map<number, BatchView>();
  private readonly crashes = new Map<string, DeviceCrash[]>();
  private readonly failures: LocalFailure[] = [];

  constructor(options: TraceRecorderOptions = {}) {
    this.tables = new TraceTables(options.metrics ?? null);
  }

  get saleCount(): number {
    return this.tables.saleIndex.size;
  }

  /**
   * The observer to give the core of one device. Attach a fresh one after each restart: batch ids are
   * per process, and the old process's batches in flight stay without an outcome (as they did).
   */
  observer(deviceId: string, context: TraceDeviceContext): CoreObserver {
    return new DeviceObserver(this.tables, this.tables.devices.indexOf(deviceId), context);
  }

  recordCrash(deviceId: string, atMs: number, point: string): void {
    let list = this.crashes.get(deviceId);
    if (list === undefined) {
      list = [];
      this.crashes.set(deviceId, list);
    }
    list.push({ deviceId, atMs, point });
    this.tables.metrics?.recordCrash(atMs);
  }

  recordLocalFailure(deviceId: string, atMs: number, reference: string, error: string): void {
    this.failures.push({ deviceId, atMs, reference, error });
    this.tables.metrics?.recordLocalFailure(atMs);
  }

  localFailures(): readonly LocalFailure[] {
    return this.failures;
  }

  crashesOf(deviceId: string): readonly DeviceCrash[] {
    return this.crashes.get(deviceId) ?? [];
  }

  /** The story of one sale, or null for an offline id this recorder never saw created. */
  traceOf(offlineId: string): SaleTrace | null {
    const sale = this.tables.saleIndex.get(offlineId);
    return sale === undefined ? null : this.buildTrace(sale);
  }

  private view(batch: number): BatchView {
    let view = this.views.get(batch);
    if (view === undefined) {
      view = new BatchView(this.tables, batch);
      this.views.set(batch, view);
    }
    return view.refresh();
  }

  private buildTrace(sale: number): SaleTrace {
    const t = this.tables;
    const offlineId = t.saleIds[sale]!;
    const attempts: SaleAttempt[] = [];
    const events: SaleEvent[] = [];
    for (let step = t.saleFirstStep.get(sale); step !== -1; step = t.stepNext.get(step)) {
      const ref = t.stepRef.get(step);
      const of = Math.floor(ref / 4);
      switch ((ref % 4) as StepKind) {
        case StepKind.Batch: {
          const batch = this.view(of);
          const result = t.resultOf(step, offlineId);
          attempts.push({ batch, result });
          events.push({ type: 'attempt', atMs: batch.sentAtMs, batch, result });
          break;
        }
        case StepKind.Claim:
          events.push({ type: 'claimed', atMs: t.claimAtMs.get(of), rows: t.claimRows.get(of) });
          break;
        case StepKind.Release:
          events.push({
            type: 'released',
            atMs: t.releaseAtMs.get(of),
            reason: t.reasons.valueAt(t.releaseReason.get(of)),
          });
          break;
      }
    }
    const deviceId = t.devices.valueAt(t.saleDevice.get(sale));
    const createdAtMs = t.saleCreatedAtMs.get(sale);
    const syncedAtMs = nullableOf(t.saleSyncedAtMs.get(sale));
    const until = syncedAtMs ?? Number.POSITIVE_INFINITY;
    const crashes = this.crashesOf(deviceId).filter((c) => c.atMs >= createdAtMs && c.atMs <= until);
    return {
      offlineId,
      offlineReference: t.saleReferences[sale]!,
      deviceId,
      createdAtMs,
      createdAtDevice: t.saleCreatedAtDevice.get(sale),
      createdOnline: t.saleOnline.get(sale) === 1,
      syncedAtMs,
      attempts,
      events: mergeCrashes(events, crashes),
    };
  }
}

/** Crashes go after the steps of the same instant: a crash `after-claim` follows its claim. */
function mergeCrashes(events: readonly SaleEvent[], crashes: readonly DeviceCrash[]): SaleEvent[] {
  const merged: SaleEvent[] = [];
  let next = 0;
  for (const event of events) {
    while (next < crashes.length && crashes[next]!.atMs < event.atMs) {
      const crash = crashes[next++]!;
      merged.push({ type: 'crash', atMs: crash.atMs, point: crash.point });
    }
    merged.push(event);
  }
  for (const crash of crashes.slice(next))
    merged.push({ type: 'crash', atMs: crash.atMs, point: crash.point });
  return merged;
}

/** Ended batches are kept a little longer: a batch-split follows the batch-failed of its batch. */
const RECENTLY_ENDED = 16;

/** A request in flight: its row in the batch columns, and its rows' sales and steps, by position. */
interface OpenBatch extends KnownSales {
  readonly batch: number;
  readonly steps: readonly number[];
}

class DeviceObserver implements CoreObserver {
  /** Batch id -> the request, for the requests of this process in flight. */
  private readonly open = new Map<number, OpenBatch>();
  /** Batch id -> request index, for requests just ended. */
  private readonly ended = new Map<number, number>();
  /** The sales of the latest claim: the rows of the batch that follows it. */
  private claimed: KnownSales | null = null;
  /** Row id in the device file -> sale index, for the row events: the device's, across its restarts. */
  private readonly saleOfRow: RowSlots;

  constructor(
    private readonly tables: TraceTables,
    private readonly device: number,
    private readonly context: TraceDeviceContext,
  ) {
    this.saleOfRow = tables.salesByRow(device);
  }

  onEvent(event: CoreEvent): void {
    const now = this.context.now();
    const t = this.tables;
    switch (event.type) {
      case 'transaction-created': {
        const sale = t.addSale(
          event.offlineId,
          event.offlineReference,
          this.device,
          now,
          event.createdAtDevice,
          this.context.isOnline(),
        );
        this.saleOfRow.set(event.rowId, sale);
        t.metrics?.recordSaleCreated(now);
        return;
      }
      case 'rows-claimed': {
        const sales = this.salesOfRows(event.rowIds);
        t.addSteps(sales, StepKind.Claim, t.addClaim(now, event.offlineIds.length));
        this.claimed = { offlineIds: event.offlineIds, sales };
        return;
      }
      case 'batch-sending': {
        const batch = t.addBatch(this.device, event.batchId, now, event.offlineIds.length, event.bytes);
        this.openBatch(event.batchId, batch, event.offlineIds, this.claimed);
        this.claimed = null;
        return;
      }
      case 'batch-failed':
        this.batchFailed(now, event.batchId, event.offlineIds, event.failure);
        return;
      case 'batch-answered': {
        const batch = this.batchFor(now, event.batchId, event.offlineIds);
        t.batchEndedAtMs.set(batch, now);
        t.batchStatus.set(batch, event.status);
        t.batchResults.set(batch, event.results ?? -1);
        t.metrics?.recordRequest({
          atMs: now,
          latencyMs: this.latencyOf(batch, now),
          rows: t.batchRows.get(batch),
          bytes: t.batchBytes.get(batch),
          outcome: { kind: 'ok', status: event.status },
        });
        return;
      }
      case 'rows-applied':
        this.rowsApplied(now, event.batchId, event.outcomes);
        return;
      case 'batch-incomplete':
        t.metrics?.recordIncompleteAnswer(now, event.status);
        return;
      case 'rows-released':
        t.addSteps(
          this.salesOfRows(event.rowIds),
          StepKind.Release,
          t.addRelease(now, event.rowIds.length, event.reason),
        );
        return;
      case 'batch-split': {
        const batch = this.open.get(event.batchId)?.batch ?? this.ended.get(event.batchId);
        if (batch !== undefined) t.batchSplits.set(batch, event.sizes);
        return;
      }
    }
  }

  /** The sale index of each row, -1 for one the trace never saw created. */
  private salesOfRows(rowIds: readonly number[]): number[] {
    return rowIds.map((rowId) => this.saleOfRow.get(rowId));
  }

  /** Wall ms in real time (scenario ms / speed), whatever speed the scenario's clock runs at. */
  private latencyOf(batch: number, now: number): number {
    return (now - this.tables.batchSentAtMs.get(batch)) / (this.context.speed ?? 1);
  }

  private openBatch(
    batchId: number,
    batch: number,
    offlineIds: readonly string[],
    known: KnownSales | null,
  ): void {
    const sales = this.tables.salesOf(offlineIds, known);
    const steps = this.tables.addSteps(sales, StepKind.Batch, batch);
    this.open.set(batchId, { batch, offlineIds, sales, steps });
  }

  /** The batch of an outcome; one the observer never saw sent (e.g. an offline check before sending) is created now. */
  private batchFor(now: number, batchId: number, offlineIds: readonly string[]): number {
    const known = this.open.get(batchId);
    if (known !== undefined) return known.batch;
    const batch = this.tables.addBatch(this.device, batchId, now, offlineIds.length, 0);
    this.openBatch(batchId, batch, offlineIds, null);
    return batch;
  }

  private close(batchId: number, batch: number): void {
    this.open.delete(batchId);
    this.ended.set(batchId, batch);
    if (this.ended.size > RECENTLY_ENDED) this.ended.delete(this.ended.keys().next().value!);
  }

  private batchFailed(
    now: number,
    batchId: number,
    offlineIds: readonly string[],
    failure: TransportFailure,
  ): void {
    const t = this.tables;
    const batch = this.batchFor(now, batchId, offlineIds);
    t.batchEndedAtMs.set(batch, now);
    t.batchFailure.set(batch, 1 + t.failures.indexOf(failure.kind));
    t.batchStatus.set(batch, failure.kind === 'http' ? failure.status : -1);
    const detail = failureDetail(failure);
    if (detail === null) t.batchDetails.delete(batch);
    else t.batchDetails.set(batch, detail);
    this.close(batchId, batch);
    const sink = t.metrics;
    if (sink === null) return;
    const outcome = requestOutcome(failure);
    if (outcome === null) {
      sink.recordOfflineSkip(now);
      return;
    }
    sink.recordRequest({
      atMs: now,
      latencyMs: this.latencyOf(batch, now),
      rows: t.batchRows.get(batch),
      bytes: t.batchBytes.get(batch),
      outcome,
    });
  }

  private rowsApplied(now: number, batchId: number, outcomes: readonly RowOutcome[]): void {
    const t = this.tables;
    const open = this.open.get(batchId);
    // Outcomes outside a known batch (the core marks an isolated rejected row `failed` with batch id 0):
    // they belong to the story of each sale's latest attempt (-1).
    const batch = open?.batch ?? this.ended.get(batchId) ?? -1;
    const sink = t.metrics;
    outcomes.forEach((outcome, i) => {
      // The batch's rows in the order sent (the usual answer): its sales and steps are known.
      const inOrder = open !== undefined && open.offlineIds[i] === outcome.offlineId;
      const sale = inOrder ? (open.sales[i] as number) : this.saleOfRow.get(outcome.rowId);
      if (sale !== -1)
        t.setStepResult(inOrder ? (open.steps[i] as number) : t.batchStepOf(sale, batch), outcome);
      if (outcome.duplicate) sink?.recordDuplicate(now);
      if (outcome.status === 'failed') sink?.recordRejected(now);
      if (outcome.status !== 'synced' || sale === -1 || !Number.isNaN(t.saleSyncedAtMs.get(sale))) return;
      t.saleSyncedAtMs.set(sale, now);
      sink?.recordSynced(now, now - t.saleCreatedAtMs.get(sale), t.saleOnline.get(sale) === 1);
    });
    if (batch !== -1) this.close(batchId, batch);
  }
}
