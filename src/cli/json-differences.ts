/** Where two JSON values differ, as dotted paths: what a replay or a merge names when they do not match. Pure. */

/** The fields where two values differ, as `path: a -> b` (at most `limit`). */
export function differences(a: unknown, b: unknown, path = '', limit = 10): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null;
  if (!bothObjects) return [`${path || '(root)'}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const found: string[] = [];
  for (const key of keys) {
    if (found.length >= limit) break;
    const left = (a as Record<string, unknown>)[key];
    const right = (b as Record<string, unknown>)[key];
    found.push(...differences(left, right, path ? `${path}.${key}` : key, limit - found.length));
  }
  return found;
}
