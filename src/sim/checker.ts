/**
 * The invariant checker (DESIGN.md section 3): every device row against the server's ledger. Pure: data in,
 * counts and examples out; no I/O, no clock. Kinds are not exclusive (see Invariants).
 *
 * - lost: no server row for the sale (matched as checker-match.ts says), unless the server rejected it.
 * - duplicated: two or more server rows for the sale.
 * - phantom: a server row, of a device in scope, that matches no device sale.
 * - mismatched: a stored copy differs in totals, items, reference, device or offline id (checker-compare.ts).
 * - stuck: not `synced` on the device, unless rejected.
 * - rejected: `failed` on the device with a reason (lastError), and not on the server: the server said no,
 *   the device recorded why; a business outcome to report, not a sync fault. With a ledger that holds the
 *   sale, the device's `failed` is wrong and the sale counts as stuck instead.
 * - collided: a sale whose offline_reference an earlier sale already had, among device rows and local
 *   creation failures (a failure counts when its reference is held by a row or another failure: a lone
 *   failure may have had another cause).
 * - unsound: `synced` on the device, and no server row for it (the server may hold another sale under its
 *   reference: the spec's backend answers a colliding sale as a successful duplicate).
 */
import type { SaleKey, SaleKeyLists, TransactionLocal } from '../core/transaction-local.ts';
import { saleDifferences } from './checker-compare.ts';
import { assignGroup, hashKey, LedgerIndex, matchKeyOf, saleKey, saleKeyList } from './checker-match.ts';
import {
  type CheckInput,
  type CheckResult,
  type FieldDifference,
  type Invariants,
  type MatchKey,
  VIOLATION_KINDS,
  type Violation,
  type ViolationKind,
} from './checker-types.ts';
import { type LedgerRow, type ServerRow, serverRowOf } from './ledger-row.ts';
import type { LocalFailure, SaleTrace } from './trace.ts';

export type * from './checker-types.ts';
export { VIOLATION_KINDS } from './checker-types.ts';

export const DEFAULT_MAX_EXAMPLES = 10;

function perKind<T>(make: () => T): Record<ViolationKind, T> {
  const record: Partial<Record<ViolationKind, T>> = {};
  for (const kind of VIOLATION_KINDS) record[kind] = make();
  return record as Record<ViolationKind, T>;
}

/** Counts per kind, and the first examples of each; examples are built only while there is room. */
class Tally {
  readonly counts: Record<ViolationKind, number>;
  readonly examples: Record<ViolationKind, Violation[]>;

  constructor(private readonly max: number) {
    this.counts = perKind(() => 0);
    this.examples = perKind((): Violation[] => []);
  }

  add(kind: ViolationKind, example: () => Violation): void {
    this.counts[kind] += 1;
    if (this.examples[kind].length < this.max) this.examples[kind].push(example());
  }
}

type Trace = (offlineId: string | null) => SaleTrace | null;

interface SaleExtras {
  readonly server: readonly LedgerRow[] | null;
  readonly differences?: readonly FieldDifference[];
  readonly related?: readonly string[];
}

function saleViolation(
  kind: ViolationKind,
  sale: TransactionLocal,
  detail: string,
  extras: SaleExtras,
  trace: Trace,
): Violation {
  return {
    kind,
    offlineId: sale.offlineId,
    offlineReference: sale.offlineReference,
    deviceId: sale.deviceId,
    detail,
    device: sale,
    localFailure: null,
    server: serverRows(extras.server),
    differences: extras.differences ?? [],
    related: extras.related ?? [],
    trace: trace(sale.offlineId),
  };
}

/** Only examples are built, so only their rows pay for parsed items. */
function serverRows(rows: readonly LedgerRow[] | null): ServerRow[] | null {
  return rows === null ? null : rows.map(serverRowOf);
}

function serverIds(rows: readonly LedgerRow[]): string {
  return rows.map((row) => row.serverId).join(', ');
}

type Member = { readonly sale: TransactionLocal } | { readonly failure: LocalFailure };

function memberLabel(member: Member): string {
  return 'sale' in member
    ? member.sale.offlineId
    : `local failure on ${member.failure.deviceId} at ${member.failure.atMs}`;
}

