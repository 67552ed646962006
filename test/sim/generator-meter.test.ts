/**
 * The generator meter samples its thread evenly in wall time, whatever the clock's speed, and only between
 * start and stop (the phases that send load): the lag of a probe timer, and the busy share of each wall second.
 * Lower bounds on lag and busy, upper bounds on sample counts: a loaded machine makes timers later and rarer,
 * never earlier or more frequent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRealClock, type RealClock } from '../../src/core/real-clock.ts';
import { BUSY_WINDOW_MS, GeneratorMeter, LAG_SAMPLE_MS } from '../../src/sim/generator-meter.ts';
import { MetricsRecorder } from '../../src/sim/metrics.ts';
import { summariseMetrics } from '../../src/sim/metrics-summary.ts';

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // The thread is busy: no idle time for the event loop.
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const clocks: RealClock[] = [];
function meterAt(speed: number): { meter: GeneratorMeter; metrics: MetricsRecorder } {
  const clock = createRealClock(speed);
  clocks.push(clock);
  const metrics = new MetricsRecorder();
  return { meter: new GeneratorMeter(metrics, clock), metrics };
}
afterEach(() => {
  for (const clock of clocks.splice(0)) clock.dispose();
});

const generatorOf = (metrics: MetricsRecorder) => {
  const summary = summariseMetrics(metrics.snapshot());
  return { lag: summary.generator.lagMs, busy: summary.generator.busyPercent };
};

describe('GeneratorMeter', () => {
  it('samples nothing before start and after stop, and stops once', async () => {
    const { meter, metrics } = meterAt(1);
    await wait(3 * LAG_SAMPLE_MS);
    expect(generatorOf(metrics).lag.count).toBe(0);
    meter.start();
    meter.stop();
    // Far shorter than half a window: a busy share that says too little is not counted.
    expect(generatorOf(metrics).busy.count).toBe(0);
    meter.start();
    await wait(5 * LAG_SAMPLE_MS);
    meter.stop();
    meter.stop();
    const sampled = generatorOf(metrics);
    expect(sampled.lag.count).toBeGreaterThanOrEqual(1);
    await wait(5 * LAG_SAMPLE_MS);
    expect(generatorOf(metrics)).toEqual(sampled);
  });

  it('records the lag and the busy share of a blocked thread', async () => {
    const { meter, metrics } = meterAt(1);
    expect(meter.lastBusyPercent).toBeNull();
    meter.start();
    blockFor(BUSY_WINDOW_MS * 0.6); // the probe is due at 20 ms and cannot fire before 600
    await wait(1);
    meter.stop();
    const { lag, busy } = generatorOf(metrics);
    expect(lag.max).toBeGreaterThanOrEqual(500);
    expect(busy.count).toBe(1);
    expect(busy.max).toBeGreaterThanOrEqual(90);
    expect(meter.lastBusyPercent).toBe(busy.max);
    expect(busy.max).toBeLessThanOrEqual(100);
  });

  it('samples in wall time at any speed, and a thread that waits is far from busy', async () => {
    const { meter, metrics } = meterAt(600);
    const started = performance.now();
    meter.start();
    await wait(BUSY_WINDOW_MS * 1.2);
    meter.stop();
    const elapsed = performance.now() - started;
    const { lag, busy } = generatorOf(metrics);
    // Scaled by the speed, the probe would fire every 0.03 ms and the window close every 1.7 ms: thousands.
    expect(lag.count).toBeGreaterThanOrEqual(5);
    expect(lag.count).toBeLessThanOrEqual(elapsed / LAG_SAMPLE_MS + 1);
    expect(busy.count).toBeGreaterThanOrEqual(1);
    expect(busy.count).toBeLessThanOrEqual(elapsed / BUSY_WINDOW_MS + 1);
    expect(busy.max).toBeLessThan(50);
  });

  it("gives the timeline each span's busy share, only while measuring", async () => {
    const { meter, metrics } = meterAt(1);
    expect(meter.takeSpan()).toBeNull();
    meter.start();
    blockFor(200); // no turn of the loop since start: the span was all work
    expect(meter.takeSpan()).toBeGreaterThanOrEqual(90);
    await wait(300);
    expect(meter.takeSpan()).toBeLessThan(50);
    meter.stop();
    expect(meter.takeSpan()).toBeNull();
    // Spans go to the timeline (through the runner), not into the per-second histogram.
    expect(generatorOf(metrics).busy.count).toBeLessThanOrEqual(1);
  });
});
