/**
 * Plain-text formatting shared by every report, so the terminal, Markdown, HTML and JUnit say the same
 * thing the same way. Pure and locale-free (a report must not change with the machine's locale).
 */
import type { Percentiles } from '../sim/histogram.ts';
import type { Summary, ThresholdResult } from '../sim/summary.ts';

/**
 * Integers with thin grouping (12,345); other numbers with up to `digits` decimals, trailing zeros cut. A
 * value too small for them keeps two significant digits instead: an error rate of 0.00004 is not "0".
 */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return groupThousands(String(value));
  const needed = Math.abs(value) < 0.5 * 10 ** -digits ? 1 - Math.floor(Math.log10(Math.abs(value))) : digits;
  const fixed = value.toFixed(Math.min(needed, 100)).replace(/\.?0+$/, '');
  const [whole, fraction] = fixed.split('.');
  return fraction === undefined ? groupThousands(whole!) : `${groupThousands(whole!)}.${fraction}`;
}

function groupThousands(digits: string): string {
  const negative = digits.startsWith('-');
  const body = negative ? digits.slice(1) : digits;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (i > 0 && (body.length - i) % 3 === 0) out += ',';
    out += body[i];
  }
  return negative ? `-${out}` : out;
}

/** A duration in milliseconds, as a person reads it: `918 ms`, `2.35 s`, `4m 05s`, `1h 02m`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return 'no data';
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1_000) return `${sign}${formatNumber(Math.round(abs * 10) / 10, 1)} ms`;
  if (abs < 60_000) return `${sign}${formatNumber(abs / 1_000, abs < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(abs / 1_000);
  if (totalSeconds < 3_600) {
    return `${sign}${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  }
  const totalMinutes = Math.round(abs / 60_000);
  return `${sign}${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, '0')}m`;
}

export function formatSeconds(seconds: number): string {
  return formatMs(seconds * 1_000);
}

/** A rate in [0, 1] as a percentage; null (nothing to divide by) says so. */
export function formatRate(rate: number | null): string {
  if (rate === null) return 'n/a (no requests)';
  const percent = rate * 100;
  return `${formatNumber(percent, percent !== 0 && Math.abs(percent) < 1 ? 2 : 1)}%`;
}

/** An invariant count: null is "not checked", never 0. */
export function formatCount(count: number | null): string {
  return count === null ? 'not checked' : formatNumber(count);
}

/**
 * A threshold's actual value, as read from the summary; given the expression, a duration or a rate also
 * reads as one (`116,671 (1m 57s)`, `0.2427 (24.3%)`).
 */
export function formatActual(actual: ThresholdResult['actual'], expression = ''): string {
  // No value to compare (no data, or not checked): the threshold's error says which.
  if (actual === null) return 'n/a';
  if (typeof actual !== 'number') return String(actual);
  const plain = formatNumber(actual, 4);
  const field = expression.trim().split(/[\s<>=!]/)[0] ?? '';
  if (/Ms(\.|$)/.test(field)) return `${plain} (${formatMs(actual)})`;
  if (/Rate$/.test(field)) return `${plain} (${formatRate(actual)})`;
  return plain;
}

/** `seed`, or `seed + maxBatchSize=200, concurrency="single-flight"`. */
export function formatPolicy(summary: Pick<Summary, 'policy' | 'policyOverrides'>): string {
  const overrides = Object.keys(summary.policyOverrides)
    .sort()
    .map((key) => `${key}=${JSON.stringify(summary.policyOverrides[key]) ?? 'undefined'}`);
  return overrides.length === 0 ? summary.policy : `${summary.policy} + ${overrides.join(', ')}`;
}

export const PERCENTILE_KEYS = ['p50', 'p90', 'p99', 'max'] as const;

export function formatPercentile(percentiles: Percentiles, key: (typeof PERCENTILE_KEYS)[number]): string {
  return percentiles.count === 0 ? 'no data' : formatMs(percentiles[key]);
}

export function verdictOf(summary: Pick<Summary, 'passed' | 'interrupted'>): string {
  if (summary.interrupted) return summary.passed ? 'INTERRUPTED (partial, thresholds passed)' : 'INTERRUPTED';
  return summary.passed ? 'PASS' : 'FAIL';
}

/** `20m 00s simulated (fault 20m 00s + heal 30m 00s, did not converge), 0.52 s wall`. */
export function formatTimes(summary: Summary): string {
  const fault = summary.simulatedSeconds - summary.heal.seconds;
  const heal = !summary.heal.ran
    ? 'no heal phase'
    : `heal ${formatSeconds(summary.heal.seconds)}, ${summary.heal.converged === true ? 'converged' : summary.heal.converged === false ? 'did not converge' : 'cut short'}`;
  return `${formatSeconds(summary.simulatedSeconds)} simulated (fault ${formatSeconds(fault)}, ${heal}), ${formatSeconds(summary.wallSeconds)} wall`;
}
