/**
 * The product catalog of a run: generated once from the run's seed with faker, so every device of the run
 * (and every shard of it) sells from the same list. Faker's output depends on its exact version, which is
 * why package.json pins it, and on its reference date, which is fixed here so nothing depends on today.
 */
import type { Faker } from '@faker-js/faker';
import Type from 'typebox';
import Value from 'typebox/value';
import type { Minor } from '../core/money.ts';
import { MINOR_PER_MAJOR } from '../core/money.ts';
import { hash32 } from '../core/random.ts';

/** Faker's reference date for every run: only dates relative to "now" would use it, but none may vary. */
export const FAKER_REFERENCE_DATE = '2025-01-01T00:00:00.000Z';

/** A billion major units an item: with 500 items of any quantity a total is still exact in minor units. */
const MAX_PRICE = 1e9;

export const CatalogConfigSchema = Type.Object(
  {
    /** Number of products. */
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 200 })),
    /** Language of product names; prices default to rupiah amounts, as in the spec. */
    locale: Type.Optional(Type.Union([Type.Literal('id_ID'), Type.Literal('en')], { default: 'id_ID' })),
    /** Cheapest price, in major units: at least one minor unit. */
    minPrice: Type.Optional(Type.Number({ minimum: 0.01, maximum: MAX_PRICE, default: 2_000 })),
    /**
     * Dearest price, in major units. Prices are log-uniform in between, so cheap items are common. Bounded so
     * that a sale's total stays an exact whole number of minor units.
     */
    maxPrice: Type.Optional(Type.Number({ minimum: 0.01, maximum: MAX_PRICE, default: 150_000 })),
  },
  { additionalProperties: false, default: {} },
);

export type CatalogConfigInput = Type.Static<typeof CatalogConfigSchema>;
export interface CatalogConfig {
  readonly size: number;
  readonly locale: 'id_ID' | 'en';
  readonly minPrice: number;
  readonly maxPrice: number;
}

/** Throws a RangeError for what the schema cannot say (the bounds in order). */
export function resolveCatalogConfig(input: CatalogConfigInput = {}): CatalogConfig {
  const config = Value.Default(CatalogConfigSchema, structuredClone(input)) as CatalogConfig;
  if (config.maxPrice < config.minPrice) {
    throw new RangeError(`maxPrice (${config.maxPrice}) is below minPrice (${config.minPrice})`);
  }
  return config;
}

export interface Product {
  /** 1..size, stable for a given seed and size. */
  readonly productId: number;
  readonly productName: string;
  readonly department: string;
  /** Minor units. */
  readonly price: Minor;
}

/**
 * Rounds a price in major units to what a shop would print: two significant figures (7,480 -> 7,500;
 * 33,517 -> 34,000; 4.37 -> 4.4), never below one minor unit.
 */
export function roundPrice(major: number): Minor {
  if (!(major > 0)) return 1;
  const step = 10 ** (Math.floor(Math.log10(major)) - 1);
  const rounded = Math.round(major / step) * step;
  return Math.max(1, Math.round(rounded * MINOR_PER_MAJOR));
}

/**
 * The locale's faker, loaded when a catalog first needs it: its per-locale entry point, not the package root
 * (which loads every locale, ~40 MB), so that a process or thread that runs no simulation (the parent of
 * `--workers`, `serve`, `merge`) loads no faker at all (~5.5 MB).
 */
async function fakerOf(locale: CatalogConfig['locale']): Promise<Faker> {
  const loaded =
    locale === 'id_ID'
      ? await import('@faker-js/faker/locale/id_ID')
      : await import('@faker-js/faker/locale/en');
  return loaded.faker;
}

export async function createCatalog(
  seed: string | number,
  input: CatalogConfigInput = {},
): Promise<readonly Product[]> {
  const config = resolveCatalogConfig(input);
  // A shared instance, re-seeded here: the catalog is built in one synchronous pass after the import, so
  // nothing interleaves with it.
  const faker = await fakerOf(config.locale);
  faker.seed(hash32(`${seed}/catalog`) >>> 0);
  faker.setDefaultRefDate(FAKER_REFERENCE_DATE);
  const logMin = Math.log(config.minPrice);
  const logMax = Math.log(config.maxPrice);
  const names = new Set<string>();
  const products: Product[] = [];
  for (let productId = 1; productId <= config.size; productId++) {
    // Faker's name space is finite: a few retries, then a size suffix, keep names unique without looping.
    let productName = faker.commerce.productName();
    for (let attempt = 0; attempt < 5 && names.has(productName); attempt++)
      productName = faker.commerce.productName();
    if (names.has(productName)) productName = `${productName} ${productId}`;
    names.add(productName);
    const department = faker.commerce.department();
    const major = Math.exp(faker.number.float({ min: logMin, max: logMax }));
    products.push({ productId, productName, department, price: roundPrice(major) });
  }
  return products;
}
