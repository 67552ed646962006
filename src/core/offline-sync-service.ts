/**
 * OfflineSyncService of the spec: what starts a sync. A connectivity change to online syncs if the last sync
 * is older than the TTL (2 minutes); a sale made online and the user's "sync now" sync at once. The
 * concurrency switch decides what happens when a trigger arrives during a run, and the retry backoff what
 * happens after a run fails.
 */
import type { BatchSyncService, SyncRunReport } from './batch-sync-service.ts';
import { messageOf } from './errors.ts';
import type { SyncPolicy } from './policy.ts';
import { backoffDelay } from './policy.ts';
import type { Clock, Logger, Random } from './ports.ts';
import { describeFailure, silentLogger, TransportError } from './ports.ts';
import type { TransactionLocalService } from './transaction-local-service.ts';

export type SyncReason = 'connectivity' | 'sale' | 'manual' | 'retry' | 'startup';

export interface OfflineSyncDeps {
  readonly deviceId: string;
  readonly store: TransactionLocalService;
  readonly batchSync: BatchSyncService;
  readonly clock: Clock;
  readonly random: Random;
  readonly policy: SyncPolicy;
  /** How long the app waits for an answer: after that, a request of a dead process can no longer race a resend. */
  readonly requestTimeoutMs: number;
  readonly logger?: Logger;
  /** Told about every run that ended (error: a TransportError under the spec's no-catch policy, or a crash); must not throw. */
  readonly onRunFinished?: (reason: SyncReason, report: SyncRunReport | null, error: unknown) => void;
}

export class OfflineSyncService {
  private readonly deps: OfflineSyncDeps;
  private readonly logger: Logger;
  private online = false;
  /** When the last successful run ended, on the clock the policy's TTL check reads. */
  private lastSyncAt: number | null = null;
  private busy = false;
  private inFlight: Promise<SyncRunReport | null> | null = null;
  private runAgain = false;
  private consecutiveFailures = 0;
  /** A retry is scheduled for this monotonic time. */
  private retryAt: number | null = null;
  /** No request before this monotonic time (a Retry-After being honoured). */
  private notBefore = 0;

  constructor(deps: OfflineSyncDeps) {
    this.deps = deps;
    this.logger = deps.logger ?? silentLogger;
  }

  /**
   * App start: start-up recovery, if the policy has it. The connectivity plugin then reports the state.
   * The dead app's last request may still be at the server: resent at once, it could race its twin there (a
   * backend that checks, then inserts, stores both). So the rows `syncing` at start go back to `pending` once
   * one request timeout has passed on this process's own clock, and the lease leaves them alone meanwhile:
   * their claim times are the device's wall clock, which a jump around the crash makes read as old or new.
   */
  async initialize(): Promise<void> {
    if (!this.deps.policy.recoverSyncingOnStart) return;
    const { store, batchSync, clock, requestTimeoutMs } = this.deps;
    const held = store.syncingRowIds();
    if (held.length === 0) return;
    batchSync.holdFromLease(held);
    void clock.sleep(requestTimeoutMs).then(() => this.recoverHeld(held));
  }

