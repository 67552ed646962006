/**
 * What the core tells an observer as it works: the simulator turns these into traces and time-to-sync
 * metrics, a real app could turn them into telemetry. Observers must not throw.
 *
 * Events about rows name each row twice: by offline id, and by its id in the device file (`rowIds`,
 * `TransactionLocal.id`, never reused: AUTOINCREMENT), in the same order. An observer that keeps state per
 * row indexes it by the row id: an array slot, where a map by offline id hashes a fresh string per row.
 */
import type { TransportFailure } from './ports.ts';
import type { SyncStatus } from './transaction-local.ts';

export type ReleaseReason =
  /** The request failed (offline, timeout, reset, HTTP error) and the policy puts rows back. */
  | 'transport-error'
  /** The response did not mention the row. */
  | 'missing-result'
  /** The row sat in `syncing` longer than the lease. */
  | 'lease-expired'
  /** Start-up recovery: nothing can be in flight in a fresh process. */
  | 'startup';

export interface RowOutcome {
  readonly rowId: number;
  readonly offlineId: string;
  readonly status: Extract<SyncStatus, 'synced' | 'failed'>;
  readonly duplicate: boolean;
  readonly serverId: number | null;
  readonly error: string | null;
}

export type CoreEvent =
  | {
      readonly type: 'transaction-created';
      readonly rowId: number;
      readonly offlineId: string;
      readonly offlineReference: string;
      readonly createdAtDevice: number;
    }
  | {
      readonly type: 'rows-claimed';
      readonly rowIds: readonly number[];
      readonly offlineIds: readonly string[];
    }
  | {
      readonly type: 'batch-sending';
      /** Per device, increasing: ties a request to its outcome. */
      readonly batchId: number;
      readonly offlineIds: readonly string[];
      readonly bytes: number;
    }
  | {
      readonly type: 'batch-failed';
      readonly batchId: number;
      readonly offlineIds: readonly string[];
      readonly failure: TransportFailure;
    }
  | {
      readonly type: 'batch-answered';
      readonly batchId: number;
      readonly offlineIds: readonly string[];
      readonly status: number;
      readonly results: number;
    }
  | { readonly type: 'rows-applied'; readonly batchId: number; readonly outcomes: readonly RowOutcome[] }
  /** A 2xx answer that said nothing of some rows sent: not the answer the contract asks for. */
  | {
      readonly type: 'batch-incomplete';
      readonly batchId: number;
      readonly status: number;
      readonly missing: number;
    }
  | {
      readonly type: 'rows-released';
      readonly rowIds: readonly number[];
      readonly offlineIds: readonly string[];
      readonly reason: ReleaseReason;
    }
  | {
      /** The server rejected a whole batch (400/422) and the policy split it to find the rows at fault. */
      readonly type: 'batch-split';
      readonly batchId: number;
      readonly sizes: readonly [number, number];
    };

export interface CoreObserver {
  onEvent(event: CoreEvent): void;
}

export const noObserver: CoreObserver = { onEvent() {} };
