import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, pick, randomInt } from '../../src/core/random.ts';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  percentilesOf,
  percentilesOfEncoded,
  recordValue,
} from '../../src/sim/histogram.ts';
import { MetricsRecorder, type MetricsSnapshot, type RequestOutcome } from '../../src/sim/metrics.ts';
import { mergeMetricsSnapshots } from '../../src/sim/metrics-merge.ts';
import { summariseMetrics } from '../../src/sim/metrics-summary.ts';
import { type MinuteGauges, type MinuteRow, mergeTimelines } from '../../src/sim/timeline.ts';

const ORIGIN = 1_732_500_000_000;
const MINUTE = 60_000;

type Action =
  | {
      readonly type: 'request';
      readonly latencyMs: number;
      readonly rows: number;
      readonly bytes: number;
      readonly outcome: RequestOutcome;
    }
  | { readonly type: 'synced'; readonly ttsMs: number; readonly online: boolean }
  | { readonly type: 'lag'; readonly lateMs: number }
  | { readonly type: 'created' | 'offline' | 'duplicate' | 'rejected' | 'crash' | 'local-failure' };

interface Step {
  readonly atMs: number;
  readonly device: number;
  readonly action: Action;
}

const OUTCOMES: readonly RequestOutcome[] = [
  { kind: 'ok', status: 200 },
  { kind: 'ok', status: 200 },
  { kind: 'ok', status: 201 },
  { kind: 'http', status: 413 },
  { kind: 'http', status: 503 },
  { kind: 'timeout' },
  { kind: 'reset' },
  { kind: 'protocol' },
];

function randomRun(seed: number, steps: number, devices: number): Step[] {
  const random = createRandom(seed, 'metrics-test');
  const run: Step[] = [];
  let atMs = ORIGIN;
  for (let i = 0; i < steps; i++) {
    atMs += randomInt(random, 0, 4_000);
    const device = randomInt(random, 0, devices - 1);
    const kind = pick(random, [
      'request',
      'request',
      'request',
      'synced',
      'created',
      'offline',
      'duplicate',
      'rejected',
      'crash',
      'local-failure',
      'lag',
    ] as const);
    let action: Action;
    if (kind === 'request') {
      action = {
        type: 'request',
        latencyMs: Math.floor(random.next() ** 3 * 200_000),
        rows: randomInt(random, 1, 500),
        bytes: randomInt(random, 300, 400_000),
        outcome: pick(random, OUTCOMES),
      };
    } else if (kind === 'synced') {
      action = {
        type: 'synced',
        ttsMs: Math.floor(random.next() ** 2 * 3_600_000),
        online: random.next() < 0.5,
      };
    } else if (kind === 'lag') {
      action = { type: 'lag', lateMs: Math.floor(random.next() ** 4 * 2_000) };
    } else {
      action = { type: kind };
    }
    run.push({ atMs, device, action });
  }
  return run;
}

function feed(recorder: MetricsRecorder, { atMs, action }: Step): void {
  switch (action.type) {
    case 'request':
      recorder.recordRequest({
        atMs,
        latencyMs: action.latencyMs,
        rows: action.rows,
        bytes: action.bytes,
        outcome: action.outcome,
      });
      return;
    case 'synced':
      recorder.recordSynced(atMs, action.ttsMs, action.online);
      return;
    case 'created':
      recorder.recordSaleCreated(atMs);
      return;
    case 'offline':
      recorder.recordOfflineSkip(atMs);
      return;
    case 'duplicate':
      recorder.recordDuplicate(atMs);
      return;
    case 'rejected':
      recorder.recordRejected(atMs);
      return;
    case 'crash':
      recorder.recordCrash(atMs);
      return;
    case 'local-failure':
      recorder.recordLocalFailure(atMs);
      return;
    case 'lag':
      recorder.recordGeneratorLag(action.lateMs);
  }
}

/** A gauge per device, derived from the device and minute, so shards and the whole agree. */
function deviceGauges(device: number, minute: number): MinuteGauges {
  const online = (device + minute) % 3 !== 0 ? 1 : 0;
  return {
    devicesOnline: online,
    backlog: {
      pending: (device * minute) % 5,
      syncing: minute % 2,
      synced: minute + device,
      failed: device % 2,
    },
  };
}

