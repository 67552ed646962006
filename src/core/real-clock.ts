/**
 * Wall time, for real devices and `--realtime` runs. With a speed factor above 1, scenario time runs faster
 * than the wall clock: `sleep(60_000)` at speed 60 waits one real second, and `now()` advances 60 ms per ms.
 */
import type { Clock } from './ports.ts';

export interface RealClock extends Clock {
  readonly speed: number;
  /** Runs callback after delayMs of (sped-up) time; returns a cancel function. */
  schedule(delayMs: number, callback: () => void): () => void;
  /** Cancels every timer still pending (sleeps then never resolve), so the process can exit. */
  dispose(): void;
}

/** The longest delay setTimeout keeps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** A pending wait: the timeout of its current step. */
interface Timer {
  handle: ReturnType<typeof setTimeout> | undefined;
}

export function createRealClock(speed = 1): RealClock {
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new RangeError(`clock speed must be a positive number, got ${speed}`);
  const wallStart = Date.now();
  const monoStart = performance.now();
  const elapsed = () => (performance.now() - monoStart) * speed;
  const timers = new Set<Timer>();
  const later = (delayMs: number, callback: () => void): Timer => {
    const timer: Timer = { handle: undefined };
    // setTimeout takes at most 2^31 - 1 ms (~24.8 days) and fires a longer delay after 1 ms: wait in steps.
    let remaining = Math.max(0, delayMs / speed);
    const step = (): void => {
      const wait = Math.min(remaining, MAX_TIMEOUT_MS);
      remaining -= wait;
      timer.handle = setTimeout(() => {
        if (remaining > 0) return step();
        timers.delete(timer);
        callback();
      }, wait);
    };
    step();
    timers.add(timer);
    return timer;
  };
  return {
    speed,
    now: () => Math.floor(wallStart + elapsed()),
    monotonic: elapsed,
    sleep: (ms) =>
      new Promise((resolve) => {
        later(ms, resolve);
      }),
    schedule: (delayMs, callback) => {
      const timer = later(delayMs, callback);
      return () => {
        clearTimeout(timer.handle);
        timers.delete(timer);
      };
    },
    dispose: () => {
      for (const timer of timers) clearTimeout(timer.handle);
      timers.clear();
    },
  };
}
