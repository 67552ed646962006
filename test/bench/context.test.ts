/**
 * Benchmark 2 measures its sizes in rounds, so that a slow stretch of the machine falls on one run of several
 * sizes rather than on every run of one (bench/lib/context.ts, inRounds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inRounds } from '../../bench/lib/context.ts';

describe('inRounds', () => {
  it('measures every item once per round, one measurement at a time, and gives each its results in order', async () => {
    const order: string[] = [];
    let running = 0;
    const results = await inRounds([100, 250, 500], 3, async (devices, round) => {
      running++;
      expect(running).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`${devices}#${round}`);
      running--;
      return devices * 10 + round;
    });
    expect(order).toEqual(['100#0', '250#0', '500#0', '100#1', '250#1', '500#1', '100#2', '250#2', '500#2']);
    expect(results).toEqual([
      [1000, 1001, 1002],
      [2500, 2501, 2502],
      [5000, 5001, 5002],
    ]);
  });

  it('spreads a slow stretch as long as a round over the items: one slow run each at most (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.nat(),
        async (items, rounds, start) => {
          // A slow stretch as long as one round, starting anywhere. One item after the other, it would take up to
          // `rounds` runs of one item.
          let clock = 0;
          const stretch = start % (items * rounds);
          const slow = await inRounds(
            Array.from({ length: items }, (_, i) => i),
            rounds,
            async () => {
              const inStretch = clock >= stretch && clock < stretch + items;
              clock++;
              return inStretch;
            },
          );
          for (const runs of slow)
            expect(runs.filter(Boolean).length).toBeLessThanOrEqual(Math.min(2, rounds));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('measures nothing for no rounds or no items', async () => {
    const never = async (): Promise<number> => {
      throw new Error('measured');
    };
    expect(await inRounds([1, 2], 0, never)).toEqual([[], []]);
    expect(await inRounds([], 3, never)).toEqual([]);
  });
});
