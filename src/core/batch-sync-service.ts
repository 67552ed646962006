/**
 * BatchSyncService of the spec: one sync run in five steps (read pending, mark syncing, build the payload,
 * POST it, apply the per-row results). Under the `seed` policy it is the spec to the letter, including its
 * lack of a catch; every hardening is a policy switch.
 */
import type { CrashHook } from './crash-points.ts';
import { noCrashes } from './crash-points.ts';
import type { CoreObserver } from './events.ts';
import { noObserver } from './events.ts';
import type { SyncPolicy } from './policy.ts';
import type { Clock, Logger, Transport, TransportFailure, TransportReply } from './ports.ts';
import { describeFailure, silentLogger, TransportError } from './ports.ts';
import type { ParsedSyncResult } from './protocol.ts';
import { ProtocolViolation, parseBatchSyncResponse } from './protocol.ts';
import type { SentRow, TransactionLocal } from './transaction-local.ts';
import { batchSyncBody } from './transaction-local.ts';
import type { TransactionLocalService } from './transaction-local-service.ts';

export interface BatchSyncDeps {
  readonly store: TransactionLocalService;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly policy: SyncPolicy;
  readonly logger?: Logger;
  readonly observer?: CoreObserver;
  readonly crash?: CrashHook;
}

/** What one run did. The spec's syncPendingTransactions returned only `synced`. */
export interface SyncRunReport {
  /** Rows put in requests (a row sent twice while isolating a rejection counts twice). */
  readonly sent: number;
  readonly synced: number;
  /** Rows the server rejected, now `failed` with its reason. */
  readonly failed: number;
  readonly requests: number;
  /** The failure that ended the run early, if any (the rows were released per policy). */
  readonly failure: TransportFailure | null;
}

/**
 * Statuses that reject a whole batch for its content: retrying the same body will not help. A 413 for a single
 * row is one too: there is no smaller body to send, and that row at the head of every batch would hold back
 * every sale after it.
 */
function isContentRejection(failure: TransportFailure, rows: number): boolean {
  return (
    failure.kind === 'http' &&
    (failure.status === 400 || failure.status === 422 || (failure.status === 413 && rows === 1))
  );
}

/** A 413 that the policy answers by halving the batch: handled, so never thrown even under `leave-syncing`. */
function isShrinkable(failure: TransportFailure, policy: SyncPolicy, rows: number): boolean {
  return failure.kind === 'http' && failure.status === 413 && policy.shrinkBatchOn413 && rows > 1;
}

/** A tenth more rows per request after a timeout's halving (one at least); null once the policy's limit is back. */
function grownBack(limit: number, maxBatchSize: number | null): number | null {
  const grown = limit + Math.max(1, Math.floor(limit / 10));
  return maxBatchSize !== null && grown >= maxBatchSize ? null : grown;
}

/** synced and failed count the rows applied before the failure (a split batch, a partial response). */
type SendOutcome =
  | { readonly ok: true; readonly synced: number; readonly failed: number }
  | {
      readonly ok: false;
      readonly failure: TransportFailure;
      readonly synced: number;
      readonly failed: number;
    };

/**
 * A claimed batch on its way out. It holds the rows only until the body is built (`takeRows`), then only what
 * matching and applying the answer need: a request is out for longer than the young generation lives, and
 * a hundred rows with their items, kept through it, were promoted (~100 KB a request, bench/PROFILING.md).
 * The rows sit in a field rather than in a local or a parameter because a suspended async function keeps
 * those alive until it returns.
 */
class Outgoing {
  readonly sent: readonly SentRow[];
  readonly offlineIds: readonly string[];
  private rows: readonly TransactionLocal[] | null;

  constructor(rows: readonly TransactionLocal[]) {
    this.rows = rows;
    this.sent = rows.map((row) => ({
      id: row.id,
      offlineId: row.offlineId,
      offlineReference: row.offlineReference,
    }));
    this.offlineIds = rows.map((row) => row.offlineId);
  }

  /** The rows, once: the caller builds the body from them and lets them go. */
  takeRows(): readonly TransactionLocal[] {
    const rows = this.rows;
    if (rows === null) throw new Error('a batch was sent twice');
    this.rows = null;
    return rows;
  }
}

export class BatchSyncService {
  private readonly deps: BatchSyncDeps;
  private readonly logger: Logger;
  private readonly observer: CoreObserver;
  private readonly crash: CrashHook;
  private batchSequence = 0;
  /** Rows per request after timeouts (shrinkBatchOnTimeout); null: the policy's maxBatchSize. */
  private timeoutLimit: number | null = null;
  /** Rows start-up recovery holds: the lease must not release them before it does. */
  private heldFromLease: readonly number[] = [];

