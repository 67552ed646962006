/**
 * The smallest and largest of a list of numbers, in one pass. Not `Math.min(...values)`: a spread passes each
 * value as an argument, and a long run's per-minute lists (700 h is 42,000 minutes) overflow the stack.
 */
export function extent(values: Iterable<number>): { readonly min: number; readonly max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? { min, max } : null;
}