function checkCollisions(
  sales: readonly TransactionLocal[],
  failures: readonly LocalFailure[],
  index: LedgerIndex | null,
  tally: Tally,
  trace: Trace,
): void {
  const members = new Map<string, Member[]>();
  const seen = new Set<string>();
  const join = (reference: string, member: Member) => {
    const list = members.get(reference);
    if (list) list.push(member);
    else members.set(reference, [member]);
  };
  for (const sale of sales) {
    // The same sale given twice is not a collision with itself.
    if (seen.has(sale.offlineId)) continue;
    seen.add(sale.offlineId);
    join(sale.offlineReference, { sale });
  }
  for (const failure of failures) join(failure.reference, { failure });
  for (const [reference, list] of members) {
    for (const member of list.slice(1)) {
      tally.add('collided', () => {
        const related = list.filter((other) => other !== member).map(memberLabel);
        const server = index === null ? null : index.underReference(reference);
        const detail = `reference ${reference} is shared by ${list.length} sales`;
        if ('sale' in member)
          return saleViolation('collided', member.sale, detail, { server, related }, trace);
        return {
          kind: 'collided',
          offlineId: null,
          offlineReference: reference,
          deviceId: member.failure.deviceId,
          detail: `${detail}; this one could not be recorded on its device: ${member.failure.error}`,
          device: null,
          localFailure: member.failure,
          server: serverRows(server),
          differences: [],
          related,
          trace: null,
        };
      });
    }
  }
}

function isRejectedOnDevice(sale: TransactionLocal): boolean {
  return sale.syncStatus === 'failed' && sale.lastError !== null;
}

type CheckOptions = Omit<CheckInput, 'rows'>;

/**
 * The check, fed one device's rows at a time so that a run never holds every row at once: `count` sees
 * every row first (keeping only hashes of keys and references), then `check` checks each sale as it comes,
 * except the sales whose key or reference another sale (or local failure) may share: those are kept and
 * checked together at `finish`, as groups (assignGroup, checkCollisions) need.
 */
export class InvariantCheck {
  private readonly tally: Tally;
  private readonly trace: Trace;
  private readonly failures: LocalFailure[];
  private readonly index: LedgerIndex | null;
  private readonly matchedBy: MatchKey;
  private readonly keyCounts = new Map<number, number>();
  private readonly referenceCounts = new Map<number, number>();
  private readonly held: TransactionLocal[] = [];
  private readonly salesByStatus = { pending: 0, syncing: 0, synced: 0, failed: 0 };
  private sales = 0;

  constructor(private readonly options: CheckOptions) {
    this.tally = new Tally(options.maxExamples ?? DEFAULT_MAX_EXAMPLES);
    const traceOf = options.traceOf;
    this.trace = (offlineId) => (traceOf === undefined || offlineId === null ? null : traceOf(offlineId));
    this.failures = [...(options.localFailures ?? [])];
    this.matchedBy = options.ledger === null ? 'offline-id' : matchKeyOf(options.ledger);
    this.index = options.ledger === null ? null : new LedgerIndex(options.ledger, this.matchedBy);
    for (const failure of this.failures) bump(this.referenceCounts, hashKey(failure.reference));
  }

  /** First pass: every row's keys, once. */
  count(keys: SaleKeyLists): void {
    for (const key of saleKeyList(keys, this.matchedBy)) bump(this.keyCounts, hashKey(key));
    for (const reference of keys.offlineReferences) bump(this.referenceCounts, hashKey(reference));
  }

  /** Second pass: the same rows, in the same order. */
  check(rows: Iterable<TransactionLocal>): void {
    for (const sale of rows) {
      this.sales += 1;
      this.salesByStatus[sale.syncStatus] += 1;
      const shared =
        (this.keyCounts.get(hashKey(saleKey(sale, this.matchedBy))) ?? 0) > 1 ||
        (this.referenceCounts.get(hashKey(sale.offlineReference)) ?? 0) > 1;
      if (shared) this.held.push(sale);
      else this.checkSale(sale, this.index?.take(saleKey(sale, this.matchedBy)) ?? null);
    }
  }

