/**
 * The benchmarks' ratios: each pair of measurements run back to back gives one ratio (the report takes their
 * median), so that a drift of the machine's speed between pairs does not move it.
 */
import { describe, expect, it } from 'vitest';
import { pairRatios } from '../../bench/lib/stats.ts';

describe('pairRatios', () => {
  it('divides each measurement by its partner of the same index', () => {
    expect(pairRatios([30, 60, 45], [20, 40, 30])).toEqual([1.5, 1.5, 1.5]);
  });

  it('gives NaN for a measurement without a partner', () => {
    const ratios = pairRatios([30, 60], [20]);
    expect(ratios[0]).toBe(1.5);
    expect(ratios[1]).toBeNaN();
  });
});
