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

export function createRealClock(speed = 1): RealClock {
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new RangeError(`clock speed must be a positive number, got ${speed}`);
  const wallStart = Date.now();
  const monoStart = performance.now();
  const elapsed = () => (performance.now() - monoStart) * speed;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (delayMs: number, callback: () => void): ReturnType<typeof setTimeout> => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        callback();
      },
      Math.max(0, delayMs / speed),
    );
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
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    dispose: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
