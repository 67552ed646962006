/**
 * The storage of the trace (trace.ts): every sale, step, claim, release and request of a run, as typed-array
 * columns (trace-columns.ts). Numbers in, numbers out; the recorder turns them into readable stories.
 */
import type { ReleaseReason, RowOutcome } from '../core/events.ts';
import type { TransportFailureKind } from '../core/ports.ts';
import type { MetricsSink } from './metrics.ts';
import { RowSlots } from './row-slots.ts';
import { float64Column, Interner, int32Column, nullableOf, uint8Column } from './trace-columns.ts';

export enum StepKind {
  Claim = 0,
  Release = 1,
  Batch = 2,
}

/** A row's result as a trace tells it: the row's id is the device file's business, not the sale's story. */
export type SaleResult = Omit<RowOutcome, 'rowId'>;

/** Ids already looked up: `sales[i]` is the sale index of `offlineIds[i]` (-1 for none). */
export interface KnownSales {
  readonly offlineIds: readonly string[];
  readonly sales: readonly number[];
}

/** A row result's code: its status, with the duplicate flag on top. */
const RESULT_SYNCED = 1;
const RESULT_FAILED = 2;
const RESULT_DUPLICATE = 4;

/**
 * Every sale, step and request of a run, as columns. A sale is an index; its steps are a linked list of
 * step nodes, each pointing at a claim, a release or a batch shared by every sale it concerns, and holding
 * this sale's row result when the step is a batch that was answered.
 */
export class TraceTables {
  readonly saleIndex = new Map<string, number>();
  private readonly rowSales: RowSlots[] = [];
  readonly saleIds: string[] = [];
  readonly saleReferences: string[] = [];
  readonly saleDevice = int32Column();
  readonly saleCreatedAtMs = float64Column();
  readonly saleCreatedAtDevice = float64Column();
  readonly saleSyncedAtMs = float64Column();
  readonly saleOnline = uint8Column();
  readonly saleFirstStep = int32Column();
  readonly saleLastStep = int32Column();

  stepCount = 0;
  /** What the step is: the index in the claim, release or batch columns, times 4, plus its StepKind. */
  readonly stepRef = int32Column();
  readonly stepNext = int32Column();
  /** The row result this sale got from the step's request: an index in the result columns, or -1. */
  readonly stepResult = int32Column();

  resultCount = 0;
  /** RESULT_SYNCED or RESULT_FAILED, plus RESULT_DUPLICATE. */
  readonly resultCode = uint8Column();
  readonly resultServerId = float64Column();
  /** Row errors are rare (rejected rows): kept by result. */
  readonly resultErrors = new Map<number, string>();

  claimCount = 0;
  readonly claimAtMs = float64Column();
  readonly claimRows = int32Column();

  releaseCount = 0;
  readonly releaseAtMs = float64Column();
  readonly releaseRows = int32Column();
  readonly releaseReason = uint8Column();

  batchCount = 0;
  readonly batchDevice = int32Column();
  readonly batchId = int32Column();
  readonly batchSentAtMs = float64Column();
  readonly batchRows = int32Column();
  readonly batchBytes = float64Column();
  readonly batchEndedAtMs = float64Column();
  readonly batchStatus = int32Column();
  /** 0 for none, else 1 + the interned failure kind. */
  readonly batchFailure = uint8Column();
  readonly batchResults = int32Column();
  readonly batchDetails = new Map<number, string>();
  readonly batchSplits = new Map<number, readonly [number, number]>();

  readonly devices = new Interner<string>();
  readonly reasons = new Interner<ReleaseReason>();
  readonly failures = new Interner<TransportFailureKind>();

  constructor(readonly metrics: MetricsSink | null) {}

  /** Starts a sale's story; returns its index. */
  addSale(
    offlineId: string,
    reference: string,
    device: number,
    atMs: number,
    atDevice: number,
    online: boolean,
  ): number {
    const sale = this.saleIds.length;
    // A second creation of one id (it cannot happen in the core) would start a new story, as a new record did.
    this.saleIndex.set(offlineId, sale);
    this.saleIds.push(offlineId);
    this.saleReferences.push(reference);
    this.saleDevice.set(sale, device);
    this.saleCreatedAtMs.set(sale, atMs);
    this.saleCreatedAtDevice.set(sale, atDevice);
    this.saleSyncedAtMs.set(sale, Number.NaN);
    this.saleOnline.set(sale, online ? 1 : 0);
    this.saleFirstStep.set(sale, -1);
    this.saleLastStep.set(sale, -1);
    return sale;
  }

