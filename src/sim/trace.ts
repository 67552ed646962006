/**
 * The story of every sale, kept compactly, so that each violation the checker finds can say what happened:
 * when the sale was made (virtual and device time, online or not), each time it was claimed, each batch it
 * went out in and what came back, releases, crashes of its device, and when it was marked synced.
 *
 * Memory: a sale holds one small record and one array of steps; a step is shared by every sale it concerns
 * (one BatchRecord per request, one ClaimStep per claim, one ReleaseStep per release), and a batch keeps the
 * core's own outcomes array instead of a copy per row. 100 000 sales with 3 attempts each (batches of 10)
 * take about 48 MB, a quarter of it the sales' own id and reference strings (test/sim/trace.test.ts).
 *
 * It also feeds the metrics (sales created, requests, time-to-sync), since it already sees every event with
 * the time it happened: the runner attaches one observer per device and nothing else per event.
 */
import type { CoreEvent, CoreObserver, ReleaseReason, RowOutcome } from '../core/events.ts';
import type { TransportFailure, TransportFailureKind } from '../core/ports.ts';
import type { MetricsSink, RequestOutcome } from './metrics.ts';

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

export interface ClaimStep {
  readonly type: 'claim';
  readonly atMs: number;
  /** How many rows this claim took (the sales that share this object). */
  readonly rows: number;
}

export interface ReleaseStep {
  readonly type: 'release';
  readonly atMs: number;
  readonly reason: ReleaseReason;
  readonly rows: number;
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
  resultFor(offlineId: string): RowOutcome | null;
}

export type SaleStep = ClaimStep | ReleaseStep | BatchTrace;

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
  readonly result: RowOutcome | null;
}

