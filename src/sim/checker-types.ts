/** The checker's inputs and results (DESIGN.md section 3). Plain data: a result serialises as JSON. */
import type { SyncItem } from '../core/protocol.ts';
import type { SyncStatus, TransactionLocal } from '../core/transaction-local.ts';
import type { LedgerRow, ServerRow } from './ledger-row.ts';
import type { LocalFailure, SaleTrace } from './trace.ts';

export type ViolationKind =
  | 'lost'
  | 'duplicated'
  | 'phantom'
  | 'mismatched'
  | 'stuck'
  | 'collided'
  | 'unsound'
  | 'rejected';

/** The seven invariants of DESIGN.md section 3, in report order. */
export const INVARIANT_KINDS = [
  'lost',
  'duplicated',
  'phantom',
  'mismatched',
  'stuck',
  'collided',
  'unsound',
] as const satisfies readonly ViolationKind[];
export type InvariantKind = (typeof INVARIANT_KINDS)[number];

/** Every kind the checker counts: the invariants, then `rejected` (reported, not a violation). */
export const VIOLATION_KINDS: readonly ViolationKind[] = [...INVARIANT_KINDS, 'rejected'];

/**
 * The counts, named as in summary.json (`invariants.*`). A sale can count under several kinds: a sale stuck
 * in `syncing` that never reached the server is stuck and lost; one marked synced that the server lacks is
 * lost and unsound.
 *
 * The ledger-dependent kinds are null ("not checked") when there is no ledger, never 0. stuck, collided and
 * rejected need only the device rows.
 */
export interface Invariants {
  readonly checked: boolean;
  /** Device sales the server does not hold (rejected sales aside). */
  readonly lost: number | null;
  /** Device sales the server holds more than once. */
  readonly duplicated: number | null;
  /** Server rows that match no device sale (of the devices in scope). */
  readonly phantom: number | null;
  /** Device sales whose stored content differs (totals, items, reference, device) in any stored copy. */
  readonly mismatched: number | null;
  /** Device sales marked `synced` that the server does not hold (it may hold another sale under the reference). */
  readonly unsound: number | null;
  /** Device sales not `synced` at the end, rejected sales aside. */
  readonly stuck: number;
  /** Sales whose reference an earlier sale already had: for n sales sharing one reference, n - 1. */
  readonly collided: number;
  /** Sales the server explicitly refused: `failed` on the device with a reason, and not stored. */
  readonly rejected: number;
}

export type FieldValue = string | number | null | readonly SyncItem[];

export interface FieldDifference {
  readonly field:
    | 'grandTotal'
    | 'subtotal'
    | 'discountTotal'
    | 'taxTotal'
    | 'items'
    | 'offlineReference'
    | 'deviceId'
    | 'offlineId';
  /** The device's value in the ledger's terms (major units, wire items). */
  readonly device: FieldValue;
  readonly server: FieldValue;
}

export interface Violation {
  readonly kind: ViolationKind;
  /** Null for a local creation failure, and for a phantom row without an offline_id. */
  readonly offlineId: string | null;
  readonly offlineReference: string;
  readonly deviceId: string | null;
  /** Why, in one sentence. */
  readonly detail: string;
  /** The device's row; null for phantom rows and local failures. */
  readonly device: TransactionLocal | null;
  /** Set for a sale that could not be recorded on its device (collided only). */
  readonly localFailure: LocalFailure | null;
  /** What the server holds for this sale (its rows, or the phantom row itself); null when there is no ledger. */
  readonly server: readonly ServerRow[] | null;
  /** For mismatched: each field that differs, against the first stored copy that differs. */
  readonly differences: readonly FieldDifference[];
  /** For collided: the offline ids (or `local failure at <ms>`) of the other sales sharing the reference. */
  readonly related: readonly string[];
  readonly trace: SaleTrace | null;
}

export type MatchKey = 'offline-id' | 'offline-reference';

export interface CheckInput {
  /** Every row of every device in scope (e.g. a generator chaining each device's rows); read once and kept for the check. */
  readonly rows: Iterable<TransactionLocal>;
  /** createTransaction calls that threw (TraceRecorder.localFailures()). */
  readonly localFailures?: Iterable<LocalFailure>;
  /** What the server stored; null when no ledger could be read. */
  readonly ledger: readonly LedgerRow[] | null;
  /**
   * A shard: the devices whose rows were given. Server rows of other devices are then out of scope (not
   * phantom), and so are unmatched server rows that do not say which device they came from.
   */
  readonly deviceIds?: ReadonlySet<string>;
  readonly traceOf?: (offlineId: string) => SaleTrace | null;
  /** Examples kept per kind; default 10. */
  readonly maxExamples?: number;
}

export interface CheckResult {
  readonly invariants: Invariants;
  /** How device sales were matched to server rows; null without a ledger. */
  readonly matchedBy: MatchKey | null;
  /** Device rows checked. */
  readonly sales: number;
  /** Device rows by sync status (summary.json `sales.*`). */
  readonly salesByStatus: Readonly<Record<SyncStatus, number>>;
  /** Server rows in scope (matched to a sale, or unmatched and of a device in scope); null without a ledger. */
  readonly ledgerRows: number | null;
  /** Local creation failures given, colliding or not. */
  readonly localFailures: number;
  readonly examples: Readonly<Record<ViolationKind, readonly Violation[]>>;
}
