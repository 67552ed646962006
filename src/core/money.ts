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

/**
 * Converts a wire amount to minor units, or returns null when it is not an amount with at most two decimals
 * (or too large to count in cents exactly). Float noise of a client's arithmetic (0.1 + 0.2 sent as
 * 0.30000000000000004) is those cents: the distance to whole cents may be a few units in the last place
 * (2^-49 of the amount: a tenth of a cent at a trillion). The tolerance used to be a billionth of the amount,
 * which let a real third decimal through above ~10 million (12345678.905).
 */
export function toMinor(major: number): Minor | null {
  const scaled = major * MINOR_PER_MAJOR;
  const minor = Math.round(scaled);
  if (!Number.isSafeInteger(minor)) return null;
  return Math.abs(scaled - minor) <= Math.abs(scaled) * 2 ** -49 ? minor : null;
}
