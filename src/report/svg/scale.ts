/** Scales and ticks for the charts: linear and log10, d3's 1-2-5 "nice" steps. Pure. */

export type ScaleFn = (value: number) => number;

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): ScaleFn {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  // A flat domain (one value) maps to the middle of the range rather than dividing by zero.
  if (span === 0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** log10 scale; values at or below zero sit at the domain's low end. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): ScaleFn {
  const lo = Math.log10(domain[0]);
  const linear = linearScale([lo, Math.log10(domain[1])], range);
  return (value) => linear(value > 0 ? Math.max(Math.log10(value), lo) : lo);
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over [min, max]. */
export function niceStep(min: number, max: number, count: number): number {
  const raw = (max - min) / Math.max(1, count);
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const factor = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return factor * power;
}

/** The domain widened to whole steps, and the ticks on it; a flat domain gets some room. */
export function niceLinear(
  min: number,
  max: number,
  count = 5,
): { domain: [number, number]; ticks: number[] } {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    if (lo === 0) hi = 1;
    else if (lo > 0) lo = 0;
    else hi = 0;
  }
  const step = niceStep(lo, hi, count);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Ticks from an integer index, not by adding steps, so 0.1 + 0.2 style drift does not creep in.
  for (let i = 0; start + i * step <= end + step / 1e9; i++) ticks.push(roundTo(start + i * step, step));
  return { domain: [start, end], ticks };
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(decimals, 12)));
}

/**
 * A log domain from the candidates (ascending, positive) that covers [min, max], and the candidates inside
 * it as ticks. Candidates let a duration axis tick at 1 s, 1 min, 1 h instead of 1000, 10000, 100000 ms.
 */
export function niceLog(
  min: number,
  max: number,
  candidates: readonly number[],
): { domain: [number, number]; ticks: number[] } {
  const positiveMin = Math.max(min, candidates[0] ?? 1);
  const lo = [...candidates].reverse().find((c) => c <= positiveMin) ?? candidates[0] ?? 1;
  const hi = candidates.find((c) => c >= max) ?? candidates[candidates.length - 1] ?? 10;
  const domain: [number, number] = hi > lo ? [lo, hi] : [lo, lo * 10];
  return { domain, ticks: candidates.filter((c) => c >= domain[0] && c <= domain[1]) };
}

/** Powers of ten from 1 to 1e12: the default log candidates. */
export const DECADES: readonly number[] = Array.from({ length: 13 }, (_, i) => 10 ** i);
