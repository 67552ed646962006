/**
 * The benchmarks' ratios: each pair of measurements run back to back gives one ratio (the report takes their
 * median), so that a drift of the machine's speed between pairs does not move it.
 */
import { describe, expect, it } from 'vitest';
import { fmtAgainst, pairRatios } from '../../bench/lib/stats.ts';

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

describe('fmtAgainst', () => {
  it('prints a figure as fmt does when rounding keeps it off its target line', () => {
    expect(fmtAgainst(1.57, 1.5, 2)).toBe('1.57');
    expect(fmtAgainst(808.2, 1000, 0)).toBe('808');
    expect(fmtAgainst(0.9, 0.9, 2)).toBe('0.90');
  });

  it('adds decimals until a value just off the line no longer reads as the line', () => {
    expect(fmtAgainst(0.8975, 0.9, 2)).toBe('0.898');
    expect(fmtAgainst(1.5004, 1.5, 2)).toBe('1.5004');
    expect(fmtAgainst(999.6, 1000, 0)).toBe('999.6');
    expect(fmtAgainst(511.7, 512, 0)).toBe('511.7');
  });

  it('gives up at four more decimals, and prints none as -', () => {
    expect(fmtAgainst(1.500000001, 1.5, 2)).toBe('1.500000');
    expect(fmtAgainst(null, 1.5, 2)).toBe('-');
  });
});
