/**
 * Turns the raw values of one stored row (a SQL row, an NDJSON line) into a LedgerRow, whatever the column
 * types: ids as numbers, BIGINTs as bigint or strings, money as REAL, DECIMAL strings or integers, text as
 * strings or buffers, items as JSON text or an already-parsed list.
 *
 * Conversions are exact or fail: a BIGINT id beyond 2^53 or a DECIMAL with more than 15 significant digits
 * cannot be held exactly in a JavaScript number, and the checker compares with ===, so such a row is an error
 * naming it rather than a silent near miss.
 *
 * Items are the exception, by decision: a row whose items are not JSON, or not a list of the five wire fields,
 * is read with items null (not compared) and counted in a warning. A real backend may store items in its own
 * shape, and one bad cell must not cost the whole run its lost/duplicated/phantom check; the warning keeps it
 * visible.
 */

import { isRecord } from '../../core/is-record.ts';
import type { SyncItem } from '../../core/protocol.ts';
import { ERR_LEDGER_ROW } from '../errors.ts';
import type { LedgerRow } from '../ledger-row.ts';
import type { LedgerColumnField } from './ledger-spec.ts';

/** One raw value per field; a missing field is one the source does not have (read as null). */
export type RawLedgerValues = Readonly<Partial<Record<LedgerColumnField, unknown>>>;

/** A value that cannot be converted; the reader adds which row and field. */
class ValueProblem extends Error {}

/** A JavaScript number holds every decimal of up to 15 significant digits exactly (round trip). */
const MAX_EXACT_DIGITS = 15;
const DECIMAL_RE = /^([-+]?)(\d*)(?:\.(\d*))?$/;
const INTEGER_RE = /^[-+]?\d+$/;

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (isBytes(value)) return `${value.length} bytes`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

/** An integer id as a number, exactly: from a number, a bigint or a numeric string (BIGINT). */
export function toSafeInteger(value: unknown): number {
  let big: bigint;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    throw new ValueProblem(
      Number.isInteger(value)
        ? `${value} is beyond 2^53 and cannot be held exactly`
        : `${value} is not a whole number`,
    );
  }
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'string' && INTEGER_RE.test(value.trim())) big = BigInt(value.trim());
  else throw new ValueProblem(`${describeValue(value)} is not a whole number`);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ValueProblem(`${big} is beyond 2^53 and cannot be held exactly in a JavaScript number`);
  }
  return Number(big);
}

/**
 * A decimal string (MySQL DECIMAL, SQLite NUMERIC text) as the nearest double, which for up to 15
 * significant digits is exactly the double the device computes for the same amount.
 */
export function decimalToNumber(text: string): number {
  const match = DECIMAL_RE.exec(text.trim());
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || (whole === '' && fraction === ''))
    throw new ValueProblem(`${describeValue(text)} is not a number`);
  const digits = `${whole}${fraction.replace(/0+$/, '')}`.replace(/^0+/, '');
  if (digits.length > MAX_EXACT_DIGITS) {
    throw new ValueProblem(
      `${text.trim()} has ${digits.length} significant digits; a JavaScript number holds ${MAX_EXACT_DIGITS} exactly`,
    );
  }
  const value = Number(`${match[1]}${whole === '' ? '0' : whole}.${fraction === '' ? '0' : fraction}`);
  // -0 and 0 are the same amount; keep one of them.
  return value === 0 ? 0 : value;
}

/** An amount in major units from a REAL, an INTEGER, a BIGINT or a DECIMAL string; null stays null. */
export function toAmount(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value === 0 ? 0 : value;
    throw new ValueProblem(`${value} is not a finite number`);
  }
  if (typeof value === 'bigint') return toSafeInteger(value);
  if (typeof value === 'string') return decimalToNumber(value);
  if (isBytes(value)) return decimalToNumber(Buffer.from(value).toString('utf8'));
  throw new ValueProblem(`${describeValue(value)} is not an amount`);
}

function uuidOf(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Text from a string, a number (an INT device id) or bytes (BLOB, BINARY; 16 bytes of an id read as a UUID). */
export function toText(value: unknown, uuidBytes = false): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (isBytes(value))
    return uuidBytes && value.length === 16 ? uuidOf(value) : Buffer.from(value).toString('utf8');
  throw new ValueProblem(`${describeValue(value)} is not text`);
}

