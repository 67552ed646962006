/**
 * Named points inside a sync where the simulator may kill the device. `reached` throws to kill: the error
 * unwinds the sync (rolling back an open SQLite transaction, exactly as a dead process would never commit
 * it) and the simulator then drops the device's in-memory state and reopens its file.
 */

export type CrashPoint =
  /** Rows are marked `syncing`; nothing has been sent. */
  | 'after-claim'
  /** The request is on its way; the server will process it, the device will never see the answer. */
  | 'after-send'
  /** The answer arrived; nothing has been applied. */
  | 'after-response'
  /** Inside the transaction that applies the results, after some rows. */
  | 'mid-apply';

export const CRASH_POINTS: readonly CrashPoint[] = [
  'after-claim',
  'after-send',
  'after-response',
  'mid-apply',
];

export interface CrashHook {
  reached(point: CrashPoint): void;
}

export const noCrashes: CrashHook = { reached() {} };
