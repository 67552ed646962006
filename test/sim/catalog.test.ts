import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import {
  CatalogConfigSchema,
  createCatalog,
  resolveCatalogConfig,
  roundPrice,
} from '../../src/sim/catalog.ts';

describe('catalog', () => {
  it('has defaults the schema accepts', () => {
    const config = resolveCatalogConfig();
    expect(config).toEqual({ size: 200, locale: 'id_ID', minPrice: 2000, maxPrice: 150_000 });
    expect(Compile(CatalogConfigSchema).Check(config)).toBe(true);
    expect(Compile(CatalogConfigSchema).Check({ size: 0 })).toBe(false);
  });

  it('makes 200 products with ids 1..200, unique names and round prices in range', async () => {
    const catalog = await createCatalog('run-1');
    expect(catalog).toHaveLength(200);
    expect(catalog.map((p) => p.productId)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(catalog.map((p) => p.productName)).size).toBe(200);
    for (const product of catalog) {
      expect(product.productName.length).toBeGreaterThan(0);
      expect(Number.isInteger(product.price)).toBe(true);
      // Rupiah amounts: whole hundreds of rupiah at least, within the range give or take the rounding.
      expect(product.price % 10_000).toBe(0);
      expect(product.price).toBeGreaterThanOrEqual(1900 * 100);
      expect(product.price).toBeLessThanOrEqual(150_000 * 100);
    }
    // Log-uniform prices: most products are at the cheap end.
    const cheap = catalog.filter((p) => p.price < 20_000 * 100).length;
    const dear = catalog.filter((p) => p.price > 50_000 * 100).length;
    expect(cheap).toBeGreaterThan(dear);
  });

  it('is the same for the same seed and different for another, even when built at once', async () => {
    // Both calls load the locale before they seed faker's shared instance: neither may see the other's seed.
    const [first, again, other] = await Promise.all([
      createCatalog(42),
      createCatalog(42),
      createCatalog(43),
    ]);
    expect(first).toEqual(again);
    expect(first.map((p) => p.productName)).not.toEqual(other.map((p) => p.productName));
  });

  it('supports English names and other sizes', async () => {
    const catalog = await createCatalog('x', { locale: 'en', size: 10, minPrice: 1, maxPrice: 50 });
    expect(catalog).toHaveLength(10);
    for (const product of catalog) {
      expect(product.price).toBeGreaterThanOrEqual(95);
      expect(product.price).toBeLessThanOrEqual(5000);
    }
    await expect(createCatalog('x', { minPrice: 10, maxPrice: 5 })).rejects.toThrow(RangeError);
  });

  it('rounds prices to two significant figures in minor units', () => {
    expect(roundPrice(7480)).toBe(750_000);
    expect(roundPrice(33_517)).toBe(3_400_000);
    expect(roundPrice(4.37)).toBe(440);
    expect(roundPrice(0)).toBe(1);
  });
});
