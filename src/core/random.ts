/**
 * Seeded randomness. Every stream is derived from the run's seed and a path of keys (for a device: its
 * index), so a run, and any subset of its devices, replays exactly. Also the small set of distributions the
 * scenarios use for latencies, service times and outage durations.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import Type from 'typebox';
import type { Random } from './ports.ts';

/** FNV-1a over the text, then a murmur3 finaliser: a well-mixed 32-bit seed from any string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A stream derived from the seed and the keys: `createRandom(seed, 'device', 17)`. */
export function createRandom(seed: string | number, ...keys: readonly (string | number)[]): Random {
  const generator = xoroshiro128plus(hash32([String(seed), ...keys.map(String)].join('/')));
  return { next: () => uniformFloat64(generator) };
}

/** An integer in [min, max], both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random.next() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(random.next() * items.length)] as T;
}

/** True with probability p. */
export function chance(random: Random, p: number): boolean {
  return p > 0 && random.next() < p;
}

/** An exponentially distributed value with the given mean (inter-arrival times of a Poisson process). */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random.next()) * mean;
}

/** A standard normal draw (Box-Muller). */
export function standardNormal(random: Random): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export const DistributionSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal('fixed'), value: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('uniform'), min: Type.Number({ minimum: 0 }), max: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('lognormal'),
      p50: Type.Number({ exclusiveMinimum: 0 }),
      p99: Type.Number({ exclusiveMinimum: 0 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('exponential'), mean: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
]);

/** A non-negative quantity (milliseconds, usually) drawn per event. Lognormal is given by its p50 and p99. */
export type Distribution = Type.Static<typeof DistributionSchema>;

const Z99 = 2.3263478740408408;

/**
 * What the schema cannot say of a distribution: its bounds in order. Lognormal tails are capped in sample()
 * (a p99 a trillion times its p50 would otherwise draw Infinity).
 */
export function distributionProblem(d: Distribution): string | null {
  if (d.kind === 'uniform' && d.min > d.max) return `min ${d.min} must be <= max ${d.max}`;
  if (d.kind === 'lognormal' && d.p99 < d.p50) return `p99 ${d.p99} must be >= p50 ${d.p50}`;
  return null;
}

/** The largest value drawn: about 31 years of milliseconds, finite whatever the parameters. */
export const MAX_SAMPLE = 1e12;

export function sample(distribution: Distribution, random: Random): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.value;
    case 'uniform':
      return distribution.min + random.next() * (distribution.max - distribution.min);
    case 'lognormal': {
      const mu = Math.log(distribution.p50);
      const sigma = Math.max(0, Math.log(distribution.p99 / distribution.p50) / Z99);
      return Math.min(MAX_SAMPLE, Math.exp(mu + sigma * standardNormal(random)));
    }
    case 'exponential':
      return exponential(random, distribution.mean);
  }
}

export function fixed(value: number): Distribution {
  return { kind: 'fixed', value };
}
