/**
 * One place for histogram settings and helpers. Every histogram in a run, and in every shard of a run, is
 * built from HISTOGRAM_SETTINGS, so an encoded shard decodes into buckets that line up exactly with
 * another's and merging is a plain bucket-by-bucket add (autocannon's histUtil, same idea).
 *
 * Pure JS histograms only: the wasm build needs an async init and gives nothing a run of this size needs.
 */
import {
  type BuildRequest,
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

export type { Histogram } from 'hdr-histogram-js';

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/** The one settings constant. Values above the highest trackable value still fit (autoResize). */
export const HISTOGRAM_SETTINGS: Readonly<BuildRequest> = Object.freeze({
  lowestDiscernibleValue: 1,
  highestTrackableValue: SEVEN_DAYS_MS,
  numberOfSignificantValueDigits: 3,
  autoResize: true,
  bitBucketSize: 32,
  useWebAssembly: false,
});

/** An encoded histogram (hdr V2 compressed, base64): what crosses the shard boundary. */
export type EncodedHistogram = string;

/**
 * Percentiles of a histogram, null when nothing was recorded: "no data" must not read as "0 ms" to a
 * threshold such as `p99 < 300000`, which would then pass on a run where nothing synced.
 * Values are bucket upper bounds: exact below 2048, within 0.1% above. `max` is taken the same way
 * (percentile 100), so a merged histogram reports the same max as the unsharded one.
 */
export interface Percentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export function createHistogram(): Histogram {
  return build({ ...HISTOGRAM_SETTINGS });
}

/** Records a value, rounded to an integer and clamped at 0 (hdr rejects negatives; a clock quirk must not crash a run). */
export function recordValue(histogram: Histogram, value: number): void {
  histogram.recordValue(Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0);
}

export function encodeHistogram(histogram: Histogram): EncodedHistogram {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: EncodedHistogram): Histogram {
  const decoded = decodeFromCompressedBase64(encoded, HISTOGRAM_SETTINGS.bitBucketSize, false);
  // Re-home into a histogram with the shared settings, so later adds can resize it.
  const histogram = createHistogram();
  histogram.add(decoded);
  return histogram;
}

/** Adds encoded histograms (nulls are empty ones) into a fresh histogram. Pure: the inputs are strings. */
export function addEncoded(encoded: readonly (EncodedHistogram | null)[]): Histogram {
  const sum = createHistogram();
  for (const item of encoded) {
    if (item !== null) sum.add(decodeFromCompressedBase64(item, HISTOGRAM_SETTINGS.bitBucketSize, false));
  }
  return sum;
}

export function mergeEncoded(encoded: readonly (EncodedHistogram | null)[]): EncodedHistogram {
  return encodeHistogram(addEncoded(encoded));
}

function valueAt(histogram: Histogram, percentile: number): number | null {
  return histogram.totalCount === 0 ? null : histogram.getValueAtPercentile(percentile);
}

export function percentilesOf(histogram: Histogram): Percentiles {
  return {
    count: histogram.totalCount,
    p50: valueAt(histogram, 50),
    p90: valueAt(histogram, 90),
    p99: valueAt(histogram, 99),
    max: valueAt(histogram, 100),
  };
}

export function percentilesOfEncoded(encoded: EncodedHistogram | null): Percentiles {
  return percentilesOf(addEncoded([encoded]));
}
