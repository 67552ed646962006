/**
 * What the backend counts, for the admin API and the simulator's metrics. Plain numbers in a fixed shape, so
 * a snapshot serialises the same way every time.
 */
import type { FaultKind } from './faults.ts';

export interface BackendCounters {
  /** Batch requests that reached the handler (past auth, parsing and validation), refused ones included. */
  requests: number;
  /** Every answer of the batch route by HTTP status, 4xx from parsing and validation included. */
  responses: Record<string, number>;
  /** Rows of those requests, refused ones included. */
  rowsReceived: number;
  /** Rows this backend inserted. */
  rowsStored: number;
  /** Rows answered `duplicate: true`. */
  rowsDuplicate: number;
  /** Rows that failed the per-row checks. */
  rowsRejected: number;
  /** Requests refused because the queue was full (429 or 503). */
  overloaded: number;
  /** Connections destroyed on purpose (lost ack, truncated body, crash with reset). */
  resets: number;
  /** Clients that went away before their body was read. */
  aborted: number;
  /** Requests that hit each fault. */
  faults: Record<FaultKind, number>;
  /** The longest queue seen. */
  queueMax: number;
  /** Requests in the handler right now. */
  inFlight: number;
}

export function emptyCounters(): BackendCounters {
  return {
    requests: 0,
    responses: {},
    rowsReceived: 0,
    rowsStored: 0,
    rowsDuplicate: 0,
    rowsRejected: 0,
    overloaded: 0,
    resets: 0,
    aborted: 0,
    faults: {
      unauthorized: 0,
      'http-before-commit': 0,
      'http-after-commit': 0,
      'partial-commit': 0,
      'lost-ack': 0,
      'slow-response': 0,
      'truncated-body': 0,
    },
    queueMax: 0,
    inFlight: 0,
  };
}

export function countResponse(counters: BackendCounters, status: number): void {
  const key = String(status);
  counters.responses[key] = (counters.responses[key] ?? 0) + 1;
}

/** A deep copy: callers may keep it while the live counters move on. */
export function snapshotCounters(counters: BackendCounters): BackendCounters {
  return { ...counters, responses: { ...counters.responses }, faults: { ...counters.faults } };
}
