/**
 * How well the load generator kept up in a real-time run, sampled evenly in wall time over the phases that send
 * load (from the first sale to the end of the heal phase: opening and checking the device files block the loop
 * by design). The two measures Fastify's under-pressure takes, into the run's metrics:
 * - lag: a probe timer due every LAG_SAMPLE_MS records how late it fired (`generatorLagMs`). Catches the thread
 *   blocked for long stretches at a time.
 * - busy: each wall second, the share of it the thread ran callbacks rather than waited for I/O or timers
 *   (Node's event-loop utilisation, `generatorBusyPercent`). Catches a thread that never blocks for long but
 *   never rests either: a backlog drain sending as fast as it can.
 * Sampled evenly, a burst that saturates the thread (a reconnect storm, a drain) shows in the p99 of a long
 * quiet run, and shards' samples add up exactly. Each worker thread has a loop of its own, so a shard measures
 * its own thread. Wall clock by nature: measured for the summary, never fed back into the simulation.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { RealClock } from '../core/real-clock.ts';
import type { MetricsRecorder } from './metrics.ts';

/** Wall ms between two lag samples: 50 a second, enough for a p99 of a short run, and cheap. */
export const LAG_SAMPLE_MS = 20;
/** Wall ms a busy share is taken over. */
export const BUSY_WINDOW_MS = 1_000;
/** The last, partial window counts when at least this long: shorter ones say little. */
const BUSY_WINDOW_MIN_MS = BUSY_WINDOW_MS / 2;

export class GeneratorMeter {
  private window: EventLoopUtilization | null = null;
  /** Where the current span of the timeline began (takeSpan). */
  private span: EventLoopUtilization | null = null;
  private last: number | null = null;
  private stops: (() => void)[] = [];

  constructor(
    private readonly metrics: MetricsRecorder,
    private readonly clock: RealClock,
  ) {}

  /** The busy share of the last whole window (%), for the live progress display; null before the first. */
  get lastBusyPercent(): number | null {
    return this.last;
  }

  start(): void {
    if (this.window !== null) return;
    this.window = performance.eventLoopUtilization();
    this.span = this.window;
    this.stops = [
      this.every(LAG_SAMPLE_MS, (lateMs) => this.metrics.recordGeneratorLag(lateMs)),
      this.every(BUSY_WINDOW_MS, () => this.closeWindow(0)),
    ];
  }

  /** Ends the measurement, counting the last window if it is long enough. Idempotent. */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    if (this.window !== null) this.closeWindow(BUSY_WINDOW_MIN_MS);
    this.window = null;
    this.span = null;
  }

  /**
   * The busy share (%) since the last call (or the start), for the per-minute timeline: the runner takes one at
   * each scenario minute, whatever wall time that minute took. Null while not measuring, or over no wall time.
   */
  takeSpan(): number | null {
    if (this.span === null) return null;
    const { now, ms, percent } = busySince(this.span);
    this.span = now;
    return ms > 0 ? percent : null;
  }

  private closeWindow(minMs: number): void {
    if (this.window === null) return;
    const { now, ms, percent } = busySince(this.window);
    if (ms >= minMs) {
      this.last = percent;
      this.metrics.recordGeneratorBusy(percent);
    }
    this.window = now;
  }

  /** Runs task every periodMs of wall time (whatever the clock's speed), with how late it ran; returns its stop. */
  private every(periodMs: number, task: (lateMs: number) => void): () => void {
    let cancel: () => void;
    const next = (): void => {
      const due = performance.now() + periodMs;
      cancel = this.clock.schedule(periodMs * this.clock.speed, () => {
        task(Math.max(0, performance.now() - due));
        next();
      });
    };
    next();
    return () => cancel();
  }
}

/** The thread's busy share (%) over the wall ms since `mark`, and the mark to measure the next span from. */
function busySince(mark: EventLoopUtilization): { now: EventLoopUtilization; ms: number; percent: number } {
  const now = performance.eventLoopUtilization();
  const share = performance.eventLoopUtilization(now, mark);
  return { now, ms: share.idle + share.active, percent: Math.round(share.utilization * 100) };
}
