import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { CoreObserver, RowOutcome } from '../../src/core/events.ts';
import { MetricsRecorder } from '../../src/sim/metrics.ts';
import { summariseMetrics } from '../../src/sim/metrics-summary.ts';
import { TraceRecorder } from '../../src/sim/trace.ts';
import { describeTrace } from '../../src/sim/trace-format.ts';
import { claimed, created, failed, released, synced } from './core-events.ts';

/** A device whose virtual time the test moves by hand. */
function device(traces: TraceRecorder, deviceId = 'DEV-1', online = true) {
  const state = { now: 0, online };
  const observer = traces.observer(deviceId, { now: () => state.now, isOnline: () => state.online });
  return { state, observer };
}

function create(
  observer: CoreObserver,
  offlineId: string,
  reference = `DEV-1-${offlineId}`,
  createdAtDevice = 1_000,
): void {
  observer.onEvent(created(offlineId, reference, createdAtDevice));
}

describe('TraceRecorder', () => {
  it('records the attempts of a sale in order, with their outcomes', () => {
    const metrics = new MetricsRecorder();
    const traces = new TraceRecorder({ metrics });
    const { state, observer } = device(traces);
    state.now = 1_000;
    create(observer, 'a');
    state.now = 2_000;
    observer.onEvent(claimed(['a']));
    observer.onEvent({ type: 'batch-sending', batchId: 1, offlineIds: ['a'], bytes: 500 });
    state.now = 32_000;
    observer.onEvent({
      type: 'batch-failed',
      batchId: 1,
      offlineIds: ['a'],
      failure: { kind: 'timeout', phase: 'headers' },
    });
    observer.onEvent(released(['a'], 'transport-error'));
    state.now = 40_000;
    observer.onEvent(claimed(['a']));
    observer.onEvent({ type: 'batch-sending', batchId: 2, offlineIds: ['a'], bytes: 500 });
    state.now = 40_300;
    observer.onEvent({
      type: 'batch-failed',
      batchId: 2,
      offlineIds: ['a'],
      failure: { kind: 'http', status: 503, body: 'busy', retryAfterMs: 1_000 },
    });
    observer.onEvent(released(['a'], 'transport-error'));
    state.now = 50_000;
    observer.onEvent(claimed(['a']));
    observer.onEvent({ type: 'batch-sending', batchId: 3, offlineIds: ['a'], bytes: 500 });
    state.now = 50_120;
    observer.onEvent({ type: 'batch-answered', batchId: 3, offlineIds: ['a'], status: 200, results: 1 });
    observer.onEvent({ type: 'rows-applied', batchId: 3, outcomes: [synced('a', 17)] });

    const trace = traces.traceOf('a')!;
    expect(trace).toMatchObject({
      offlineId: 'a',
      deviceId: 'DEV-1',
      createdAtMs: 1_000,
      createdOnline: true,
      syncedAtMs: 50_120,
    });
    expect(
      trace.attempts.map((a) => [
        a.batch.batchId,
        a.batch.sentAtMs,
        a.batch.endedAtMs,
        a.batch.status,
        a.batch.failure,
      ]),
    ).toEqual([
      [1, 2_000, 32_000, null, 'timeout'],
      [2, 40_000, 40_300, 503, 'http'],
      [3, 50_000, 50_120, 200, null],
    ]);
    expect(trace.attempts.map((a) => a.result?.serverId ?? null)).toEqual([null, null, 17]);
    expect(trace.events.map((e) => e.type)).toEqual([
      'claimed',
      'attempt',
      'released',
      'claimed',
      'attempt',
      'released',
      'claimed',
      'attempt',
    ]);
    expect(trace.attempts[0]!.batch.detail).toBe('headers');

    const summary = summariseMetrics(metrics.snapshot());
    expect(summary.requests).toMatchObject({
      total: 3,
      ok: 1,
      timeouts: 1,
      byStatus: { '200': 1, '503': 1 },
    });
    // The timeout has no latency; the 503 and the 200 do.
    expect(summary.latency.requestMs).toMatchObject({ count: 2, max: 300 });
    expect(summary.latency.timeToSyncMs).toMatchObject({ count: 1 });
    expect(summary.latency.timeToSyncOnlineMs.count).toBe(1);
    expect(summary.salesCreated).toBe(1);
    expect(summary.salesSynced).toBe(1);

    const lines = describeTrace(trace);
    expect(lines[0]).toContain('created on DEV-1');
    expect(lines.join('\n')).toContain('timeout (headers) after 30000 ms');
    expect(lines.join('\n')).toContain('HTTP 503 after 300 ms');
    expect(lines.at(-2)).toContain('synced, server id 17');
    expect(lines.at(-1)).toContain('marked synced, 49120 ms after creation');
  });

  it('reads in whole milliseconds, however fractional the virtual times (a latency drawn from a distribution)', () => {
    const lines = describeTrace({
      offlineId: 'a',
      offlineReference: 'DEV-1-1',
      deviceId: 'DEV-1',
      createdAtMs: 1_000.25,
      createdAtDevice: 0,
      createdOnline: true,
      syncedAtMs: 215_960.67394635407,
      attempts: [],
      events: [],
    });
    expect(lines.at(-1)).toBe('+0:03:35.961 marked synced, 214960 ms after creation');
  });

  it('shares one batch object between the sales it carries', () => {
    const traces = new TraceRecorder();
    const { observer } = device(traces);
    for (const id of ['a', 'b', 'c']) create(observer, id);
    observer.onEvent(claimed(['a', 'b', 'c']));
    observer.onEvent({ type: 'batch-sending', batchId: 1, offlineIds: ['a', 'b', 'c'], bytes: 1_500 });
    observer.onEvent({
      type: 'batch-answered',
      batchId: 1,
      offlineIds: ['a', 'b', 'c'],
      status: 200,
      results: 3,
    });
    observer.onEvent({
      type: 'rows-applied',
      batchId: 1,
      outcomes: [synced('a', 1), synced('b', 2, true), failed('c', 'bad')],
    });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => traces.traceOf(id)!);
    expect(a!.attempts[0]!.batch).toBe(b!.attempts[0]!.batch);
    expect(b!.attempts[0]!.batch).toBe(c!.attempts[0]!.batch);
    expect(a!.attempts[0]!.batch.rows).toBe(3);
    // A sale's result as the trace tells it: the outcome without the device file's row id.
    const told = ({ rowId: _, ...result }: RowOutcome) => result;
    expect([a, b, c].map((t) => t!.attempts[0]!.result)).toEqual([
      told(synced('a', 1)),
      told(synced('b', 2, true)),
      told(failed('c', 'bad')),
    ]);
    expect(c!.syncedAtMs).toBeNull();
    // A trace is plain data: the batch's shared outcomes stay out of its JSON.
    expect(JSON.stringify(a)).not.toContain('"b"');
  });

  it('puts each result on its own sale whatever the order of the answer and of the claim', () => {
    const traces = new TraceRecorder();
    const { state, observer } = device(traces);
    for (const id of ['a', 'b', 'c', 'd']) create(observer, id);
    // The claim names the rows in another order than the batch, and one row the batch does not carry.
    observer.onEvent(claimed(['c', 'b', 'a', 'd']));
    observer.onEvent({ type: 'batch-sending', batchId: 1, offlineIds: ['a', 'b', 'c'], bytes: 1_500 });
    state.now = 100;
    observer.onEvent({
      type: 'batch-answered',
      batchId: 1,
      offlineIds: ['a', 'b', 'c'],
      status: 200,
      results: 4,
    });
    // The answer comes back reversed, with a result for a row that was never sent and one for an unknown id.
    observer.onEvent({
      type: 'rows-applied',
      batchId: 1,
      outcomes: [synced('c', 3), synced('b', 2), synced('d', 4), synced('zz', 9), synced('a', 1)],
    });
    const result = (id: string) => traces.traceOf(id)!.attempts.map((attempt) => attempt.result?.serverId);
    expect([result('a'), result('b'), result('c')]).toEqual([[1], [2], [3]]);
    // d was claimed but never sent: it has no attempt to hang the result on.
    expect(result('d')).toEqual([]);
    expect(['a', 'b', 'c'].map((id) => traces.traceOf(id)!.syncedAtMs)).toEqual([100, 100, 100]);
    expect(traces.traceOf('zz')).toBeNull();
  });

  it('counts offline skips, duplicates, rejected rows, and time-to-sync once per sale, split by online at creation', () => {
    const metrics = new MetricsRecorder();
    const traces = new TraceRecorder({ metrics });
    const { state, observer } = device(traces, 'DEV-1', false);
    create(observer, 'offline-sale');
    state.online = true;
    create(observer, 'online-sale');
    observer.onEvent({
      type: 'batch-failed',
      batchId: 1,
      offlineIds: ['offline-sale'],
      failure: { kind: 'offline' },
    });
    state.now = 10_000;
    for (const batchId of [2, 3]) {
      observer.onEvent({
        type: 'batch-sending',
        batchId,
        offlineIds: ['offline-sale', 'online-sale'],
        bytes: 900,
      });
      observer.onEvent({
        type: 'batch-answered',
        batchId,
        offlineIds: ['offline-sale', 'online-sale'],
        status: 200,
        results: 2,
      });
      observer.onEvent({
        type: 'rows-applied',
        batchId,
        outcomes: [synced('offline-sale', 1, batchId === 3), synced('online-sale', 2, batchId === 3)],
      });
      state.now = 20_000;
    }
    const snapshot = metrics.snapshot();
    expect(snapshot.counters).toMatchObject({
      offlineSkips: 1,
      requests: 2,
      duplicates: 2,
      salesCreated: 2,
      salesSynced: 2,
    });
    const summary = summariseMetrics(snapshot);
    // 10 000 ms falls in a bucket 8 wide: percentiles report its upper bound.
    expect(summary.latency.timeToSyncOfflineMs).toMatchObject({ count: 1, max: 10_007 });
    expect(summary.latency.timeToSyncOnlineMs).toMatchObject({ count: 1, max: 10_007 });
    // The offline skip is an attempt in the story, but not a request.
    const trace = traces.traceOf('offline-sale')!;
    expect(trace.attempts.map((a) => a.batch.failure)).toEqual(['offline', null, null]);
    expect(trace.createdOnline).toBe(false);
    expect(trace.syncedAtMs).toBe(10_000);
  });

  it('merges crashes of the device into the story, after the steps of the same instant', () => {
    const traces = new TraceRecorder();
    const { state, observer } = device(traces);
    traces.recordCrash('DEV-1', -5, 'before the sale');
    state.now = 100;
    create(observer, 'a');
    state.now = 200;
    observer.onEvent(claimed(['a']));
    traces.recordCrash('DEV-1', 200, 'after-claim');
    traces.recordCrash('DEV-2', 250, 'another device');
    const restarted = traces.observer('DEV-1', { now: () => 300, isOnline: () => true });
    restarted.onEvent(released(['a'], 'startup'));
    // Batch ids start again after a restart: a new observer keeps them apart.
    restarted.onEvent({ type: 'batch-sending', batchId: 1, offlineIds: ['a'], bytes: 10 });
    const trace = traces.traceOf('a')!;
    expect(trace.events.map((e) => (e.type === 'crash' ? `crash:${e.point}` : e.type))).toEqual([
      'claimed',
      'crash:after-claim',
      'released',
      'attempt',
    ]);
    expect(trace.attempts[0]!.batch.endedAtMs).toBeNull();
    expect(describeTrace(trace).join('\n')).toContain('no outcome');
  });

  it('records local creation failures and batch splits, and ignores sales it never saw created', () => {
    const metrics = new MetricsRecorder();
    const traces = new TraceRecorder({ metrics });
    const { observer } = device(traces);
    traces.recordLocalFailure('DEV-1', 7, 'DEV-1-1000', 'UNIQUE constraint failed: offline_reference');
    expect(traces.localFailures()).toEqual([
      {
        deviceId: 'DEV-1',
        atMs: 7,
        reference: 'DEV-1-1000',
        error: 'UNIQUE constraint failed: offline_reference',
      },
    ]);
    create(observer, 'a');
    observer.onEvent({ type: 'batch-sending', batchId: 4, offlineIds: ['a', 'ghost'], bytes: 10 });
    observer.onEvent({
      type: 'batch-failed',
      batchId: 4,
      offlineIds: ['a', 'ghost'],
      failure: { kind: 'http', status: 422, body: 'x'.repeat(10_000), retryAfterMs: null },
    });
    observer.onEvent({ type: 'batch-split', batchId: 4, sizes: [1, 1] });
    // The core marks an isolated rejected row failed outside any batch (batch id 0).
    observer.onEvent({
      type: 'rows-applied',
      batchId: 0,
      outcomes: [failed('a', 'rejected: HTTP 422')],
    });
    expect(traces.traceOf('a')!.attempts[0]!.result?.error).toBe('rejected: HTTP 422');
    expect(metrics.snapshot().counters.rejectedRows).toBe(1);
    expect(traces.traceOf('a')!.attempts[0]!.batch.split).toEqual([1, 1]);
    expect(traces.traceOf('a')!.attempts[0]!.batch.detail).toBeNull();
    expect(traces.traceOf('ghost')).toBeNull();
    expect(traces.saleCount).toBe(1);
    expect(metrics.snapshot().counters.localFailures).toBe(1);
  });

  it('keeps 100 000 sales with 3 attempts each in under 44 MB, columns included', () => {
    // Flat copies, as ids read from SQLite are: template literals would make cons strings twice the size.
    const flat = (text: string) => Buffer.from(text).toString();
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    gc();
    // The columns are typed arrays, outside the JS heap: both count.
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    const traces = new TraceRecorder();
    const devices = 100;
    const perDevice = 1_000;
    const batchSize = 10;
    for (let d = 0; d < devices; d++) {
      const deviceId = flat(`DEVICE-${String(d).padStart(4, '0')}`);
      const state = { now: 0 };
      const observer = traces.observer(deviceId, { now: () => state.now, isOnline: () => d % 2 === 0 });
      let batchId = 0;
      for (let start = 0; start < perDevice; start += batchSize) {
        const ids: string[] = [];
        for (let i = start; i < start + batchSize; i++) {
          const offlineId = flat(
            `${String(d).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`,
          );
          ids.push(offlineId);
          state.now += 1_000;
          observer.onEvent({
            type: 'transaction-created',
            rowId: i + 1,
            offlineId,
            offlineReference: flat(`${deviceId}-${1_732_530_000_000 + state.now}`),
            createdAtDevice: 1_732_530_000_000 + state.now,
          });
        }
        // Row ids as in a device file of its own (not core-events.ts's, shared by the whole test file).
        const rowIds = ids.map((_, k) => start + k + 1);
        for (let attempt = 0; attempt < 3; attempt++) {
          batchId += 1;
          observer.onEvent({ type: 'rows-claimed', rowIds, offlineIds: [...ids] });
          observer.onEvent({ type: 'batch-sending', batchId, offlineIds: [...ids], bytes: 4_000 });
          state.now += 200;
          if (attempt < 2) {
            observer.onEvent({
              type: 'batch-failed',
              batchId,
              offlineIds: [...ids],
              failure: { kind: 'reset', detail: 'ECONNRESET' },
            });
            observer.onEvent({
              type: 'rows-released',
              rowIds,
              offlineIds: [...ids],
              reason: 'transport-error',
            });
          } else {
            observer.onEvent({
              type: 'batch-answered',
              batchId,
              offlineIds: [...ids],
              status: 200,
              results: ids.length,
            });
            observer.onEvent({
              type: 'rows-applied',
              batchId,
              outcomes: ids.map((offlineId, k) => ({
                rowId: rowIds[k]!,
                offlineId,
                status: 'synced' as const,
                duplicate: false,
                serverId: d * perDevice + start + k,
                error: null,
              })),
            });
          }
        }
      }
    }
    // Twice, here and above: a first full GC may only finish a marking cycle already under way (slower on a
    // loaded machine), keeping what was allocated meanwhile; the second frees it. Once, this read 46 MB.
    gc();
    gc();
    const usedMb = (used() - before) / 1024 / 1024;
    expect(traces.saleCount).toBe(devices * perDevice);
    const sample = traces.traceOf(
      `${String(7).padStart(8, '0')}-0000-4000-8000-${String(15).padStart(12, '0')}`,
    )!;
    expect(sample.attempts).toHaveLength(3);
    expect(sample.events).toHaveLength(8);
    // ~37 MB; one object per step and a shared outcomes array per batch took ~48 MB of heap alone.
    expect(usedMb).toBeLessThan(44);
  });
});
