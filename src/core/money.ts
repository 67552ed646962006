/**
 * Money on the device is an integer count of minor units (cents), so sums are exact. On the wire it is a
 * decimal number of major units, as in the spec (`grand_total: 33000.0`). Both conversions are exact for
 * amounts with at most two decimals, which is what lets the checker compare device and server totals with `===`.
 */

/** An integer amount of minor units (1/100 of the currency unit). */
export type Minor = number;

export const MINOR_PER_MAJOR = 100;

export function toMajor(minor: Minor): number {
  return minor / MINOR_PER_MAJOR;
}

/** Converts a wire amount to minor units, or returns null when it is not a finite amount with at most two decimals. */
export function toMinor(major: number): Minor | null {
  if (!Number.isFinite(major)) return null;
  const minor = Math.round(major * MINOR_PER_MAJOR);
  return Math.abs(minor / MINOR_PER_MAJOR - major) < 1e-9 * Math.max(1, Math.abs(major)) ? minor : null;
}
