/**
 * How long a request occupies its worker, decided at arrival from its fault, its rows' verdicts and its
 * drawn service times. The route then sleeps exactly these pieces, so the schedule and the sleeps agree.
 */
import type { ServiceTimes } from './capacity.ts';
import type { FaultDecision } from './faults.ts';
import type { StorageOptions } from './options.ts';

export interface WorkPlan {
  /** Rows processed before the request stops: all of them, or the crash point of a partial commit. */
  readonly rowsProcessed: number;
  /** SELECT-to-INSERT gaps the request will sleep (check-then-insert only). */
  readonly gaps: number;
  /** Worker occupancy in ms. */
  readonly serviceMs: number;
}

export interface WorkInput {
  readonly decision: FaultDecision;
  /** Per row: null when the row passed the checks, else the reason it failed. */
  readonly verdicts: readonly (string | null)[];
  readonly times: ServiceTimes;
  readonly storage: Pick<StorageOptions, 'commit' | 'dedupe' | 'checkGapMs'>;
}

function sum(values: readonly number[], end: number): number {
  let total = 0;
  for (let i = 0; i < end; i++) total += values[i] ?? 0;
  return total;
}

export function planWork(input: WorkInput): WorkPlan {
  const { decision, verdicts, times, storage } = input;
  if (decision.kind === 'unauthorized') return { rowsProcessed: 0, gaps: 0, serviceMs: 0 };
  if (decision.kind === 'http' && decision.when === 'before-commit') {
    return { rowsProcessed: 0, gaps: 0, serviceMs: times.requestMs };
  }
  const crash = decision.kind === 'partial-commit';
  const rowsProcessed = crash ? decision.afterRows : verdicts.length;
  let gaps = 0;
  if (storage.dedupe === 'check-then-insert') {
    const good = verdicts.slice(0, rowsProcessed).filter((v) => v === null).length;
    // A batch checks all its rows, waits once, inserts; a crash in a batch transaction rolls back before that.
    gaps = storage.commit === 'row' ? good : !crash && good > 0 ? 1 : 0;
  }
  return {
    rowsProcessed,
    gaps,
    serviceMs: times.requestMs + sum(times.rowMs, rowsProcessed) + gaps * storage.checkGapMs,
  };
}
