import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createRealClock } from '../../src/core/real-clock.ts';
import type { Backend } from '../../src/fake-backend/app.ts';
import { injectBatch } from '../../src/fake-backend/inject.ts';
import type { CommitMode, DedupeMode } from '../../src/fake-backend/options.ts';
import {
  BATCH_PATH,
  batchBody,
  createManualClock,
  makeSales,
  memoryBackend,
  resultsOf,
  runAll,
} from './helpers.ts';

const backends: Backend[] = [];
afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
});

/** How many times each offline_reference is stored. */
function copiesPerReference(b: Backend): number[] {
  const copies = new Map<string, number>();
  for (const entry of b.ledger.entries())
    copies.set(entry.offline_reference, (copies.get(entry.offline_reference) ?? 0) + 1);
  return [...copies.values()];
}

describe('identical batches sent at once', () => {
  const cases: [DedupeMode, CommitMode][] = [
    ['check-then-insert', 'batch'],
    ['check-then-insert', 'row'],
    ['unique', 'batch'],
    ['unique', 'row'],
  ];

  it.each(cases)('%s, commit per %s (manual clock)', async (dedupe, commit) => {
    const clock = createManualClock();
    const b = await memoryBackend({ storage: { dedupe, commit, checkGapMs: 20 } }, clock);
    backends.push(b);
    const body = batchBody(makeSales(3));
    const outcomes = await runAll(clock, [injectBatch(b, body), injectBatch(b, body)]);
    const flags = outcomes.map((o) =>
      o.kind === 'response' ? resultsOf(o.body).map((r) => r.duplicate) : o.kind,
    );
    if (dedupe === 'check-then-insert') {
      // Both SELECTs ran before either INSERT: both requests believe they stored every row.
      expect(copiesPerReference(b)).toEqual([2, 2, 2]);
      expect(flags).toEqual([
        [false, false, false],
        [false, false, false],
      ]);
    } else {
      expect(copiesPerReference(b)).toEqual([1, 1, 1]);
      expect(flags.flat().filter((f) => f === true)).toHaveLength(3);
    }
  });

  it.each(['check-then-insert', 'unique'] as const)('%s over real HTTP in real time', async (dedupe) => {
    const b = await memoryBackend({ storage: { dedupe, checkGapMs: 2000 } }, createRealClock());
    backends.push(b);
    const url = await b.app.listen({ host: '127.0.0.1', port: 0 });
    const pool = new Pool(url, { connections: 4, headersTimeout: 30_000, bodyTimeout: 30_000 });
    try {
      const body = batchBody(makeSales(3));
      const statuses = await Promise.all(
        [1, 2, 3, 4].map(async () => {
          const response = await pool.request({
            path: BATCH_PATH,
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          });
          await response.body.text();
          return response.statusCode;
        }),
      );
      expect(statuses).toEqual([200, 200, 200, 200]);
      const copies = copiesPerReference(b);
      expect(copies).toHaveLength(3);
      // The gap is long enough that at least two requests overlap, even on a loaded machine.
      if (dedupe === 'check-then-insert') expect(Math.max(...copies)).toBeGreaterThan(1);
      else expect(copies).toEqual([1, 1, 1]);
    } finally {
      await pool.destroy();
    }
  });
});