function itemNumber(item: Record<string, unknown>, key: string, whole: boolean): number {
  const value = item[key];
  const number = typeof value === 'string' ? decimalToNumber(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || (whole && !Number.isSafeInteger(number))) {
    throw new ValueProblem(`${key} is ${value === undefined ? 'missing' : describeValue(value)}`);
  }
  return number;
}

/** The items as wire items (the five fields, in wire order), or why they cannot be read. */
export function toItems(value: unknown): SyncItem[] {
  let list: unknown = value;
  if (typeof value === 'string' || isBytes(value)) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    try {
      list = JSON.parse(text);
    } catch (error) {
      throw new ValueProblem(`are not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (!Array.isArray(list)) throw new ValueProblem(`are ${describeValue(list)}, not a JSON list`);
  return list.map((item: unknown, index): SyncItem => {
    if (!isRecord(item)) throw new ValueProblem(`[${index}] is ${describeValue(item)}, not an object`);
    try {
      const name = item.product_name;
      if (typeof name !== 'string')
        throw new ValueProblem(`product_name is ${name === undefined ? 'missing' : describeValue(name)}`);
      return {
        product_id: itemNumber(item, 'product_id', true),
        product_name: name,
        quantity: itemNumber(item, 'quantity', false),
        price: itemNumber(item, 'price', false),
        subtotal: itemNumber(item, 'subtotal', false),
      };
    } catch (error) {
      throw new ValueProblem(`[${index}].${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

/** Reads rows of one source; keeps the count of rows whose items were unreadable, for the warnings. */
export class LedgerRowReader {
  private rowNumber = 0;
  private unreadableItems = 0;
  private firstItemsProblem = '';

  constructor(private readonly source: string) {}

  read(values: RawLedgerValues): LedgerRow {
    this.rowNumber += 1;
    let where = `row ${this.rowNumber}`;
    const field = <T>(name: LedgerColumnField, convert: (value: unknown) => T): T => {
      try {
        return convert(values[name]);
      } catch (error) {
        if (!(error instanceof ValueProblem)) throw error;
        throw new ERR_LEDGER_ROW(this.source, where, `has ${name} ${error.message}`);
      }
    };
    const required = (value: unknown): unknown => {
      if (value === null || value === undefined) throw new ValueProblem('empty (NULL)');
      return value;
    };
    const serverId = field('serverId', (v) => toSafeInteger(required(v)));
    where = `row with server id ${serverId}`;
    const text = (v: unknown): string | null => (v === null || v === undefined ? null : toText(v));
    const amount = (v: unknown): number | null => (v === undefined ? null : toAmount(v));
    return {
      serverId,
      offlineId: field('offlineId', (v) => (v === null || v === undefined ? null : toText(v, true))),
      offlineReference: field('offlineReference', (v) => toText(required(v))),
      deviceId: field('deviceId', text),
      grandTotal: field('grandTotal', amount),
      subtotal: field('subtotal', amount),
      discountTotal: field('discountTotal', amount),
      taxTotal: field('taxTotal', amount),
      itemsJson: this.itemsJson(values.items, serverId),
      transactionCode: field('transactionCode', text),
    };
  }

  /** The items as wire JSON: one string per row is what a ledger of many rows can afford to hold. */
  private itemsJson(value: unknown, serverId: number): string | null {
    if (value === null || value === undefined) return null;
    try {
      return JSON.stringify(toItems(value));
    } catch (error) {
      if (!(error instanceof ValueProblem)) throw error;
      this.unreadableItems += 1;
      if (this.unreadableItems === 1)
        this.firstItemsProblem = `server id ${serverId}: items ${error.message}`;
      return null;
    }
  }

  warnings(): string[] {
    if (this.unreadableItems === 0) return [];
    const rows = this.unreadableItems === 1 ? '1 row' : `${this.unreadableItems} rows`;
    return [
      `${rows} of ${this.source} had items that could not be read, so their items were not compared (first: ${this.firstItemsProblem})`,
    ];
  }
}
