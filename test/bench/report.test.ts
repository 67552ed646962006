/** The Targets table's interval cell: whether the runs can tell met from missed at all. */
import { describe, expect, it } from 'vitest';
import { intervalAgainst, intervalRule } from '../../bench/lib/report.ts';

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

describe('intervalRule', () => {
  it('names the two runs the interval takes for a given number of runs', () => {
    expect(intervalRule(1)).toBe('one run gives none');
    expect(intervalRule(3)).toBe('3 runs give the lowest and the highest, at 75%');
    expect(intervalRule(5)).toBe('5 runs give the lowest and the highest, at 94%');
    expect(intervalRule(9)).toBe('9 runs give the 2nd lowest and the 2nd highest, at 96%');
    expect(intervalRule(14)).toBe('14 runs give the 3rd lowest and the 3rd highest, at 99%');
  });
});