function sumGauges(devices: readonly number[], minute: number): MinuteGauges {
  const total = { devicesOnline: 0, backlog: { pending: 0, syncing: 0, synced: 0, failed: 0 } };
  for (const device of devices) {
    const g = deviceGauges(device, minute);
    total.devicesOnline += g.devicesOnline;
    total.backlog.pending += g.backlog.pending;
    total.backlog.syncing += g.backlog.syncing;
    total.backlog.synced += g.backlog.synced;
    total.backlog.failed += g.backlog.failed;
  }
  return total;
}

/** Records a run into one recorder per shard (device index mod shards), sampling gauges at each minute boundary. */
function record(
  run: readonly Step[],
  devices: number,
  shards: number,
  lastMinute: number,
): MetricsSnapshot[] {
  const recorders = Array.from({ length: shards }, () => new MetricsRecorder({ originMs: ORIGIN }));
  const members = recorders.map((_, s) =>
    Array.from({ length: devices }, (_, d) => d).filter((d) => d % shards === s),
  );
  let next = 0;
  for (let minute = 0; minute <= lastMinute; minute++) {
    const boundary = ORIGIN + minute * MINUTE;
    while (next < run.length && run[next]!.atMs < boundary) {
      const step = run[next++]!;
      feed(recorders[step.device % shards]!, step);
    }
    recorders.forEach((recorder, s) => {
      recorder.recordGauges(boundary, sumGauges(members[s]!, minute));
    });
  }
  return recorders.map((recorder) => recorder.snapshot());
}

describe('histogram helpers', () => {
  it('reports null percentiles for an empty histogram', () => {
    expect(percentilesOf(createHistogram())).toEqual({
      count: 0,
      p50: null,
      p90: null,
      p99: null,
      max: null,
    });
    expect(percentilesOfEncoded(null)).toEqual({ count: 0, p50: null, p90: null, p99: null, max: null });
  });

  it('rounds, clamps negatives to 0, and reports the same max after a round trip', () => {
    const histogram = createHistogram();
    recordValue(histogram, 12.6);
    recordValue(histogram, -5);
    recordValue(histogram, 123_456);
    const before = percentilesOf(histogram);
    expect(before.count).toBe(3);
    expect(before.p50).toBe(13);
    expect(percentilesOf(decodeHistogram(encodeHistogram(histogram)))).toEqual(before);
  });

  it('takes values above the settings highest value (autoResize)', () => {
    const histogram = createHistogram();
    recordValue(histogram, 30 * 24 * 3_600_000);
    expect(percentilesOf(decodeHistogram(encodeHistogram(histogram))).count).toBe(1);
  });
});

