/**
 * A clock for code run outside the simulator: sleeping resolves at once but moves time forward by the
 * amount slept. The fake backend's capacity model books workers by clock time, so with a clock that never
 * moved every request would seem to arrive while the previous ones still held their workers, and the queue
 * would fill up with 429s that a real run never sees. Moving time on each sleep keeps requests that run one
 * after the other from overlapping, at no wall-clock cost.
 */
import type { Clock } from '../../src/core/ports.ts';

export interface FloorClock extends Clock {
  /** Moves time forward without sleeping (e.g. one tick per sale, so device-ms references stay unique). */
  advance(ms: number): void;
}

export function createFloorClock(startEpochMs: number): FloorClock {
  let elapsed = 0;
  return {
    now: () => Math.floor(startEpochMs + elapsed),
    monotonic: () => elapsed,
    sleep: (ms) => {
      if (ms > 0) elapsed += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      elapsed += ms;
    },
  };
}
