/**
 * Matches device sales to server rows. Pure.
 *
 * The key is offline_id when every server row has one, else offline_reference for the whole ledger (a table
 * without the column, or a partial one). Matching by reference cannot tell apart two sales that share a
 * reference (a collision): within such a group, rows go first to the sale whose content they equal, so a
 * collision's dropped sale shows as lost rather than as a mismatch of the kept one; a row equal to no
 * sale of the group goes to a sale left without one (mismatched). Two colliding sales with identical
 * content cannot be told apart at all, and only one of them counts as stored.
 */
import type { SaleKey, SaleKeyLists, TransactionLocal } from '../core/transaction-local.ts';
import { sameSale } from './checker-compare.ts';
import type { MatchKey } from './checker-types.ts';
import type { LedgerRow } from './ledger-row.ts';

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Attributes the rows of one key to the sales of that key; returns, per sale, its rows in ledger order. */
export function assignGroup(sales: readonly TransactionLocal[], rows: readonly LedgerRow[]): LedgerRow[][] {
  const equal = sales.map((sale) => rows.map((row) => sameSale(sale, row)));
  const equalsSome = rows.map((_, r) => equal.some((line) => line[r]));
  const owner: (number | null)[] = rows.map(() => null);
  const take = (s: number, fits: (r: number) => boolean): void => {
    const r = owner.findIndex((o, i) => o === null && fits(i));
    if (r >= 0) owner[r] = s;
  };
  // 1. Each sale takes a row equal to it.
  for (let s = 0; s < sales.length; s++) take(s, (r) => equal[s]![r]!);
  // 2. A sale still without one takes a row equal to no sale of the group: its stored copy, altered.
  for (let s = 0; s < sales.length; s++) if (!owner.includes(s)) take(s, (r) => !equalsSome[r]);
  // 3. Rows left over are extra copies: of the sale they equal, else of the group's first sale.
  for (let r = 0; r < rows.length; r++) {
    if (owner[r] === null)
      owner[r] = Math.max(
        0,
        equal.findIndex((line) => line[r]),
      );
  }
  const assigned: LedgerRow[][] = sales.map(() => []);
  for (let r = 0; r < rows.length; r++) assigned[owner[r]!]!.push(rows[r]!);
  return assigned;
}

function inScope(row: LedgerRow, deviceIds: ReadonlySet<string> | undefined): boolean {
  return deviceIds === undefined || (row.deviceId !== null && deviceIds.has(row.deviceId));
}

/** offline_id when every server row has one, else offline_reference for the whole ledger. */
export function matchKeyOf(ledger: readonly LedgerRow[]): MatchKey {
  return ledger.every((row) => row.offlineId !== null) ? 'offline-id' : 'offline-reference';
}

export function saleKey(sale: SaleKey, matchedBy: MatchKey): string {
  return matchedBy === 'offline-id' ? sale.offlineId : sale.offlineReference;
}

/** saleKey of every row, from a file's key lists. */
export function saleKeyList(keys: SaleKeyLists, matchedBy: MatchKey): readonly string[] {
  return matchedBy === 'offline-id' ? keys.offlineIds : keys.offlineReferences;
}

/** FNV-1a, 32 bits: counts keys without keeping them. Two keys with one hash only cost the exact path. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The server rows by match key. Each key's rows are taken once, by the sale or the group of sales that
 * has the key; the keys never taken are the phantoms.
 */
export class LedgerIndex {
  private readonly rowsByKey: Map<string, LedgerRow[]>;
  private taken = 0;
  private byReferenceMap: Map<string, LedgerRow[]> | null = null;

  constructor(
    private readonly ledger: readonly LedgerRow[],
    readonly matchedBy: MatchKey,
  ) {
    this.rowsByKey = groupBy(ledger, (row) =>
      matchedBy === 'offline-id' ? row.offlineId! : row.offlineReference,
    );
  }

  /** The rows of a key, in ledger order; [] when none (or when already taken). */
  take(key: string): readonly LedgerRow[] {
    const rows = this.rowsByKey.get(key);
    if (rows === undefined) return [];
    this.rowsByKey.delete(key);
    this.taken += rows.length;
    return rows;
  }

  /** Server rows under a reference, for explaining lost and unsound sales (built on first use). */
  underReference(reference: string): readonly LedgerRow[] {
    this.byReferenceMap ??= groupBy(this.ledger, (row) => row.offlineReference);
    return this.byReferenceMap.get(reference) ?? [];
  }

  /** Rows of keys no sale took and of a device in scope, in ledger order; call once, after every take. */
  phantoms(deviceIds: ReadonlySet<string> | undefined): { rows: LedgerRow[]; rowsInScope: number } {
    const rows: LedgerRow[] = [];
    for (const group of this.rowsByKey.values())
      for (const row of group) if (inScope(row, deviceIds)) rows.push(row);
    return { rows, rowsInScope: this.taken + rows.length };
  }
}