  constructor(deps: BatchSyncDeps) {
    this.deps = deps;
    this.logger = deps.logger ?? silentLogger;
    this.observer = deps.observer ?? noObserver;
    this.crash = deps.crash ?? noCrashes;
  }

  /**
   * One sync run. Under `onTransportError: 'leave-syncing'` a failed request throws its TransportError out of
   * here, leaving the claimed rows `syncing` (spec). Otherwise the rows are released and the report says why.
   * A 413 that shrinkBatchOn413 answers, and a 400/422 that isolateRejectedRows answers, are handled either way.
   */
  async syncPendingTransactions(deviceId: string): Promise<SyncRunReport> {
    const { store, policy } = this.deps;
    if (policy.syncingLeaseMs !== null)
      await store.releaseExpiredLeases(policy.syncingLeaseMs, this.heldFromLease);

    let batchLimit = this.timeoutLimit ?? policy.maxBatchSize;
    let sent = 0;
    let synced = 0;
    let failed = 0;
    let requests = 0;
    for (;;) {
      const claimed = await this.readAndClaim(batchLimit);
      if (claimed === null) break;
      // 3-5. Build, send, apply; a batch the server rejects for its content may be split to isolate the culprit.
      const outcome = await this.sendRows(deviceId, claimed, (count) => {
        sent += count;
        requests++;
      });
      synced += outcome.synced;
      failed += outcome.failed;
      if (!outcome.ok) {
        const { failure } = outcome;
        if (isShrinkable(failure, policy, claimed.sent.length)) {
          batchLimit = Math.ceil(claimed.sent.length / 2);
          continue;
        }
        if (failure.kind === 'timeout' && policy.shrinkBatchOnTimeout)
          this.timeoutLimit = Math.ceil(claimed.sent.length / 2);
        return { sent, synced, failed, requests, failure };
      }
      if (this.timeoutLimit !== null) this.timeoutLimit = grownBack(this.timeoutLimit, policy.maxBatchSize);
      // The spec sends everything in one body and stops; bounded batches (configured, or shrunk after a 413)
      // drain the backlog batch by batch.
      if (batchLimit === null) break;
    }
    return { sent, synced, failed, requests, failure: null };
  }

  /** The rows start-up recovery holds until the dead app's last request can no longer be answered. */
  holdFromLease(rowIds: readonly number[]): void {
    this.heldFromLease = rowIds;
  }

  /**
   * Steps 1 and 2, in a function of their own: an async function keeps its locals alive across each await
   * (unoptimized code does), and the rows as read must be garbage while the request is out, not promoted.
   */
  private async readAndClaim(batchLimit: number | null): Promise<Outgoing | null> {
    // 1. Get pending transactions (all of them, or one bounded batch).
    const pending = await this.deps.store.getPendingTransactions(batchLimit ?? undefined);
    if (pending.length === 0) return null;
    // 2. Update status to syncing.
    const claimed = await this.claim(pending);
    this.crash.reached('after-claim');
    return claimed.length === 0 ? null : new Outgoing(claimed);
  }

  private async claim(pending: readonly TransactionLocal[]): Promise<TransactionLocal[]> {
    const { store, policy } = this.deps;
    if (policy.atomicClaim) return store.claimPending(pending);
    // Spec: one write per row, awaiting each, without checking that the row is still pending.
    for (const tx of pending) await store.updateSyncStatus({ offlineId: tx.offlineId, status: 'syncing' });
    return pending.map((row) => ({ ...row, syncStatus: 'syncing' as const }));
  }