  /**
   * The sale index of each id, -1 for one the trace never saw created. `known` lends the indices of ids
   * already looked up, position by position: a claim's rows are its batch's rows, in the same order, and a
   * string comparison costs less than a lookup in a map of every sale of the run.
   */
  salesOf(offlineIds: readonly string[], known: KnownSales | null = null): number[] {
    return offlineIds.map((offlineId, i) =>
      known !== null && known.offlineIds[i] === offlineId
        ? (known.sales[i] as number)
        : this.saleOf(offlineId),
    );
  }

  /**
   * Each device's sale indices by row id (the core's row events name rows by both ids; a slot costs less than
   * `saleIndex`'s hashing of a fresh string). One per device, kept across its restarts as its file is.
   */
  salesByRow(device: number): RowSlots {
    let slots = this.rowSales[device];
    if (slots === undefined) {
      slots = new RowSlots();
      this.rowSales[device] = slots;
    }
    return slots;
  }

  /** The sale index of one id, -1 for one the trace never saw created. */
  saleOf(offlineId: string): number {
    return this.saleIndex.get(offlineId) ?? -1;
  }

  /**
   * Appends one step (claim, release or batch `of`) to the story of each sale (-1: none); returns each sale's
   * new step (-1 for an unknown sale).
   */
  addSteps(sales: readonly number[], kind: StepKind, of: number): number[] {
    return sales.map((sale) => {
      if (sale === -1) return -1;
      const step = this.stepCount++;
      this.stepRef.set(step, of * 4 + kind);
      this.stepNext.set(step, -1);
      const last = this.saleLastStep.get(sale);
      if (last === -1) this.saleFirstStep.set(sale, step);
      else this.stepNext.set(last, step);
      this.saleLastStep.set(sale, step);
      return step;
    });
  }

  addClaim(atMs: number, rows: number): number {
    const claim = this.claimCount++;
    this.claimAtMs.set(claim, atMs);
    this.claimRows.set(claim, rows);
    return claim;
  }

  addRelease(atMs: number, rows: number, reason: ReleaseReason): number {
    const release = this.releaseCount++;
    this.releaseAtMs.set(release, atMs);
    this.releaseRows.set(release, rows);
    this.releaseReason.set(release, this.reasons.indexOf(reason));
    return release;
  }

  addBatch(device: number, batchId: number, sentAtMs: number, rows: number, bytes: number): number {
    const batch = this.batchCount++;
    this.batchDevice.set(batch, device);
    this.batchId.set(batch, batchId);
    this.batchSentAtMs.set(batch, sentAtMs);
    this.batchRows.set(batch, rows);
    this.batchBytes.set(batch, bytes);
    return batch;
  }

  /** The sale's step for `batch`, or (batch -1) its latest batch step; -1 when it has none. */
  batchStepOf(sale: number, batch: number): number {
    let found = -1;
    for (let step = this.saleFirstStep.get(sale); step !== -1; step = this.stepNext.get(step)) {
      const ref = this.stepRef.get(step);
      if (ref % 4 !== StepKind.Batch) continue;
      if (batch === -1 || ref === batch * 4 + StepKind.Batch) found = step;
    }
    return found;
  }

  /** Keeps a row result on a batch step (-1: none); a later result replaces it. */
  setStepResult(step: number, outcome: RowOutcome): void {
    if (step === -1) return;
    const status = outcome.status === 'synced' ? RESULT_SYNCED : RESULT_FAILED;
    let result = this.stepResult.get(step);
    if (result === -1) {
      result = this.resultCount++;
      this.stepResult.set(step, result);
    }
    this.resultCode.set(result, status | (outcome.duplicate ? RESULT_DUPLICATE : 0));
    this.resultServerId.set(result, outcome.serverId ?? Number.NaN);
    if (outcome.error === null) this.resultErrors.delete(result);
    else this.resultErrors.set(result, outcome.error);
  }

  /** The row result a step holds, for the sale `offlineId` whose step it is. */
  resultOf(step: number, offlineId: string): SaleResult | null {
    const result = this.stepResult.get(step);
    if (result === -1) return null;
    const code = this.resultCode.get(result);
    return {
      offlineId,
      status: (code & RESULT_SYNCED) !== 0 ? 'synced' : 'failed',
      duplicate: (code & RESULT_DUPLICATE) !== 0,
      serverId: nullableOf(this.resultServerId.get(result)),
      error: this.resultErrors.get(result) ?? null,
    };
  }
}
