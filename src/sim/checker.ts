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
import type { TransactionLocal } from '../core/transaction-local.ts';
import { saleDifferences } from './checker-compare.ts';
import { matchLedger } from './checker-match.ts';
import {
  type CheckInput,
  type CheckResult,
  type FieldDifference,
  type Invariants,
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
  byReference: ReadonlyMap<string, readonly LedgerRow[]> | null,
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
        const server = byReference === null ? null : (byReference.get(reference) ?? []);
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

export function checkInvariants(input: CheckInput): CheckResult {
  const sales = [...input.rows];
  const failures = [...(input.localFailures ?? [])];
  const tally = new Tally(input.maxExamples ?? DEFAULT_MAX_EXAMPLES);
  const traceOf = input.traceOf;
  const trace: Trace = (offlineId) =>
    traceOf === undefined || offlineId === null ? null : traceOf(offlineId);
  const match = input.ledger === null ? null : matchLedger(sales, input.ledger, input.deviceIds);

  checkCollisions(sales, failures, match?.byReference ?? null, tally, trace);

  sales.forEach((sale, i) => {
    const rows = match === null ? null : match.assigned[i]!;
    const underReference = match?.byReference.get(sale.offlineReference) ?? [];
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
  });

  for (const row of match?.phantom ?? []) {
    tally.add('phantom', () => ({
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
      trace: trace(row.offlineId),
    }));
  }

  const checked = match !== null;
  const ledgerCount = (kind: ViolationKind): number | null => (checked ? tally.counts[kind] : null);
  const invariants: Invariants = {
    checked,
    lost: ledgerCount('lost'),
    duplicated: ledgerCount('duplicated'),
    phantom: ledgerCount('phantom'),
    mismatched: ledgerCount('mismatched'),
    unsound: ledgerCount('unsound'),
    stuck: tally.counts.stuck,
    collided: tally.counts.collided,
    rejected: tally.counts.rejected,
  };
  const salesByStatus = { pending: 0, syncing: 0, synced: 0, failed: 0 };
  for (const sale of sales) salesByStatus[sale.syncStatus] += 1;
  return {
    invariants,
    matchedBy: match?.matchedBy ?? null,
    sales: sales.length,
    salesByStatus,
    ledgerRows: match?.rowsInScope ?? null,
    localFailures: failures.length,
    examples: tally.examples,
  };
}

/** True when every checked invariant is 0 (rejected sales are reported, not violations). */
export function isClean(invariants: Invariants): boolean {
  const { checked: _checked, rejected: _rejected, ...counts } = invariants;
  return Object.values(counts).every((count) => count === null || count === 0);
}