  private async sendRows(
    deviceId: string,
    outgoing: Outgoing,
    onRequest: (rows: number) => void,
  ): Promise<SendOutcome> {
    const { store, policy } = this.deps;
    const { sent, offlineIds } = outgoing;
    const attempt = await this.post(deviceId, outgoing);
    onRequest(sent.length);
    if (attempt.ok) {
      const outcomes = await store.batchUpdateSyncStatus(attempt.results, sent, attempt.batchId);
      const covered = new Set(outcomes.map((outcome) => outcome.offlineId));
      const missing = offlineIds.filter((id) => !covered.has(id));
      const syncedCount = outcomes.filter((outcome) => outcome.status === 'synced').length;
      const failedCount = outcomes.length - syncedCount;
      if (missing.length > 0)
        this.observer.onEvent({
          type: 'batch-incomplete',
          batchId: attempt.batchId,
          status: attempt.status,
          missing: missing.length,
        });
      this.logger.info(
        {
          tag: 'batch_sync',
          deviceId,
          total: attempt.results.length,
          success: syncedCount,
          failed: failedCount,
        },
        'Batch sync completed',
      );
      if (missing.length > 0 && policy.onMissingResult === 'release') {
        await store.releaseToPending(missing, 'missing-result', 'not in the response');
        // Ends the run like a failed request (backoff, then retry) instead of re-reading the same rows at once.
        return {
          ok: false,
          failure: {
            kind: 'protocol',
            detail: `${missing.length} of ${sent.length} rows missing from the response`,
          },
          synced: syncedCount,
          failed: failedCount,
        };
      }
      return { ok: true, synced: syncedCount, failed: failedCount };
    }

    const { failure } = attempt;
    if (isContentRejection(failure, sent.length) && policy.isolateRejectedRows) {
      if (sent.length === 1) {
        await store.markFailed(offlineIds, `rejected: ${describeFailure(failure)}`);
        return { ok: true, synced: 0, failed: 1 };
      }
      const middle = Math.ceil(sent.length / 2);
      this.observer.onEvent({
        type: 'batch-split',
        batchId: attempt.batchId,
        sizes: [middle, sent.length - middle],
      });
      const first = await this.sendRows(deviceId, this.reread(sent.slice(0, middle)), onRequest);
      if (!first.ok) {
        await store.releaseToPending(
          offlineIds.slice(middle),
          'transport-error',
          describeFailure(first.failure),
        );
        return first;
      }
      const second = await this.sendRows(deviceId, this.reread(sent.slice(middle)), onRequest);
      if (!second.ok)
        return { ...second, synced: first.synced + second.synced, failed: first.failed + second.failed };
      return { ok: true, synced: first.synced + second.synced, failed: first.failed + second.failed };
    }
    if (policy.onTransportError === 'leave-syncing' && !isShrinkable(failure, policy, sent.length))
      throw new TransportError(failure);
    await store.releaseToPending(offlineIds, 'transport-error', describeFailure(failure));
    return { ok: false, failure, synced: 0, failed: 0 };
  }

  /**
   * Half of a batch the server rejected, read back from the file to be sent again: the batch kept only its
   * keys while it was out. The rows are this run's claim, so they are as they were sent. Synchronous, so that
   * the half's request starts in the same microtask as it would from rows held in memory.
   */
  private reread(sent: readonly SentRow[]): Outgoing {
    return new Outgoing(this.deps.store.transactionsByIds(sent.map((row) => row.id)));
  }

  /** Steps 3 and 4: build the payload and POST it. Never throws a transport failure; returns it. */
  private async post(
    deviceId: string,
    outgoing: Outgoing,
  ): Promise<
    | { ok: true; batchId: number; status: number; results: ParsedSyncResult[] }
    | { ok: false; batchId: number; failure: TransportFailure }
  > {
    const batchId = ++this.batchSequence;
    const { offlineIds } = outgoing;
    const request = this.postBody(deviceId, outgoing.takeRows(), offlineIds, batchId);
    // If the device dies here the request still reaches the server; nobody is left to read the answer.
    request.catch(() => {});
    this.crash.reached('after-send');

    let failure: TransportFailure;
    try {
      const reply = await request;
      this.crash.reached('after-response');
      const results = parseBatchSyncResponse(reply.body);
      this.observer.onEvent({
        type: 'batch-answered',
        batchId,
        offlineIds,
        status: reply.status,
        results: results.length,
      });
      return { ok: true, batchId, status: reply.status, results };
    } catch (error) {
      if (error instanceof TransportError) failure = error.failure;
      else if (error instanceof ProtocolViolation) failure = { kind: 'protocol', detail: error.message };
      else throw error;
    }
    this.observer.onEvent({ type: 'batch-failed', batchId, offlineIds, failure });
    return { ok: false, batchId, failure };
  }

  /** Builds the body and sends it; not async, so that no frame holds the body while the request is out. */
  private postBody(
    deviceId: string,
    rows: readonly TransactionLocal[],
    offlineIds: readonly string[],
    batchId: number,
  ): Promise<TransportReply> {
    const body = batchSyncBody(rows, deviceId, new Date(this.deps.clock.now()).toISOString());
    this.observer.onEvent({ type: 'batch-sending', batchId, offlineIds, bytes: Buffer.byteLength(body) });
    return this.deps.transport.postBatch(body);
  }
}
