/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 10.2.3); returns milliseconds from now, or null. */
export function parseRetryAfter(value: string | string[] | undefined, nowEpochMs: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowEpochMs);
}