export type SaleEvent =
  | { readonly type: 'claimed'; readonly atMs: number; readonly rows: number }
  | {
      readonly type: 'attempt';
      readonly atMs: number;
      readonly batch: BatchTrace;
      readonly result: RowOutcome | null;
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
/** Arrays up to this length are rebuilt at their exact size on append (concat; push and spread leave slack). */
const EXACT_STEPS = 8;

class BatchRecord implements BatchTrace {
  readonly type = 'batch';
  endedAtMs: number | null = null;
  status: number | null = null;
  failure: TransportFailureKind | null = null;
  detail: string | null = null;
  results: number | null = null;
  split: readonly [number, number] | null = null;
  /** The core's rows-applied outcomes, shared, not copied; private so JSON of a trace stays small. */
  #outcomes: readonly RowOutcome[] | null = null;

  constructor(
    readonly deviceId: string,
    readonly batchId: number,
    readonly sentAtMs: number,
    readonly rows: number,
    readonly bytes: number,
  ) {}

  addOutcomes(outcomes: readonly RowOutcome[]): void {
    this.#outcomes = this.#outcomes === null ? outcomes : this.#outcomes.concat(outcomes);
  }

  resultFor(offlineId: string): RowOutcome | null {
    if (this.#outcomes === null) return null;
    for (let i = this.#outcomes.length - 1; i >= 0; i--) {
      const outcome = this.#outcomes[i]!;
      if (outcome.offlineId === offlineId) return outcome;
    }
    return null;
  }
}

class SaleRecord {
  syncedAtMs: number | null = null;
  steps: SaleStep[] | null = null;

  constructor(
    readonly offlineId: string,
    readonly offlineReference: string,
    readonly deviceId: string,
    readonly createdAtMs: number,
    readonly createdAtDevice: number,
    readonly createdOnline: boolean,
  ) {}

  latestBatch(): BatchRecord | null {
    const steps = this.steps ?? [];
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i]!;
      if (step instanceof BatchRecord) return step;
    }
    return null;
  }

  addStep(step: SaleStep): void {
    const steps = this.steps;
    if (steps === null) this.steps = [step];
    else if (steps.length < EXACT_STEPS) this.steps = steps.concat([step]);
    else steps.push(step);
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

/** What the recorder shares with its device observers. */
interface TraceStore {
  readonly sales: Map<string, SaleRecord>;
  readonly metrics: MetricsSink | null;
}

export class TraceRecorder {
  private readonly store: TraceStore;
  private readonly crashes = new Map<string, DeviceCrash[]>();
  private readonly failures: LocalFailure[] = [];

  constructor(options: TraceRecorderOptions = {}) {
    this.store = { sales: new Map(), metrics: options.metrics ?? null };
  }

  get saleCount(): number {
    return this.store.sales.size;
  }

  /**
   * The observer to give the core of one device. Attach a fresh one after each restart: batch ids are
   * per process, and the old process's batches in flight stay without an outcome (as they did).
   */
  observer(deviceId: string, context: TraceDeviceContext): CoreObserver {
    return new DeviceObserver(this.store, deviceId, context);
  }

  recordCrash(deviceId: string, atMs: number, point: string): void {
    let list = this.crashes.get(deviceId);
    if (list === undefined) {
      list = [];
      this.crashes.set(deviceId, list);
    }
    list.push({ deviceId, atMs, point });
    this.store.metrics?.recordCrash(atMs);
  }

  recordLocalFailure(deviceId: string, atMs: number, reference: string, error: string): void {
    this.failures.push({ deviceId, atMs, reference, error });
    this.store.metrics?.recordLocalFailure(atMs);
  }

  localFailures(): readonly LocalFailure[] {
    return this.failures;
  }

  crashesOf(deviceId: string): readonly DeviceCrash[] {
    return this.crashes.get(deviceId) ?? [];
  }

  /** The story of one sale, or null for an offline id this recorder never saw created. */
  traceOf(offlineId: string): SaleTrace | null {
    const sale = this.store.sales.get(offlineId);
    return sale === undefined ? null : this.buildTrace(sale);
  }

  private buildTrace(sale: SaleRecord): SaleTrace {
    const attempts: SaleAttempt[] = [];
    const events: SaleEvent[] = [];
    for (const step of sale.steps ?? []) {
      if (step.type === 'batch') {
        const result = step.resultFor(sale.offlineId);
        attempts.push({ batch: step, result });
        events.push({ type: 'attempt', atMs: step.sentAtMs, batch: step, result });
      } else if (step.type === 'claim') {
        events.push({ type: 'claimed', atMs: step.atMs, rows: step.rows });
      } else {
        events.push({ type: 'released', atMs: step.atMs, reason: step.reason });
      }
    }
    const until = sale.syncedAtMs ?? Number.POSITIVE_INFINITY;
    const crashes = this.crashesOf(sale.deviceId).filter(
      (c) => c.atMs >= sale.createdAtMs && c.atMs <= until,
    );
    return {
      offlineId: sale.offlineId,
      offlineReference: sale.offlineReference,
      deviceId: sale.deviceId,
      createdAtMs: sale.createdAtMs,
      createdAtDevice: sale.createdAtDevice,
      createdOnline: sale.createdOnline,
      syncedAtMs: sale.syncedAtMs,
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

class DeviceObserver implements CoreObserver {
  private readonly open = new Map<number, BatchRecord>();
  private readonly ended = new Map<number, BatchRecord>();

  constructor(
    private readonly store: TraceStore,
    private readonly deviceId: string,
    private readonly context: TraceDeviceContext,
  ) {}

  onEvent(event: CoreEvent): void {
    const now = this.context.now();
    switch (event.type) {
      case 'transaction-created':
        this.store.sales.set(
          event.offlineId,
          new SaleRecord(
            event.offlineId,
            event.offlineReference,
            this.deviceId,
            now,
            event.createdAtDevice,
            this.context.isOnline(),
          ),
        );
        this.store.metrics?.recordSaleCreated(now);
        return;
      case 'rows-claimed':
        this.addStep(event.offlineIds, { type: 'claim', atMs: now, rows: event.offlineIds.length });
        return;
      case 'batch-sending': {
        const batch = new BatchRecord(
          this.deviceId,
          event.batchId,
          now,
          event.offlineIds.length,
          event.bytes,
        );
        this.open.set(event.batchId, batch);
        this.addStep(event.offlineIds, batch);
        return;
      }
      case 'batch-failed':
        this.batchFailed(now, event.batchId, event.offlineIds, event.failure);
        return;
      case 'batch-answered': {
        const batch = this.batchFor(now, event.batchId, event.offlineIds);
        batch.endedAtMs = now;
        batch.status = event.status;
        batch.results = event.results;
        this.store.metrics?.recordRequest({
          atMs: now,
          latencyMs: this.latencyOf(batch, now),
          rows: batch.rows,
          bytes: batch.bytes,
          outcome: { kind: 'ok', status: event.status },
        });
        return;
      }
      case 'rows-applied':
        this.rowsApplied(now, event.batchId, event.outcomes);
        return;
      case 'rows-released':
        this.addStep(event.offlineIds, {
          type: 'release',
          atMs: now,
          reason: event.reason,
          rows: event.offlineIds.length,
        });
        return;
      case 'batch-split': {
        const batch = this.open.get(event.batchId) ?? this.ended.get(event.batchId);
        if (batch) batch.split = event.sizes;
        return;
      }
    }
  }

  /** Wall ms in real time (scenario ms / speed), whatever speed the scenario's clock runs at. */
  private latencyOf(batch: BatchRecord, now: number): number {
    return (now - batch.sentAtMs) / (this.context.speed ?? 1);
  }

  private addStep(offlineIds: readonly string[], step: SaleStep): void {
    for (const offlineId of offlineIds) this.store.sales.get(offlineId)?.addStep(step);
  }

  /** The batch of an outcome; one the observer never saw sent (e.g. an offline check before sending) is created now. */
  private batchFor(now: number, batchId: number, offlineIds: readonly string[]): BatchRecord {
    const known = this.open.get(batchId);
    if (known) return known;
    const batch = new BatchRecord(this.deviceId, batchId, now, offlineIds.length, 0);
    this.open.set(batchId, batch);
    this.addStep(offlineIds, batch);
    return batch;
  }

  private close(batch: BatchRecord): void {
    this.open.delete(batch.batchId);
    this.ended.set(batch.batchId, batch);
    if (this.ended.size > RECENTLY_ENDED) this.ended.delete(this.ended.keys().next().value!);
  }

  private batchFailed(
    now: number,
    batchId: number,
    offlineIds: readonly string[],
    failure: TransportFailure,
  ): void {
    const batch = this.batchFor(now, batchId, offlineIds);
    batch.endedAtMs = now;
    batch.failure = failure.kind;
    batch.status = failure.kind === 'http' ? failure.status : null;
    batch.detail = failureDetail(failure);
    this.close(batch);
    const sink = this.store.metrics;
    if (sink === null) return;
    const outcome = requestOutcome(failure);
    if (outcome === null) {
      sink.recordOfflineSkip(now);
      return;
    }
    sink.recordRequest({
      atMs: now,
      latencyMs: this.latencyOf(batch, now),
      rows: batch.rows,
      bytes: batch.bytes,
      outcome,
    });
  }

  private rowsApplied(now: number, batchId: number, outcomes: readonly RowOutcome[]): void {
    const batch = this.open.get(batchId) ?? this.ended.get(batchId);
    if (batch) {
      batch.addOutcomes(outcomes);
      this.close(batch);
    } else {
      // Outcomes outside a known batch (the core marks an isolated rejected row `failed` with batch id 0):
      // they belong to the story of each sale's latest attempt.
      for (const outcome of outcomes)
        this.store.sales.get(outcome.offlineId)?.latestBatch()?.addOutcomes([outcome]);
    }
    const sink = this.store.metrics;
    for (const outcome of outcomes) {
      if (outcome.duplicate) sink?.recordDuplicate(now);
      if (outcome.status === 'failed') sink?.recordRejected(now);
      if (outcome.status !== 'synced') continue;
      const sale = this.store.sales.get(outcome.offlineId);
      if (sale === undefined || sale.syncedAtMs !== null) continue;
      sale.syncedAtMs = now;
      sink?.recordSynced(now, now - sale.createdAtMs, sale.createdOnline);
    }
  }
}