  finish(): CheckResult {
    const index = this.index;
    const held = this.held;
    checkCollisions(held, this.failures, index, this.tally, this.trace);
    const assigned: (readonly LedgerRow[] | null)[] = held.map(() => null);
    if (index !== null) {
      const groups = new Map<string, number[]>();
      held.forEach((sale, i) => {
        const key = saleKey(sale, this.matchedBy);
        const group = groups.get(key);
        if (group) group.push(i);
        else groups.set(key, [i]);
      });
      for (const [key, members] of groups) {
        const perSale = assignGroup(
          members.map((i) => held[i]!),
          index.take(key),
        );
        members.forEach((i, j) => {
          assigned[i] = perSale[j]!;
        });
      }
    }
    for (const [i, sale] of held.entries()) this.checkSale(sale, assigned[i] ?? null);
    const phantoms = index?.phantoms(this.options.deviceIds) ?? null;
    for (const row of phantoms?.rows ?? []) {
      this.tally.add('phantom', () => ({
        kind: 'phantom',
        offlineId: row.offlineId,
        offlineReference: row.offlineReference,
        deviceId: row.deviceId,
        detail: `server id ${row.serverId} matches no device sale`,
        device: null,
        localFailure: null,
        server: [serverRowOf(row)],
        differences: [],
        related: [],
        // A trace here means the device made the sale and then lost its row (e.g. a crash before the write).
        trace: this.trace(row.offlineId),
      }));
    }

    const checked = index !== null;
    const counts = this.tally.counts;
    const ledgerCount = (kind: ViolationKind): number | null => (checked ? counts[kind] : null);
    const invariants: Invariants = {
      checked,
      lost: ledgerCount('lost'),
      duplicated: ledgerCount('duplicated'),
      phantom: ledgerCount('phantom'),
      mismatched: ledgerCount('mismatched'),
      unsound: ledgerCount('unsound'),
      stuck: counts.stuck,
      collided: counts.collided,
      rejected: counts.rejected,
    };
    return {
      invariants,
      matchedBy: checked ? this.matchedBy : null,
      sales: this.sales,
      salesByStatus: this.salesByStatus,
      ledgerRows: phantoms?.rowsInScope ?? null,
      localFailures: this.failures.length,
      examples: this.tally.examples,
    };
  }

  /** One sale against the server rows attributed to it (null: no ledger). */
  private checkSale(sale: TransactionLocal, rows: readonly LedgerRow[] | null): void {
    const { tally, trace } = this;
    const notStored = rows !== null && rows.length === 0;
    const rejected = isRejectedOnDevice(sale) && (rows === null || notStored);
    if (rejected) {
      tally.add('rejected', () =>
        saleViolation('rejected', sale, `the server rejected it: ${sale.lastError}`, { server: rows }, trace),
      );
    } else if (sale.syncStatus !== 'synced') {
      const held = rows === null ? '' : notStored ? '; the server does not hold it' : '; the server holds it';
      tally.add('stuck', () =>
        saleViolation(
          'stuck',
          sale,
          `still ${sale.syncStatus} after the heal phase${held}`,
          { server: rows },
          trace,
        ),
      );
    }
    if (rows === null) return;
    if (notStored && !rejected) {
      const underReference = this.index?.underReference(sale.offlineReference) ?? [];
      const other =
        underReference.length > 0
          ? `; under its reference the server holds another sale (server id ${serverIds(underReference)})`
          : '';
      tally.add('lost', () =>
        saleViolation('lost', sale, `the server never stored it${other}`, { server: underReference }, trace),
      );
      if (sale.syncStatus === 'synced') {
        tally.add('unsound', () =>
          saleViolation(
            'unsound',
            sale,
            `marked synced, but the server does not hold it${other}`,
            { server: underReference },
            trace,
          ),
        );
      }
    }
    if (rows.length >= 2) {
      tally.add('duplicated', () =>
        saleViolation(
          'duplicated',
          sale,
          `stored ${rows.length} times (server ids ${serverIds(rows)})`,
          { server: rows },
          trace,
        ),
      );
    }
    for (const row of rows) {
      const differences = saleDifferences(sale, row);
      if (differences.length === 0) continue;
      const fields = differences.map((d) => d.field).join(', ');
      tally.add('mismatched', () =>
        saleViolation(
          'mismatched',
          sale,
          `server id ${row.serverId} differs in ${fields}`,
          { server: rows, differences },
          trace,
        ),
      );
      break;
    }
  }
}

function bump(counts: Map<number, number>, hash: number): void {
  counts.set(hash, (counts.get(hash) ?? 0) + 1);
}

/** The keys of rows at hand, as a device's file gives them to the first pass. */
export function saleKeyLists(rows: readonly SaleKey[]): SaleKeyLists {
  return {
    offlineIds: rows.map((row) => row.offlineId),
    offlineReferences: rows.map((row) => row.offlineReference),
  };
}

/** The whole check over rows at hand (tests, small runs): both passes over the same rows. */
export function checkInvariants(input: CheckInput): CheckResult {
  const rows = [...input.rows];
  const check = new InvariantCheck(input);
  check.count(saleKeyLists(rows));
  check.check(rows);
  return check.finish();
}

/** True when every checked invariant is 0 (rejected sales are reported, not violations). */
export function isClean(invariants: Invariants): boolean {
  const { checked: _checked, rejected: _rejected, ...counts } = invariants;
  return Object.values(counts).every((count) => count === null || count === 0);
}