  private async recoverHeld(held: readonly number[]): Promise<void> {
    try {
      this.deps.batchSync.holdFromLease([]);
      if ((await this.deps.store.releaseSyncingRows(held)) > 0 && this.online) await this.start('startup');
    } catch (error) {
      this.logger.error(
        { tag: 'sync', deviceId: this.deps.deviceId, error: messageOf(error) },
        'Start-up recovery failed',
      );
    }
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** The connectivity listener. Real plugins call it several times per change; it is fire-and-forget. */
  onConnectivityChanged(online: boolean): void {
    this.online = online;
    if (!online) return;
    if (this.isStale()) {
      void this.start('connectivity');
      return;
    }
    // Within the TTL: the spec drops this wake-up; deferring it runs the sync once the TTL has passed.
    if (this.deps.policy.deferThrottledSync && this.lastSyncAt !== null) {
      this.scheduleRetry(Math.max(0, this.lastSyncAt + this.deps.policy.syncTtlMs - this.ttlNow()));
    }
  }

  /** Called by the POS after each sale. */
  onTransactionCreated(): void {
    if (this.online && this.deps.policy.syncAfterSale) void this.start('sale');
  }

  /** The user's "sync now" (spec, usage 2): ignores the TTL. */
  syncNow(): Promise<SyncRunReport | null> {
    return this.start('manual');
  }

  private isStale(): boolean {
    if (this.lastSyncAt === null) return true;
    return this.ttlNow() - this.lastSyncAt > this.deps.policy.syncTtlMs;
  }

  private ttlNow(): number {
    return this.deps.policy.ttlClock === 'wall' ? this.deps.clock.now() : this.deps.clock.monotonic();
  }

  /** Starts a run according to the concurrency switch; never rejects. */
  private start(reason: SyncReason): Promise<SyncRunReport | null> {
    const { policy, clock } = this.deps;
    // A retry while the app knows it is offline would only fail; reconnecting triggers a sync anyway.
    if (reason === 'retry' && !this.online) return Promise.resolve(null);
    if (policy.honourRetryAfter && clock.monotonic() < this.notBefore) {
      this.scheduleRetry(this.notBefore - clock.monotonic());
      return Promise.resolve(null);
    }
    switch (policy.concurrency) {
      case 'unguarded':
        return this.runOnce(reason);
      case 'busy-flag': {
        if (this.busy) return Promise.resolve(null);
        this.busy = true;
        return this.runOnce(reason).finally(() => {
          this.busy = false;
        });
      }
      case 'single-flight': {
        if (this.inFlight !== null) {
          this.runAgain = true;
          return this.inFlight;
        }
        const run = (async () => {
          let report: SyncRunReport | null = null;
          try {
            do {
              this.runAgain = false;
              report = await this.runOnce(reason);
            } while (this.runAgain && report?.failure == null);
          } finally {
            // Cleared in the same microtask as the last "run again" check: a trigger arriving any later starts
            // a new run instead of setting a flag nobody reads (a `.finally()` on the promise left that gap).
            this.inFlight = null;
          }
          return report;
        })();
        this.inFlight = run;
        return run;
      }
    }
  }

  private async runOnce(reason: SyncReason): Promise<SyncRunReport | null> {
    const { batchSync, deviceId, onRunFinished } = this.deps;
    try {
      const report = await batchSync.syncPendingTransactions(deviceId);
      if (report.failure === null) {
        this.lastSyncAt = this.ttlNow();
        this.consecutiveFailures = 0;
        this.logger.info({ tag: 'sync', deviceId, reason, count: report.synced }, 'Transactions synced');
      } else {
        this.afterFailure(report.failure.kind === 'http' ? report.failure.retryAfterMs : null);
        this.logger.warn(
          { tag: 'sync', deviceId, reason, error: describeFailure(report.failure) },
          'Transaction sync failed',
        );
      }
      onRunFinished?.(reason, report, null);
      return report;
    } catch (error) {
      // The spec has no catch: the listener's future fails and the error is only logged. Same here; a trigger
      // is fire-and-forget, so nothing may escape as an unhandled rejection.
      if (error instanceof TransportError) {
        // A failed run like any other: the rows it claimed stay `syncing` (spec), but the retry backoff and a
        // Retry-After still apply to whatever is pending next.
        this.afterFailure(error.failure.kind === 'http' ? error.failure.retryAfterMs : null);
        this.logger.warn({ tag: 'sync', deviceId, reason, error: error.message }, 'Transaction sync failed');
      } else {
        this.logger.error(
          { tag: 'sync', deviceId, reason, error: messageOf(error) },
          'Transaction sync crashed',
        );
      }
      onRunFinished?.(reason, null, error);
      return null;
    }
  }

  private afterFailure(retryAfterMs: number | null): void {
    const { policy, clock, random } = this.deps;
    this.consecutiveFailures++;
    if (policy.honourRetryAfter && retryAfterMs !== null) this.notBefore = clock.monotonic() + retryAfterMs;
    if (policy.retryBackoff === null) return;
    const honoured = policy.honourRetryAfter ? retryAfterMs : null;
    this.scheduleRetry(backoffDelay(policy.retryBackoff, this.consecutiveFailures, random.next(), honoured));
  }

  /** At most one retry timer: an earlier one wins, a later request folds into it. */
  private scheduleRetry(delayMs: number): void {
    const { clock } = this.deps;
    const at = clock.monotonic() + delayMs;
    if (this.retryAt !== null && this.retryAt <= at) return;
    this.retryAt = at;
    void clock.sleep(delayMs).then(() => {
      if (this.retryAt !== at) return;
      this.retryAt = null;
      void this.start('retry');
    });
  }
}
