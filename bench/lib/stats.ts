/** The median of repeated runs, how sure it is, and number formatting for the report. */

/** The median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of one field over runs, skipping runs that had no value for it. */
export function medianOf<T>(runs: readonly T[], pick: (run: T) => number | null | undefined): number | null {
  const values: number[] = [];
  for (const run of runs) {
    const value = pick(run);
    if (typeof value === 'number' && Number.isFinite(value)) values.push(value);
  }
  return values.length === 0 ? null : median(values);
}

/**
 * Where the median of the population a few runs were drawn from lies: two of the runs' values, taken in
 * order, and the chance that an interval so chosen holds it. Distribution-free (the count of runs below the
 * true median is binomial with p = 1/2), so it holds for the skewed, drifting times of this VM as well.
 */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** Exact: 1 - 2 P(B < k) for the k-th value from each end, B ~ Binomial(runs, 1/2). */
  readonly confidence: number;
}

/**
 * The narrowest interval between order statistics with at least `wanted` confidence, or the widest (lowest to
 * highest value) when the runs are too few for that: five give 94% at most, nine give 96% from the second
 * value of each end. Null for fewer than two finite values.
 */
export function medianInterval(values: readonly number[], wanted = 0.95): MedianInterval | null {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n < 2) return null;
  // The k-th value from each end (1-based); below = P(B <= k - 1). P(B = k) is stepped in logs: 2^-n
  // underflows past ~1,074 values, where the terms that matter are still well within a double.
  let k = 1;
  let logMass = -n * Math.LN2;
  let below = Math.exp(logMass);
  while (2 * (k + 1) <= n) {
    logMass += Math.log((n - k + 1) / k);
    const mass = Math.exp(logMass);
    if (1 - 2 * (below + mass) < wanted) break;
    below += mass;
    k++;
  }
  return { low: sorted[k - 1]!, high: sorted[n - k]!, confidence: 1 - 2 * below };
}

/**
 * The ratio a[i] / b[i] of each pair of measurements run back to back (a missing partner gives NaN): the
 * machine's speed drifts over minutes, and a pair shares its minutes. Report the median of these, not a
 * ratio of two medians taken apart.
 */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, index) => value / (b[index] ?? Number.NaN));
}

/** A number with thousands separators and a sensible number of decimals for its size; '-' for none. */
export function fmt(value: number | null | undefined, decimals?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const digits = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A measured figure beside its target line, as fmt gives it, with more decimals (up to four) when rounding would
 * print the line itself for a value off it: 0.8975 against 0.9 reads "0.898", not "0.90" marked missed.
 */
export function fmtAgainst(value: number | null | undefined, target: number, decimals?: number): string {
  const text = fmt(value, decimals);
  if (value === null || value === undefined || !Number.isFinite(value) || value === target) return text;
  const onTheLine = (shown: string) => Number(shown.replaceAll(',', '')) === target;
  if (!onTheLine(text)) return text;
  const digits = decimals ?? text.split('.')[1]?.length ?? 0;
  for (let more = digits + 1; more <= digits + 4; more++) {
    const finer = fmt(value, more);
    if (!onTheLine(finer)) return finer;
  }
  return fmt(value, digits + 4);
}

export function kbToMb(kb: number): number {
  return kb / 1024;
}