describe('MetricsRecorder', () => {
  it('counts every outcome, and requests add up', () => {
    const recorder = new MetricsRecorder({ originMs: ORIGIN });
    const at = ORIGIN + 1_000;
    const request = (outcome: RequestOutcome, latencyMs = 100) =>
      recorder.recordRequest({ atMs: at, latencyMs, rows: 10, bytes: 2_000, outcome });
    request({ kind: 'ok', status: 200 });
    request({ kind: 'ok', status: 200 }, 300);
    request({ kind: 'http', status: 413 });
    request({ kind: 'timeout' }, 30_000);
    request({ kind: 'reset' });
    request({ kind: 'protocol' });
    recorder.recordOfflineSkip(at);
    recorder.recordDuplicate(at);
    recorder.recordRejected(at);
    recorder.recordSaleCreated(at);
    recorder.recordSynced(at, 5_000, false);
    recorder.recordCrash(at);
    recorder.recordLocalFailure(at);
    const snapshot = recorder.snapshot();
    const c = snapshot.counters;
    expect(c).toEqual({
      requests: 6,
      ok: 2,
      byStatus: { '200': 2, '413': 1 },
      timeouts: 1,
      resets: 1,
      protocolErrors: 1,
      offlineSkips: 1,
      duplicates: 1,
      rejectedRows: 1,
      salesCreated: 1,
      salesSynced: 1,
      crashes: 1,
      localFailures: 1,
    });
    const statuses = Object.values(c.byStatus).reduce((a, b) => a + b, 0);
    expect(c.requests).toBe(statuses + c.timeouts + c.resets + c.protocolErrors);
    const summary = summariseMetrics(snapshot);
    // Answers only: the timeout and the reset have no latency.
    expect(summary.latency.requestMs.count).toBe(4);
    expect(summary.latency.requestMs.max).toBe(300);
    expect(summary.batches.rows.count).toBe(6);
    expect(summary.requests.errorRate).toBe(4 / 6);
    expect(summary.latency.timeToSyncOfflineMs.count).toBe(1);
    expect(summary.latency.timeToSyncOnlineMs).toEqual({
      count: 0,
      p50: null,
      p90: null,
      p99: null,
      max: null,
    });
    expect(snapshot.timeline).toEqual([
      expect.objectContaining({
        minute: 0,
        requests: 6,
        errors: 4,
        offlineSkips: 1,
        salesCreated: 1,
        salesSynced: 1,
        p99RequestMs: 300,
      }),
    ]);
  });

  it('reports no error rate and null percentiles when nothing happened', () => {
    const summary = summariseMetrics(new MetricsRecorder().snapshot());
    expect(summary.requests.errorRate).toBeNull();
    expect(summary.latency.timeToSyncMs.p99).toBeNull();
    expect(summary.generator.lagMs).toEqual({ count: 0, p50: null, p90: null, p99: null, max: null });
  });

  it("keeps the generator's lag in a histogram of its own, apart from the traffic and the timeline", () => {
    const recorder = new MetricsRecorder({ originMs: ORIGIN });
    for (const lateMs of [0.4, 3, 3, 12.6, -1]) recorder.recordGeneratorLag(lateMs);
    const snapshot = recorder.snapshot();
    expect(summariseMetrics(snapshot).generator.lagMs).toEqual({
      count: 5,
      p50: 3,
      p90: 13,
      p99: 13,
      max: 13,
    });
    expect(snapshot.counters).toEqual(new MetricsRecorder().snapshot().counters);
    expect(snapshot.timeline).toEqual([]);
  });

  it('fills the timeline densely between the first and last minute, and keeps the last gauges of a minute', () => {
    const recorder = new MetricsRecorder({ originMs: ORIGIN });
    const gauges = (online: number): MinuteGauges => ({
      devicesOnline: online,
      backlog: { pending: 1, syncing: 0, synced: 0, failed: 0 },
    });
    recorder.recordGauges(ORIGIN, gauges(1));
    recorder.recordGauges(ORIGIN + 10, gauges(2));
    recorder.recordRequest({
      atMs: ORIGIN + 3 * MINUTE + 5,
      latencyMs: 40,
      rows: 1,
      bytes: 1,
      outcome: { kind: 'ok', status: 200 },
    });
    const rows = recorder.snapshot().timeline;
    expect(rows.map((row) => row.minute)).toEqual([0, 1, 2, 3]);
    expect(rows[0]!.gauges?.devicesOnline).toBe(2);
    expect(rows[1]).toEqual({
      minute: 1,
      gauges: null,
      requests: 0,
      errors: 0,
      offlineSkips: 0,
      salesCreated: 0,
      salesSynced: 0,
      p99RequestMs: null,
      requestMs: null,
      generatorBusyPercent: null,
    });
    expect(rows[3]!.p99RequestMs).toBe(40);
  });

  it('fills the timeline of a 3,000-hour run (180,000 minutes) without passing them as arguments', () => {
    const recorder = new MetricsRecorder({ originMs: ORIGIN });
    const gauges: MinuteGauges = {
      devicesOnline: 1,
      backlog: { pending: 0, syncing: 0, synced: 0, failed: 0 },
    };
    for (let hour = 0; hour <= 3000; hour++) recorder.recordGauges(ORIGIN + hour * 60 * MINUTE, gauges);
    const rows = recorder.snapshot().timeline;
    expect(rows).toHaveLength(3000 * 60 + 1);
    expect(rows.at(-1)?.minute).toBe(3000 * 60);
  });

  it('an answer that left rows without a result is a protocol error after all, in the counters and its minute', () => {
    const recorder = new MetricsRecorder({ originMs: ORIGIN });
    const answer = (status: number) =>
      recorder.recordRequest({
        atMs: ORIGIN,
        latencyMs: 10,
        rows: 2,
        bytes: 1,
        outcome: { kind: 'ok', status },
      });
    answer(200);
    answer(200);
    recorder.recordIncompleteAnswer(ORIGIN, 200);
    const snapshot = recorder.snapshot();
    expect(snapshot.counters).toMatchObject({
      requests: 2,
      ok: 1,
      protocolErrors: 1,
      byStatus: { '200': 1 },
    });
    expect(snapshot.timeline[0]).toMatchObject({ requests: 2, errors: 1 });
    recorder.recordIncompleteAnswer(ORIGIN, 200);
    expect(recorder.snapshot().counters.byStatus).toEqual({});
  });

  it("puts the generator's busy share into the minute its span began, the busiest span of a minute winning", () => {
    const recorder = new MetricsRecorder({ originMs: ORIGIN });
    recorder.recordGeneratorSpan(ORIGIN + 30_000, 40);
    recorder.recordGeneratorSpan(ORIGIN + MINUTE, 95);
    recorder.recordGeneratorSpan(ORIGIN + MINUTE + 50, 20);
    recorder.recordGeneratorSpan(ORIGIN + 3 * MINUTE, 0);
    const rows = recorder.snapshot().timeline;
    expect(rows.map((row) => row.generatorBusyPercent)).toEqual([40, 95, null, 0]);
    // Not traffic: the counters and the generator's own histograms are untouched.
    expect(rows.map((row) => row.requests)).toEqual([0, 0, 0, 0]);
    expect(summariseMetrics(recorder.snapshot()).generator.busyPercent.count).toBe(0);
  });

  it('takes a late latency for a minute it already closed', () => {
    const recorder = new MetricsRecorder();
    const ok: RequestOutcome = { kind: 'ok', status: 200 };
    recorder.recordRequest({ atMs: 10, latencyMs: 10, rows: 1, bytes: 1, outcome: ok });
    recorder.recordRequest({ atMs: MINUTE + 10, latencyMs: 20, rows: 1, bytes: 1, outcome: ok });
    recorder.recordRequest({ atMs: 20, latencyMs: 5_000, rows: 1, bytes: 1, outcome: ok });
    const rows = recorder.snapshot().timeline;
    expect(percentilesOfEncoded(rows[0]!.requestMs).count).toBe(2);
    // 5 000 falls in a bucket 8 wide: percentiles report its upper bound.
    expect(rows[0]!.p99RequestMs).toBe(5_003);
    expect(rows[1]!.p99RequestMs).toBe(20);
  });

  it('gives a JSON snapshot that survives a round trip and is the same for the same input', () => {
    const run = randomRun(7, 500, 4);
    const [a] = record(run, 4, 1, 40);
    const [b] = record(run, 4, 1, 40);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });
});

