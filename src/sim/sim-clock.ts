import type { Clock } from '../core/ports.ts';

/**
 * The simulation's own time, which the runner schedules devices on: the VirtualClock, or the core's real
 * clock (optionally sped up) in real-time runs. `monotonic()` is the time elapsed since the run started.
 */
export interface SimClock extends Clock {
  schedule(delayMs: number, callback: () => void): () => void;
}
