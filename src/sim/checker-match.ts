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
import type { TransactionLocal } from '../core/transaction-local.ts';
import { sameSale } from './checker-compare.ts';
import type { MatchKey } from './checker-types.ts';
import type { LedgerRow } from './ledger-row.ts';

export interface LedgerMatch {
  readonly matchedBy: MatchKey;
  /** For each sale (same index as the input), the server rows attributed to it: 0, 1, or more (copies). */
  readonly assigned: readonly (readonly LedgerRow[])[];
  /** Server rows in scope that match no sale, in ledger order. */
  readonly phantom: readonly LedgerRow[];
  /** Server rows with each reference, for explaining lost and unsound sales. */
  readonly byReference: ReadonlyMap<string, readonly LedgerRow[]>;
  readonly rowsInScope: number;
}

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

export function matchLedger(
  sales: readonly TransactionLocal[],
  ledger: readonly LedgerRow[],
  deviceIds: ReadonlySet<string> | undefined,
): LedgerMatch {
  const matchedBy: MatchKey = ledger.every((row) => row.offlineId !== null)
    ? 'offline-id'
    : 'offline-reference';
  const saleKey = (sale: TransactionLocal) =>
    matchedBy === 'offline-id' ? sale.offlineId : sale.offlineReference;
  const rowKey = (row: LedgerRow) => (matchedBy === 'offline-id' ? row.offlineId! : row.offlineReference);
  const rowsByKey = groupBy(ledger, rowKey);
  const indexByKey = groupBy(
    sales.map((_, i) => i),
    (i) => saleKey(sales[i]!),
  );
  const assigned: LedgerRow[][] = sales.map(() => []);
  let matchedRows = 0;
  for (const [key, indexes] of indexByKey) {
    const rows = rowsByKey.get(key) ?? [];
    matchedRows += rows.length;
    const perSale = assignGroup(
      indexes.map((i) => sales[i]!),
      rows,
    );
    indexes.forEach((saleIndex, j) => {
      assigned[saleIndex] = perSale[j]!;
    });
  }
  const phantom: LedgerRow[] = [];
  for (const [key, rows] of rowsByKey) {
    if (indexByKey.has(key)) continue;
    for (const row of rows) if (inScope(row, deviceIds)) phantom.push(row);
  }
  return {
    matchedBy,
    assigned,
    phantom,
    byReference: groupBy(ledger, (row) => row.offlineReference),
    rowsInScope: matchedRows + phantom.length,
  };
}
