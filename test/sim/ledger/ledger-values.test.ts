import { describe, expect, it } from 'vitest';
import { toMajor } from '../../../src/core/money.ts';
import {
  decimalToNumber,
  LedgerRowReader,
  toAmount,
  toItems,
  toSafeInteger,
  toText,
} from '../../../src/sim/ledger/ledger-values.ts';
import { ndjsonLines } from '../../../src/sim/ledger/ndjson-lines.ts';

async function collect(chunks: (string | Uint8Array)[], max?: number): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: string[] = [];
  for await (const line of ndjsonLines(source(), max)) lines.push(line);
  return lines;
}

describe('value conversions', () => {
  it('reads DECIMAL strings as exactly the double the device computes from minor units', () => {
    for (const minor of [0, 1, 5, 10, 99, 101, 3_000_100, 1_234_567, 99_999_999_999_999]) {
      const text = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
      expect(decimalToNumber(text)).toBe(toMajor(minor));
      expect(decimalToNumber(`${text}00`)).toBe(toMajor(minor));
    }
    expect(decimalToNumber('-0.00')).toBe(0);
    expect(Object.is(decimalToNumber('-0.00'), 0)).toBe(true);
    expect(decimalToNumber('.5')).toBe(0.5);
    expect(decimalToNumber('12')).toBe(12);
  });

  it('refuses decimals a double cannot hold exactly, and non-numbers', () => {
    expect(() => decimalToNumber('1234567890123.4567')).toThrow('has 17 significant digits');
    expect(() => decimalToNumber('12,50')).toThrow('is not a number');
    expect(() => decimalToNumber('.')).toThrow('is not a number');
    expect(() => decimalToNumber('1e5')).toThrow('is not a number');
  });

  it('reads ids from numbers, bigints and BIGINT strings, refusing what is beyond 2^53', () => {
    expect(toSafeInteger(42)).toBe(42);
    expect(toSafeInteger(42n)).toBe(42);
    expect(toSafeInteger('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toSafeInteger('9007199254740993')).toThrow('beyond 2^53');
    expect(() => toSafeInteger(2n ** 60n)).toThrow('beyond 2^53');
    expect(() => toSafeInteger(1.5)).toThrow('not a whole number');
    expect(() => toSafeInteger('12a')).toThrow('not a whole number');
  });

  it('reads amounts from REAL, INTEGER and DECIMAL, and text from numbers and bytes', () => {
    expect(toAmount(15000.5)).toBe(15000.5);
    expect(toAmount(15000n)).toBe(15000);
    expect(toAmount('15000.50')).toBe(15000.5);
    expect(toAmount(null)).toBeNull();
    expect(() => toAmount(Number.NaN)).toThrow('not a finite number');
    expect(toText(1234)).toBe('1234');
    expect(toText(Buffer.from('DEV-1'))).toBe('DEV-1');
    const uuid = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    expect(toText(uuid, true)).toBe('01234567-89ab-cdef-0123-456789abcdef');
  });

  it('normalises items to the five wire fields, from text or a parsed list, with decimal strings', () => {
    const item = { product_id: 1, product_name: 'Kopi', quantity: 2, price: 15000.5, subtotal: 30001 };
    expect(toItems(JSON.stringify([item]))).toEqual([item]);
    expect(toItems([{ ...item, sku: 'X', price: '15000.50', product_id: '1' }])).toEqual([item]);
    expect(() => toItems('{"a":1}')).toThrow('not a JSON list');
    expect(() => toItems('[1')).toThrow('are not JSON');
    expect(() => toItems([{ ...item, quantity: undefined }])).toThrow('[0].quantity is missing');
    expect(() => toItems([item, { ...item, product_name: 5 }])).toThrow('[1].product_name is 5');
  });
});

describe('LedgerRowReader', () => {
  it('reads unmapped fields as null and names the row and field of a bad value', () => {
    const reader = new LedgerRowReader('sqlite:x.sqlite');
    expect(reader.read({ serverId: 3n, offlineReference: 'D-1' })).toEqual({
      serverId: 3,
      offlineId: null,
      offlineReference: 'D-1',
      deviceId: null,
      grandTotal: null,
      subtotal: null,
      discountTotal: null,
      taxTotal: null,
      itemsJson: null,
      transactionCode: null,
    });
    expect(() => reader.read({ serverId: null, offlineReference: 'D-2' })).toThrow(
      'ledger source sqlite:x.sqlite: row 2 has serverId empty (NULL)',
    );
    expect(() => reader.read({ serverId: 9, offlineReference: 'D-3', grandTotal: 'abc' })).toThrow(
      'row with server id 9 has grandTotal "abc" is not a number',
    );
  });

  it('reads unreadable items as null and counts them in one warning', () => {
    const reader = new LedgerRowReader('src');
    expect(reader.warnings()).toEqual([]);
    expect(reader.read({ serverId: 1, offlineReference: 'a', items: 'not json' }).itemsJson).toBeNull();
    expect(reader.read({ serverId: 2, offlineReference: 'b', items: '[]' }).itemsJson).toBe('[]');
    expect(reader.read({ serverId: 3, offlineReference: 'c', items: '{"x":1}' }).itemsJson).toBeNull();
    const [warning, ...more] = reader.warnings();
    expect(more).toEqual([]);
    expect(warning).toMatch(
      /^2 rows of src had items that could not be read, so their items were not compared/,
    );
    expect(warning).toContain('first: server id 1: items are not JSON');
  });
});

describe('ndjsonLines', () => {
  it('joins lines split across chunks, and multi-byte characters split across chunks', () => {
    const text = '{"a":"☕é"}\r\n\n{"b":2}\n{"c":3}';
    const bytes = Buffer.from(text);
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    return expect(collect(chunks)).resolves.toEqual(['{"a":"☕é"}', '{"b":2}', '{"c":3}']);
  });

  it('refuses a line longer than the limit instead of buffering it', async () => {
    await expect(collect(['x'.repeat(50), 'y'.repeat(60)], 100)).rejects.toThrow('longer than 100');
  });
});
