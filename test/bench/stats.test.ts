/**
 * The benchmarks' ratios: each pair of measurements run back to back gives one ratio (the report takes their
 * median), so that a drift of the machine's speed between pairs does not move it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmtAgainst, median, medianInterval, pairRatios } from '../../bench/lib/stats.ts';
import { createRandom, exponential } from '../../src/core/random.ts';

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

/** P(B <= j) for B ~ Binomial(n, 1/2), summed from exact coefficients (n small enough for exact doubles). */
function binomialBelow(n: number, j: number): number {
  let sum = 0;
  let coefficient = 1;
  for (let i = 0; i <= j; i++) {
    sum += coefficient;
    coefficient = (coefficient * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

describe('medianInterval', () => {
  it('takes the lowest and highest of five runs, which hold the median 15 times in 16', () => {
    expect(medianInterval([1.69, 1.46, 1.59, 1.34, 1.57])).toEqual({
      low: 1.34,
      high: 1.69,
      confidence: 0.9375,
    });
  });

  it('narrows to inner runs once there are enough of them', () => {
    const nine = [9, 1, 8, 2, 7, 3, 6, 4, 5];
    expect(medianInterval(nine)).toEqual({ low: 2, high: 8, confidence: 1 - 20 / 512 });
    // The fourteen pairs of benchmark 1 in the eighteenth session: the 1.5 line is still inside.
    const fourteen = [1.69, 1.46, 1.59, 1.34, 1.57, 1.85, 1.51, 1.51, 1.58, 1.58, 1.27, 1.36, 1.64, 1.46];
    const interval = medianInterval(fourteen);
    expect(interval).toMatchObject({ low: 1.36, high: 1.64 });
    expect(interval?.confidence).toBeCloseTo(1 - 2 * binomialBelow(14, 2), 12);
  });

  it('stays exact for more runs than 2^-n can hold in a double', () => {
    const n = 3000;
    const runs = Array.from({ length: n }, (_, i) => i);
    // The same choice in exact integers: the largest k with 2^n - 2 C(n, <= k - 1) >= 0.95 2^n.
    const all = 2n ** BigInt(n);
    let coefficient = 1n;
    let below = 0n;
    let k = 0;
    while ((all - 2n * (below + coefficient)) * 100n >= 95n * all) {
      below += coefficient;
      coefficient = (coefficient * BigInt(n - k)) / BigInt(k + 1);
      k++;
    }
    const interval = medianInterval(runs)!;
    expect(k).toBe(1446);
    expect(interval).toMatchObject({ low: k - 1, high: n - k });
    expect(interval.confidence).toBeCloseTo(1 - Number((2n * below * 10n ** 15n) / all) / 1e15, 9);
  });

  it('says nothing about fewer than two values, and skips values that are not numbers', () => {
    expect(medianInterval([])).toBeNull();
    expect(medianInterval([3])).toBeNull();
    expect(medianInterval([3, Number.NaN])).toBeNull();
    expect(medianInterval([3, Number.NaN, 1])).toEqual({ low: 1, high: 3, confidence: 0.5 });
  });

  it('picks the narrowest pair of order statistics with the confidence asked, around the median', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 }),
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        (values, wanted) => {
          const interval = medianInterval(values, wanted);
          const n = values.length;
          const sorted = [...values].sort((a, b) => a - b);
          // The k-th from each end with coverage 1 - 2 P(B <= k - 1): the largest k reaching `wanted`, else 1.
          let k = 1;
          while (2 * (k + 1) <= n && 1 - 2 * binomialBelow(n, k) >= wanted) k++;
          expect(interval?.low).toBe(sorted[k - 1]);
          expect(interval?.high).toBe(sorted[n - k]);
          expect(interval?.confidence).toBeCloseTo(1 - 2 * binomialBelow(n, k - 1), 9);
          expect(interval!.low).toBeLessThanOrEqual(median(values));
          expect(interval!.high).toBeGreaterThanOrEqual(median(values));
        },
      ),
    );
  });

  it('holds the true median of a skewed distribution about as often as it says', () => {
    // Exponential times (mean 1, median ln 2), 11 runs per trial: the interval claims 98.8%.
    const random = createRandom('median-interval');
    const trials = 4000;
    let held = 0;
    let claimed = 0;
    for (let trial = 0; trial < trials; trial++) {
      const runs = Array.from({ length: 11 }, () => exponential(random, 1));
      const interval = medianInterval(runs)!;
      claimed = interval.confidence;
      if (interval.low <= Math.LN2 && Math.LN2 <= interval.high) held++;
    }
    expect(claimed).toBeCloseTo(1 - 2 * binomialBelow(11, 1), 12);
    expect(held / trials).toBeGreaterThan(claimed - 0.01);
    expect(held / trials).toBeLessThan(claimed + 0.01);
  });
});