describe('mergeMetricsSnapshots', () => {
  it('merges two shards into exactly the whole run: counters, histograms, percentiles and timeline', () => {
    const run = randomRun(42, 3_000, 6);
    const lastMinute = Math.ceil((run[run.length - 1]!.atMs - ORIGIN) / MINUTE);
    const [whole] = record(run, 6, 1, lastMinute);
    const shards = record(run, 6, 2, lastMinute);
    const merged = mergeMetricsSnapshots(shards);
    expect(whole!.counters.requests).toBeGreaterThan(500);
    expect(summariseMetrics(whole!).generator.lagMs.count).toBeGreaterThan(100);
    expect(merged.counters).toEqual(whole!.counters);
    expect(summariseMetrics(merged)).toEqual(summariseMetrics(whole!));
    expect(merged.histograms).toEqual(whole!.histograms);
    expect(merged.timeline).toEqual(whole!.timeline);
    expect(JSON.stringify(merged)).toBe(JSON.stringify(whole));
  });

  it('merges any split of any run exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 2, max: 4 }),
        (seed, steps, shards) => {
          const run = randomRun(seed, steps, 5);
          const lastMinute = Math.ceil((run[run.length - 1]!.atMs - ORIGIN) / MINUTE);
          const [whole] = record(run, 5, 1, lastMinute);
          const merged = mergeMetricsSnapshots(record(run, 5, shards, lastMinute));
          expect(merged.counters).toEqual(whole!.counters);
          expect(summariseMetrics(merged)).toEqual(summariseMetrics(whole!));
          expect(merged.timeline).toEqual(whole!.timeline);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('is the identity on one snapshot and does not depend on the order of shards', () => {
    const run = randomRun(3, 800, 4);
    const shards = record(run, 4, 3, 60);
    expect(mergeMetricsSnapshots([shards[0]!])).toEqual(shards[0]);
    expect(mergeMetricsSnapshots([shards[2]!, shards[0]!, shards[1]!])).toEqual(
      mergeMetricsSnapshots(shards),
    );
  });

  it('refuses snapshots of different timelines, and no snapshot at all', () => {
    const a = new MetricsRecorder({ originMs: 0 }).snapshot();
    const b = new MetricsRecorder({ originMs: 1 }).snapshot();
    const c = new MetricsRecorder({ minuteMs: 1_000 }).snapshot();
    expect(() => mergeMetricsSnapshots([a, b])).toThrow(/origin/);
    expect(() => mergeMetricsSnapshots([a, c])).toThrow(/minute/);
    expect(() => mergeMetricsSnapshots([])).toThrow(/at least one/);
  });
});

describe('mergeTimelines', () => {
  const row = (minute: number, online: number | null, requests = 0): MinuteRow => ({
    minute,
    gauges:
      online === null
        ? null
        : { devicesOnline: online, backlog: { pending: online, syncing: 0, synced: 0, failed: 0 } },
    requests,
    errors: 0,
    offlineSkips: 0,
    salesCreated: 0,
    salesSynced: 0,
    p99RequestMs: null,
    requestMs: null,
    generatorBusyPercent: null,
  });

  it('gives each minute the busiest shard thread, and null where no shard measured one', () => {
    const busy = (minute: number, percent: number | null): MinuteRow => ({
      ...row(minute, null),
      generatorBusyPercent: percent,
    });
    const merged = mergeTimelines([
      [busy(0, 30), busy(1, null), busy(2, 100)],
      [busy(0, 70), busy(1, null), busy(2, 0), busy(3, 12)],
    ]);
    expect(merged.map((r) => r.generatorBusyPercent)).toEqual([70, null, 100, 12]);
  });

  it('carries the last gauges of a shard that ended earlier, and no others', () => {
    const early = [row(0, 2, 1), row(1, 3, 1)];
    const late = [row(0, 10), row(1, null), row(2, 20), row(3, 30, 4)];
    const merged = mergeTimelines([early, late]);
    expect(merged.map((r) => r.gauges?.devicesOnline ?? null)).toEqual([12, 3, 23, 33]);
    expect(merged.map((r) => r.requests)).toEqual([1, 1, 0, 4]);
    expect(merged[3]!.gauges?.backlog.pending).toBe(33);
  });

  it('recomputes per-minute p99 from the added histograms', () => {
    const a = new MetricsRecorder();
    const b = new MetricsRecorder();
    const ok: RequestOutcome = { kind: 'ok', status: 200 };
    for (let i = 1; i <= 99; i++) a.recordRequest({ atMs: 1, latencyMs: i, rows: 1, bytes: 1, outcome: ok });
    b.recordRequest({ atMs: 2, latencyMs: 10_000, rows: 1, bytes: 1, outcome: ok });
    b.recordRequest({ atMs: 3, latencyMs: 10_000, rows: 1, bytes: 1, outcome: ok });
    const [minute] = mergeTimelines([a.snapshot().timeline, b.snapshot().timeline]);
    // 101 values: the 99th percentile is the 100th value, 10 000 (bucket upper bound 10 007).
    expect(minute!.p99RequestMs).toBe(percentilesOfEncoded(minute!.requestMs).p99);
    expect(minute!.p99RequestMs).toBeGreaterThanOrEqual(10_000);
    expect(a.snapshot().timeline[0]!.p99RequestMs).toBe(99);
  });
});
