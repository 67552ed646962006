/**
 * The one line a benchmark child prints: what it measured, as JSON. The parent reads the last line of the
 * child's stdout, so a child may log to stderr freely but must print nothing else to stdout.
 */

export interface ChildResult {
  /** Wall time of the measured section only (not module loading or fixtures), ms. */
  readonly wallMs: number;
  /** process.resourceUsage().maxRSS at the end: the peak resident set of the whole child, KiB. */
  readonly maxRssKb: number;
  /** The same just before the measured section: what loading modules and fixtures cost, KiB. */
  readonly baseRssKb: number;
  /** What the section did (sales, requests, rows...), so a figure can be checked against its work. */
  readonly counts: Readonly<Record<string, number>>;
  /** Other figures (latency percentiles, speed); null when the child had nothing to report. */
  readonly figures: Readonly<Record<string, number | null>>;
}

/** Peak RSS so far, KiB (Linux reports maxRSS in kilobytes). */
export function peakRssKb(): number {
  return process.resourceUsage().maxRSS;
}

/** Prints the result line, with the peak RSS as it stands now. The child should exit right after. */
export function emitResult(result: Omit<ChildResult, 'maxRssKb'>): void {
  const { wallMs, baseRssKb, counts, figures } = result;
  process.stdout.write(`${JSON.stringify({ wallMs, maxRssKb: peakRssKb(), baseRssKb, counts, figures })}\n`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberRecord(value: unknown, field: string, allowNull: boolean): Record<string, number | null> {
  if (!isRecord(value)) throw new Error(`child result: ${field} is not an object`);
  const out: Record<string, number | null> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null && allowNull) out[key] = null;
    else if (typeof entry === 'number' && Number.isFinite(entry)) out[key] = entry;
    else throw new Error(`child result: ${field}.${key} is not a finite number`);
  }
  return out;
}

/** Parses and checks the line a child printed; throws naming the bad field. */
export function parseChildResult(line: string): ChildResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error(`child result is not JSON: ${line.slice(0, 200)}`);
  }
  if (!isRecord(json)) throw new Error('child result is not an object');
  for (const field of ['wallMs', 'maxRssKb', 'baseRssKb'] as const) {
    if (typeof json[field] !== 'number' || !Number.isFinite(json[field]))
      throw new Error(`child result: ${field} is not a finite number`);
  }
  const counts = numberRecord(json.counts, 'counts', false) as Record<string, number>;
  return {
    wallMs: json.wallMs as number,
    maxRssKb: json.maxRssKb as number,
    baseRssKb: json.baseRssKb as number,
    counts,
    figures: numberRecord(json.figures, 'figures', true),
  };
}
