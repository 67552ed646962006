/** How benchmark 2 reads a cost per device from its sizes: least-squares lines, and the slopes of the two halves. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitLine, halfSlopes, largestResidual } from '../../bench/lib/line-fit.ts';

const SIZES = [100, 250, 500, 1000, 2000];

describe('fitLine', () => {
  it('finds the line that made the points', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (intercept, slope) => {
          const line = fitLine(SIZES.map((x) => ({ x, y: intercept + slope * x })));
          expect(line?.slope).toBeCloseTo(slope, 6);
          expect(line?.intercept).toBeCloseTo(intercept, 3);
        },
      ),
    );
  });

  it('passes between scattered points so that the residuals cancel out', () => {
    const points = [
      { x: 0, y: 1 },
      { x: 1, y: 0 },
      { x: 2, y: 3 },
    ];
    const line = fitLine(points);
    expect(line?.slope).toBeCloseTo(1, 10);
    expect(line?.intercept).toBeCloseTo(1 / 3, 10);
    // Residuals 2/3, -4/3, 2/3: they add up to 0, and the largest is the middle one.
    expect(largestResidual(points, line!)).toBeCloseTo(4 / 3, 10);
  });

  it('has no line for one point, one x, or a value that is not a number', () => {
    expect(fitLine([{ x: 1, y: 2 }])).toBeNull();
    expect(
      fitLine([
        { x: 1, y: 2 },
        { x: 1, y: 3 },
      ]),
    ).toBeNull();
    expect(
      fitLine([
        { x: 1, y: 2 },
        { x: 2, y: Number.NaN },
      ]),
    ).toBeNull();
  });
});

describe('halfSlopes', () => {
  it('reads a linear cost as flat, whatever the fixed cost and the order of the points', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (fixed, perDevice) => {
          const points = SIZES.map((x) => ({ x, y: fixed + perDevice * x })).reverse();
          expect(halfSlopes(points)?.ratio).toBeCloseTo(1, 6);
        },
      ),
    );
  });

  it('shows a cost that grows faster than the fleet as a steeper larger half', () => {
    // y = x^2 / 1000: the cost per added device grows with the fleet.
    const halves = halfSlopes(SIZES.map((x) => ({ x, y: (x * x) / 1000 })));
    expect(halves).not.toBeNull();
    expect(halves!.upper.slope).toBeGreaterThan(halves!.lower.slope);
    expect(halves!.ratio).toBeGreaterThan(3);
  });

  it('shares the middle size between the halves when the count is odd', () => {
    // Lower half 100, 250, 500 on one line; upper half 500, 1000, 2000 on another through the same 500 point.
    const y = (x: number): number => (x <= 500 ? 2 * x : 1000 + 3 * (x - 500));
    const halves = halfSlopes(SIZES.map((x) => ({ x, y: y(x) })));
    expect(halves?.lower.slope).toBeCloseTo(2, 10);
    expect(halves?.upper.slope).toBeCloseTo(3, 10);
    expect(halves?.ratio).toBeCloseTo(1.5, 10);
  });

  it('says nothing under three sizes, or when noise makes a half fall', () => {
    expect(
      halfSlopes([
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ]),
    ).toBeNull();
    const falling = halfSlopes([
      { x: 1, y: 10 },
      { x: 2, y: 5 },
      { x: 3, y: 20 },
    ]);
    expect(falling?.ratio).toBeNull();
  });
});
