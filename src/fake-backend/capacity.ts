/**
 * The capacity model: a number of workers, a service time per request plus per row, and a bounded FIFO queue.
 *
 * The whole schedule is computed when a request arrives: it starts when the earliest worker is free
 * (start = max(now, freeAt)), and that worker is then busy until start + service. The request then only has
 * to clock.sleep until its start; no request ever waits on another's promise, which is what lets the
 * simulator run the backend in virtual time.
 */
import type { Random } from '../core/ports.ts';
import { sample } from '../core/random.ts';
import type { CapacityModel } from './options.ts';

export type Admission =
  | {
      readonly kind: 'admitted';
      readonly startAt: number;
      readonly finishAt: number;
      /** Requests waiting for a worker at arrival, this one included when it waits. */
      readonly queued: number;
    }
  | { readonly kind: 'full'; readonly queued: number; readonly retryAfterSeconds: number };

export interface ServiceTimes {
  readonly requestMs: number;
  /** One draw per row of the batch, in order. */
  readonly rowMs: readonly number[];
}

/** Draws a request's service times. Always draws 1 + rows values, so later draws do not depend on the fault. */
export function drawServiceTimes(model: CapacityModel, random: Random, rows: number): ServiceTimes {
  const requestMs = nonNegative(sample(model.requestTime, random));
  const rowMs: number[] = [];
  for (let i = 0; i < rows; i++) rowMs.push(nonNegative(sample(model.rowTime, random)));
  return { requestMs, rowMs };
}

function nonNegative(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** The worker that frees up first (the lowest index among ties, so the schedule is deterministic). */
export function earliestWorker(freeAt: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < freeAt.length; i++) if (freeAt[i]! < freeAt[best]!) best = i;
  return best;
}

/** Retry-After in whole seconds, at least 1: the time until the first waiting request starts, which frees a slot. */
export function retryAfterFor(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

export interface Capacity {
  /** Decides at arrival: start and finish times, or "full". Mutates the schedule only when admitted. */
  admit(now: number, serviceMs: number): Admission;
  /** Requests waiting for a worker at `now`. */
  queued(now: number): number;
  reset(): void;
}

export function createCapacity(model: CapacityModel): Capacity {
  let freeAt: number[] = [];
  // Start times of admitted requests, non-decreasing (FIFO), from `head` on; the ones <= now have started.
  let starts: number[] = [];
  let head = 0;

  const reset = (): void => {
    freeAt = model.workers === null ? [] : new Array<number>(model.workers).fill(Number.NEGATIVE_INFINITY);
    starts = [];
    head = 0;
  };
  reset();

  const queued = (now: number): number => {
    while (head < starts.length && starts[head]! <= now) head++;
    if (head > 1024 && head * 2 > starts.length) {
      starts = starts.slice(head);
      head = 0;
    }
    return starts.length - head;
  };

  return {
    admit(now, serviceMs) {
      if (model.workers === null)
        return { kind: 'admitted', startAt: now, finishAt: now + serviceMs, queued: 0 };
      const waiting = queued(now);
      const worker = earliestWorker(freeAt);
      const startAt = Math.max(now, freeAt[worker]!);
      if (startAt > now && waiting >= model.queueLimit) {
        const retryAfterSeconds = model.retryAfterSeconds ?? retryAfterFor((starts[head] ?? startAt) - now);
        return { kind: 'full', queued: waiting, retryAfterSeconds };
      }
      freeAt[worker] = startAt + serviceMs;
      if (startAt > now) starts.push(startAt);
      return {
        kind: 'admitted',
        startAt,
        finishAt: startAt + serviceMs,
        queued: startAt > now ? waiting + 1 : waiting,
      };
    },
    queued,
    reset,
  };
}
