import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.ts';
import {
  createCapacity,
  drawServiceTimes,
  earliestWorker,
  retryAfterFor,
} from '../../src/fake-backend/capacity.ts';
import { resolveCapacity } from '../../src/fake-backend/options.ts';
import { planWork } from '../../src/fake-backend/work-plan.ts';

describe('capacity schedule', () => {
  it('runs FIFO on the earliest free worker, computed at arrival', () => {
    const capacity = createCapacity(resolveCapacity({ workers: 2, queueLimit: 10 }));
    const a = capacity.admit(0, 100);
    const b = capacity.admit(0, 50);
    const c = capacity.admit(10, 30); // waits for b's worker (free at 50)
    const d = capacity.admit(20, 10); // waits for the earliest of 100 and 80
    expect([a, b, c, d].map((x) => (x.kind === 'admitted' ? [x.startAt, x.finishAt] : x.kind))).toEqual([
      [0, 100],
      [0, 50],
      [50, 80],
      [80, 90],
    ]);
    expect(capacity.queued(20)).toBe(2);
    expect(capacity.queued(60)).toBe(1);
    expect(capacity.queued(80)).toBe(0);
  });

  it('refuses when every worker is busy and the queue is full, with the time until a slot frees', () => {
    const capacity = createCapacity(resolveCapacity({ workers: 1, queueLimit: 1 }));
    expect(capacity.admit(0, 2500)).toMatchObject({ kind: 'admitted', startAt: 0 });
    expect(capacity.admit(0, 2500)).toMatchObject({ kind: 'admitted', startAt: 2500, queued: 1 });
    expect(capacity.admit(100, 10)).toEqual({ kind: 'full', queued: 1, retryAfterSeconds: 3 });
    // Once the second one starts, the queue has room again.
    expect(capacity.admit(2500, 10)).toMatchObject({ kind: 'admitted', startAt: 5000 });
  });

  it('uses a fixed Retry-After when configured, and never queues without a worker limit', () => {
    const fixed = createCapacity(resolveCapacity({ workers: 1, queueLimit: 0, retryAfterSeconds: 7 }));
    fixed.admit(0, 10);
    expect(fixed.admit(0, 10)).toEqual({ kind: 'full', queued: 0, retryAfterSeconds: 7 });
    const unlimited = createCapacity(resolveCapacity({}));
    for (let i = 0; i < 100; i++) expect(unlimited.admit(0, 1000)).toMatchObject({ startAt: 0 });
  });

  it('has small pure helpers', () => {
    expect(earliestWorker([5, 3, 3, 9])).toBe(1);
    expect(retryAfterFor(0)).toBe(1);
    expect(retryAfterFor(1001)).toBe(2);
  });

  it('draws service times deterministically, one per row', () => {
    const model = resolveCapacity({
      requestTime: { kind: 'lognormal', p50: 20, p99: 200 },
      rowTime: { kind: 'uniform', min: 1, max: 2 },
    });
    const a = drawServiceTimes(model, createRandom(1, 'backend', 'service', 0), 3);
    const b = drawServiceTimes(model, createRandom(1, 'backend', 'service', 0), 3);
    expect(a).toEqual(b);
    expect(a.rowMs).toHaveLength(3);
    for (const ms of a.rowMs) expect(ms).toBeGreaterThanOrEqual(1);
  });
});

describe('work plan', () => {
  const times = { requestMs: 10, rowMs: [1, 2, 3, 4] };
  const storage = { commit: 'batch' as const, dedupe: 'unique' as const, checkGapMs: 100 };
  const ok = [null, null, null, null];

  it('adds request, rows and gaps', () => {
    expect(planWork({ decision: { kind: 'none' }, verdicts: ok, times, storage })).toEqual({
      rowsProcessed: 4,
      gaps: 0,
      serviceMs: 20,
    });
    const cti = { ...storage, dedupe: 'check-then-insert' as const };
    expect(planWork({ decision: { kind: 'none' }, verdicts: ok, times, storage: cti }).serviceMs).toBe(120);
    expect(
      planWork({
        decision: { kind: 'none' },
        verdicts: [null, 'bad', null, null],
        times,
        storage: { ...cti, commit: 'row' },
      }),
    ).toEqual({ rowsProcessed: 4, gaps: 3, serviceMs: 320 });
  });

  it('stops at the fault', () => {
    const before = { kind: 'http', status: 503, when: 'before-commit' } as const;
    expect(planWork({ decision: before, verdicts: ok, times, storage }).serviceMs).toBe(10);
    const crash = { kind: 'partial-commit', afterRows: 2, ending: 'error' } as const;
    expect(
      planWork({ decision: crash, verdicts: ok, times, storage: { ...storage, commit: 'row' } }),
    ).toEqual({
      rowsProcessed: 2,
      gaps: 0,
      serviceMs: 13,
    });
  });
});
