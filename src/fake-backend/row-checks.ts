/**
 * Per-row semantic checks, beyond what the JSON Schema can say: a sale has items, amounts are whole cents,
 * each item's subtotal is its price times its quantity, the subtotal is the sum of the items, and the grand
 * total is subtotal - discount + tax. All arithmetic is in integer minor units (cents), never float sums.
 * A bad row gets its own failed result; the rest of the batch is stored.
 */
import { type Minor, toMajor, toMinor } from '../core/money.ts';
import type { SyncTransaction } from '../core/protocol.ts';

/** Lone UTF-16 surrogates cannot be stored as UTF-8 (SQLite would replace them), so the row would not round-trip. */
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** price × quantity rounded half-up to whole cents; toPrecision absorbs float noise such as 0.3 × 5 = 1.4999…98. */
export function lineAmount(priceMinor: Minor, quantity: number): Minor {
  return Math.round(Number((priceMinor * quantity).toPrecision(15)));
}

function centsProblem(field: string, value: number): string | null {
  return toMinor(value) === null ? `${field} ${value} is not a whole number of cents` : null;
}

function textProblem(tx: SyncTransaction): string | null {
  const fields: [string, string][] = [
    ['offline_reference', tx.offline_reference],
    ['device_id', tx.device_id],
    ['branch_code', tx.branch_code],
    ['status', tx.status],
    ['payment_status', tx.payment_status],
    ['payment_method', tx.payment_method],
    ...tx.items.map((item, i): [string, string] => [`items/${i}/product_name`, item.product_name]),
  ];
  const bad = fields.find(([, text]) => UNPAIRED_SURROGATE.test(text));
  return bad ? `${bad[0]} contains an unpaired UTF-16 surrogate` : null;
}

/** Null when the row is consistent; otherwise the reason, naming the field and the values. */
export function checkTransaction(tx: SyncTransaction): string | null {
  if (tx.items.length === 0) return 'items is empty: a sale needs at least one item';
  const text = textProblem(tx);
  if (text) return text;
  for (const [field, value] of [
    ['grand_total', tx.grand_total],
    ['subtotal', tx.subtotal],
    ['discount_total', tx.discount_total],
    ['tax_total', tx.tax_total],
  ] as const) {
    const problem = centsProblem(field, value);
    if (problem) return problem;
  }
  let itemsMinor = 0;
  for (const [i, item] of tx.items.entries()) {
    const problem =
      centsProblem(`items/${i}/price`, item.price) ?? centsProblem(`items/${i}/subtotal`, item.subtotal);
    if (problem) return problem;
    const price = toMinor(item.price) ?? 0;
    const subtotal = toMinor(item.subtotal) ?? 0;
    const expected = lineAmount(price, item.quantity);
    if (subtotal !== expected) {
      return `items/${i}/subtotal is ${item.subtotal} but price ${item.price} × quantity ${item.quantity} = ${toMajor(expected)}`;
    }
    itemsMinor += subtotal;
  }
  const subtotal = toMinor(tx.subtotal) ?? 0;
  if (subtotal !== itemsMinor) {
    return `subtotal is ${tx.subtotal} but the ${tx.items.length} items add up to ${toMajor(itemsMinor)}`;
  }
  const expectedGrand = subtotal - (toMinor(tx.discount_total) ?? 0) + (toMinor(tx.tax_total) ?? 0);
  if ((toMinor(tx.grand_total) ?? 0) !== expectedGrand) {
    return (
      `grand_total is ${tx.grand_total} but subtotal ${tx.subtotal} - discount_total ${tx.discount_total}` +
      ` + tax_total ${tx.tax_total} = ${toMajor(expectedGrand)}`
    );
  }
  return null;
}
