/** The Targets table's interval cell: whether the runs can tell met from missed at all. */
import { describe, expect, it } from 'vitest';
import { intervalAgainst } from '../../bench/lib/report.ts';

describe('intervalAgainst', () => {
  it('says the runs cannot decide when the line falls between their order statistics', () => {
    expect(intervalAgainst([1.69, 1.46, 1.59, 1.34, 1.57], 1.5, 2)).toBe(
      '1.34 to 1.69 (94%), holds the line',
    );
  });

  it('is clear of the line only when the interval lies wholly on one side of it', () => {
    expect(intervalAgainst([808, 1010, 750, 990, 870], 1000, 0)).toBe('750 to 1,010 (94%), holds the line');
    expect(intervalAgainst([405, 398, 411, 402, 407], 512, 0)).toBe('398 to 411 (94%), clear of the line');
  });

  it('gives no interval for a single run', () => {
    expect(intervalAgainst([1.57], 1.5, 2)).toBe('-');
  });
});
