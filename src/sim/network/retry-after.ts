/**
 * The longest wait a Retry-After is taken for: a day. A server asking for years (or a garbage number that
 * parses as one) would otherwise park a device for good and overflow the timers that wait for it.
 */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 10.2.3); returns milliseconds from now (at
 * most MAX_RETRY_AFTER_MS), or null. `nowEpochMs` is the wall clock's: the date is the server's.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowEpochMs: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_RETRY_AFTER_MS, Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - nowEpochMs));
}
