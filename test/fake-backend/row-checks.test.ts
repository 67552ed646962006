import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toMajor, toMinor } from '../../src/core/money.ts';
import type { SyncTransaction } from '../../src/core/protocol.ts';
import { checkTransaction, lineAmount } from '../../src/fake-backend/row-checks.ts';
import { makeTransaction } from './helpers.ts';

describe('row checks', () => {
  it('accepts a consistent sale', () => {
    expect(checkTransaction(makeTransaction({ items: 3 }))).toBeNull();
  });

  it.each<[string, (tx: SyncTransaction) => SyncTransaction, string]>([
    ['no items', (tx) => ({ ...tx, items: [] }), 'items is empty'],
    [
      'a wrong item subtotal',
      (tx) => ({ ...tx, items: [{ ...tx.items[0]!, subtotal: 30000 }] }),
      'items/0/subtotal is 30000 but price 15000.5 × quantity 2 = 30001',
    ],
    ['a wrong subtotal', (tx) => ({ ...tx, subtotal: 1 }), 'subtotal is 1 but the 1 items add up to 30001'],
    [
      'a wrong grand total',
      (tx) => ({ ...tx, grand_total: 33000 }),
      'grand_total is 33000 but subtotal 30001 - discount_total 1.25 + tax_total 3000.1 = 32999.85',
    ],
    [
      'fractions of a cent',
      (tx) => ({ ...tx, tax_total: 0.001 }),
      'tax_total 0.001 is not a whole number of cents',
    ],
    [
      'a lone surrogate',
      (tx) => ({ ...tx, branch_code: 'B\ud800' }),
      'branch_code contains an unpaired UTF-16 surrogate',
    ],
  ])('rejects %s, naming the field and values', (_name, mutate, reason) => {
    expect(checkTransaction(mutate(makeTransaction()))).toContain(reason);
  });

  it('reads amounts like core/money.ts: float noise around whole cents is those cents', () => {
    const tx = makeTransaction();
    // 0.1 + 0.2 = 0.30000000000000004 is 30 cents for toMinor, so the totals are checked with 30.
    expect(checkTransaction({ ...tx, discount_total: 0.1 + 0.2, grand_total: 33000.8 })).toBeNull();
  });

  it('refuses a third decimal however large the amount, and a crumb of a cent', () => {
    for (const amount of [12_345_678.905, 123_456_789.123, 99_999_999_999.999, 1e-10, 1e300]) {
      const tx = makeTransaction();
      const item = { ...tx.items[0]!, quantity: 1, price: amount, subtotal: amount };
      const odd = {
        ...tx,
        items: [item],
        subtotal: amount,
        discount_total: 0,
        tax_total: 0,
        grand_total: amount,
      };
      expect(checkTransaction(odd), String(amount)).toContain('is not a whole number of cents');
    }
    expect(toMinor(12_345_678.9)).toBe(1_234_567_890);
    expect(toMinor(99_999_999_999.99)).toBe(9_999_999_999_999);
  });

  it('accepts emoji and other well-formed unicode', () => {
    const tx = makeTransaction();
    expect(
      checkTransaction({ ...tx, items: [{ ...tx.items[0]!, product_name: 'Kopi ☕ 🇮🇩 é' }] }),
    ).toBeNull();
  });

  it('rounds line amounts half up without float noise', () => {
    expect(lineAmount(5, 0.3)).toBe(2); // 1.5 cents
    expect(lineAmount(30, 0.05)).toBe(2); // 1.5 cents, 30 * 0.05 = 1.5000000000000002
    expect(lineAmount(1500050, 2)).toBe(3000100);
  });

  it('accepts every sale whose totals are computed in cents (property)', () => {
    const item = fc.record({
      priceMinor: fc.integer({ min: 0, max: 10_000_000 }),
      quantity: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 20 }),
        fc.nat(1000),
        fc.nat(100_000),
        (lines, discount, tax) => {
          const items = lines.map((line, i) => ({
            product_id: i,
            product_name: `p${i}`,
            quantity: line.quantity,
            price: toMajor(line.priceMinor),
            subtotal: toMajor(line.priceMinor * line.quantity),
          }));
          const subtotal = lines.reduce((sum, line) => sum + line.priceMinor * line.quantity, 0);
          const d = Math.min(discount, subtotal);
          const tx = {
            ...makeTransaction(),
            items,
            subtotal: toMajor(subtotal),
            discount_total: toMajor(d),
            tax_total: toMajor(tax),
            grand_total: toMajor(subtotal - d + tax),
          };
          expect(checkTransaction(tx)).toBeNull();
        },
      ),
    );
  });
});
