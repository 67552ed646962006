/**
 * Every option of the fake backend as JSON Schema (TypeBox), so that scenario files can embed them and get
 * validated, plus the resolved types with every default filled in. The fault plan and the capacity model are
 * here too. Validation returns messages that name the field (`backend/capacity/workers must be >= 1`).
 */
import Type from 'typebox';
import { Value } from 'typebox/value';
import { jsonErrorOf } from '../core/errors.ts';
import { DEFAULT_BATCH_SYNC_PATH } from '../core/protocol.ts';
import { type Distribution, DistributionSchema, distributionProblem } from '../core/random.ts';
import { InvalidFaultPlanError, InvalidOptionsError } from './errors.ts';
import { firstSchemaProblem } from './schema-errors.ts';

// ---------------------------------------------------------------------------------------------------------
// Storage and de-duplication

export const DedupeModeSchema = Type.Union([
  /** The spec: a unique index on the key; a repeat is answered with the existing row and `duplicate: true`. */
  Type.Literal('unique'),
  /** SELECT, a gap, INSERT, with no unique index: two concurrent identical batches both insert. */
  Type.Literal('check-then-insert'),
  /** Every row is inserted. */
  Type.Literal('none'),
]);
export type DedupeMode = Type.Static<typeof DedupeModeSchema>;
export const DEDUPE_MODES: readonly DedupeMode[] = ['unique', 'check-then-insert', 'none'];

export const DedupeKeySchema = Type.Union([Type.Literal('offline_reference'), Type.Literal('offline_id')]);
export type DedupeKey = Type.Static<typeof DedupeKeySchema>;

/** One database transaction per batch, or one per row (then a crash mid-batch leaves some rows committed). */
export const CommitModeSchema = Type.Union([Type.Literal('batch'), Type.Literal('row')]);
export type CommitMode = Type.Static<typeof CommitModeSchema>;

export const StorageOptionsSchema = Type.Object(
  {
    /** SQLite file, or `:memory:`. */
    file: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** `wal` (default) or SQLite's rollback journal. Ignored for `:memory:`. */
    journal: Type.Optional(Type.Union([Type.Literal('wal'), Type.Literal('delete')])),
    /** `normal` (default: fsync at checkpoints) or `off` (no fsync: safe against a crash of the process, not of
     * the machine; in-process simulations use it, since they simulate nothing else). */
    synchronous: Type.Optional(Type.Union([Type.Literal('normal'), Type.Literal('off')])),
    /** `normal` (default): other processes may read the file while the backend runs. `exclusive`: the backend
     * holds the file alone (no lock calls per transaction); in-process simulations use it. */
    locking: Type.Optional(Type.Union([Type.Literal('normal'), Type.Literal('exclusive')])),
    /** The ledger's SQLite page cache, KiB (default: SQLite's, ~16 MB). In-process simulations use 2 MiB: rows
     * are appended and read back once, and the cache is memory the run holds to its end. */
    cacheKib: Type.Optional(Type.Integer({ minimum: 64, maximum: 4_194_304 })),
    /** Empty the ledger when the file is opened (a new run); off by default, so a restart keeps what was committed. */
    fresh: Type.Optional(Type.Boolean()),
    dedupe: Type.Optional(DedupeModeSchema),
    key: Type.Optional(DedupeKeySchema),
    /** check-then-insert only: milliseconds between the SELECT and the INSERT (always a yield point, even at 0). */
    checkGapMs: Type.Optional(Type.Number({ minimum: 0, maximum: 3_600_000 })),
    commit: Type.Optional(CommitModeSchema),
  },
  { additionalProperties: false },
);
export type StorageOptionsInput = Type.Static<typeof StorageOptionsSchema>;

export interface StorageOptions {
  readonly file: string;
  readonly journal: 'wal' | 'delete';
  readonly synchronous: 'normal' | 'off';
  readonly locking: 'normal' | 'exclusive';
  /** Null: SQLite's default. */
  readonly cacheKib: number | null;
  readonly fresh: boolean;
  readonly dedupe: DedupeMode;
  readonly key: DedupeKey;
  readonly checkGapMs: number;
  readonly commit: CommitMode;
}

export const DEFAULT_DB_FILE = 'syncsim-backend.sqlite';
export const MEMORY_DB = ':memory:';

// ---------------------------------------------------------------------------------------------------------
// Capacity

export const CapacityModelSchema = Type.Object(
  {
    /** Requests served at once; null: as many as arrive (no queueing). */
    workers: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Null()])),
    /** Requests that may wait for a worker; one more is refused with `overloadStatus`. */
    queueLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    /** Service time of a request, in ms, on top of its rows. */
    requestTime: Type.Optional(DistributionSchema),
    /** Service time of each row, in ms. */
    rowTime: Type.Optional(DistributionSchema),
    overloadStatus: Type.Optional(Type.Union([Type.Literal(429), Type.Literal(503)])),
    /** Retry-After sent with the overload status; null: the time until a queue slot frees, rounded up. */
    retryAfterSeconds: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 86_400 }), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);
export type CapacityModelInput = Type.Static<typeof CapacityModelSchema>;

export interface CapacityModel {
  readonly workers: number | null;
  readonly queueLimit: number;
  readonly requestTime: Distribution;
  readonly rowTime: Distribution;
  readonly overloadStatus: 429 | 503;
  readonly retryAfterSeconds: number | null;
}

// ---------------------------------------------------------------------------------------------------------
// Fault plan

const Rate = Type.Number({ minimum: 0, maximum: 1 });

export const HttpFaultSchema = Type.Object(
  {
    status: Type.Union([Type.Literal(500), Type.Literal(502), Type.Literal(503), Type.Literal(504)]),
    rate: Rate,
    /** Before the commit nothing is stored; after it the rows are stored and the client is told otherwise. */
    when: Type.Optional(Type.Union([Type.Literal('before-commit'), Type.Literal('after-commit')])),
  },
  { additionalProperties: false },
);
export type HttpFault = Type.Static<typeof HttpFaultSchema>;

export const FaultPhaseSchema = Type.Object(
  {
    /** When the phase starts, in ms after the plan was installed (at build, PUT or reset). */
    atMs: Type.Number({ minimum: 0 }),
    label: Type.Optional(Type.String({ maxLength: 100 })),
    /** 401 with a valid token (a session that expired on the server). */
    unauthorized: Type.Optional(Type.Object({ rate: Rate }, { additionalProperties: false })),
    http: Type.Optional(Type.Array(HttpFaultSchema, { maxItems: 8 })),
    /** commit=row: commit some rows, then crash (500 or a reset). commit=batch: the transaction rolls back. */
    partialCommit: Type.Optional(
      Type.Object(
        { rate: Rate, ending: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('reset')])) },
        { additionalProperties: false },
      ),
    ),
    /** Commit, then destroy the connection without answering. */
    lostAck: Type.Optional(Type.Object({ rate: Rate }, { additionalProperties: false })),
    /** Commit, then answer after this delay (make it longer than the client's timeout). */
    slowResponse: Type.Optional(
      Type.Object({ rate: Rate, delayMs: DistributionSchema }, { additionalProperties: false }),
    ),
    /**
     * Commit, then cut the body. `reset`: Content-Length promises the whole body and the connection closes
     * after `keepFraction` of it. `short`: a complete answer whose JSON is cut (a broken proxy).
     */
    truncatedBody: Type.Optional(
      Type.Object(
        {
          rate: Rate,
          mode: Type.Optional(Type.Union([Type.Literal('reset'), Type.Literal('short')])),
          keepFraction: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type FaultPhase = Type.Static<typeof FaultPhaseSchema>;

/** A timeline: the phase in force is the last one whose `atMs` has passed; before the first, no faults. */
export const FaultPlanSchema = Type.Object(
  { phases: Type.Array(FaultPhaseSchema, { maxItems: 10_000 }) },
  { additionalProperties: false },
);
export type FaultPlan = Type.Static<typeof FaultPlanSchema>;

export const NO_FAULTS: FaultPlan = Object.freeze({ phases: [] });

// ---------------------------------------------------------------------------------------------------------
// The whole backend

export const LogLevelSchema = Type.Union([
  Type.Literal('silent'),
  Type.Literal('fatal'),
  Type.Literal('error'),
  Type.Literal('warn'),
  Type.Literal('info'),
  Type.Literal('debug'),
  Type.Literal('trace'),
]);
export type LogLevel = Type.Static<typeof LogLevelSchema>;

export const BackendOptionsSchema = Type.Object(
  {
    /** Seeds the fault and service-time draws (with 'backend' and the request's arrival number). */
    seed: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Integer()])),
    /** The batch-sync route. */
    path: Type.Optional(Type.String({ pattern: '^/[^?#\\s]*$', maxLength: 200 })),
    storage: Type.Optional(StorageOptionsSchema),
    limits: Type.Optional(
      Type.Object(
        {
          /** Bytes per request body (default 1 MiB, like fastify); a bigger body gets 413. */
          bodyBytes: Type.Optional(Type.Integer({ minimum: 64, maximum: 1 << 30 })),
          /** Rows per batch; more get 413. null: no limit but the body size. */
          maxRows: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
    /** Per-row semantic checks (items present, totals add up); a bad row gets its own failed result. */
    rowChecks: Type.Optional(Type.Boolean()),
    capacity: Type.Optional(CapacityModelSchema),
    faults: Type.Optional(FaultPlanSchema),
    /** When set, requests need `Authorization: Bearer <token>`; otherwise 401. */
    token: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()])),
    /** Mount the `/__syncsim/` admin and inspection API. */
    admin: Type.Optional(Type.Boolean()),
    logLevel: Type.Optional(LogLevelSchema),
  },
  { additionalProperties: false },
);
export type BackendOptionsInput = Type.Static<typeof BackendOptionsSchema>;

export interface BackendOptions {
  readonly seed: string | number;
  readonly path: string;
  readonly storage: StorageOptions;
  readonly limits: { readonly bodyBytes: number; readonly maxRows: number | null };
  readonly rowChecks: boolean;
  readonly capacity: CapacityModel;
  readonly faults: FaultPlan;
  readonly token: string | null;
  readonly admin: boolean;
  readonly logLevel: LogLevel;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function resolveCapacity(input: CapacityModelInput = {}): CapacityModel {
  return {
    workers: input.workers ?? null,
    queueLimit: input.queueLimit ?? 1000,
    requestTime: input.requestTime ?? { kind: 'fixed', value: 0 },
    rowTime: input.rowTime ?? { kind: 'fixed', value: 0 },
    overloadStatus: input.overloadStatus ?? 429,
    retryAfterSeconds: input.retryAfterSeconds ?? null,
  };
}

export function resolveStorage(input: StorageOptionsInput = {}): StorageOptions {
  return {
    file: input.file ?? DEFAULT_DB_FILE,
    journal: input.journal ?? 'wal',
    synchronous: input.synchronous ?? 'normal',
    locking: input.locking ?? 'normal',
    cacheKib: input.cacheKib ?? null,
    fresh: input.fresh ?? false,
    dedupe: input.dedupe ?? 'unique',
    key: input.key ?? 'offline_reference',
    checkGapMs: input.checkGapMs ?? 0,
    commit: input.commit ?? 'batch',
  };
}

// ---------------------------------------------------------------------------------------------------------
// Checks a schema cannot express

function distributionProblems(d: Distribution, field: string): string[] {
  const problem = distributionProblem(d);
  return problem === null ? [] : [`${field}/${problem}`];
}

/** The rates of one phase, in the order the faults are drawn. */
export function phaseRates(phase: FaultPhase): number[] {
  return [
    phase.unauthorized?.rate ?? 0,
    ...(phase.http ?? []).map((h) => h.rate),
    phase.partialCommit?.rate ?? 0,
    phase.lostAck?.rate ?? 0,
    phase.slowResponse?.rate ?? 0,
    phase.truncatedBody?.rate ?? 0,
  ];
}

function faultPlanProblems(plan: FaultPlan, root: string): string[] {
  const problems: string[] = [];
  plan.phases.forEach((phase, index) => {
    const field = `${root}/phases/${index}`;
    const previous = plan.phases[index - 1];
    if (previous && phase.atMs < previous.atMs) {
      problems.push(
        `${field}/atMs ${phase.atMs} must be >= the previous phase's ${previous.atMs} (phases are a timeline)`,
      );
    }
    const total = phaseRates(phase).reduce((sum, rate) => sum + rate, 0);
    // One draw picks at most one fault per request, so the rates share the unit interval.
    if (total > 1 + 1e-9)
      problems.push(`${field} fault rates add up to ${total}; they must add up to at most 1`);
    if (phase.slowResponse)
      problems.push(...distributionProblems(phase.slowResponse.delayMs, `${field}/slowResponse/delayMs`));
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Validation entry points

export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: string[] };

/** Validates a fault plan (from a file, a PUT or a scenario). `root` names it in the messages. */
export function validateFaultPlan(input: unknown, root = 'faults'): Validated<FaultPlan> {
  if (!Value.Check(FaultPlanSchema, input)) {
    return {
      ok: false,
      errors: [firstSchemaProblem(FaultPlanSchema, input, root)?.message ?? `${root} is not valid`],
    };
  }
  const plan = input;
  const problems = faultPlanProblems(plan, root);
  return problems.length > 0 ? { ok: false, errors: problems } : { ok: true, value: plan };
}

/** Validates the content of a faults JSON file (`serve --faults FILE.json`). */
export function validateFaultsFile(text: string, source = 'faults'): Validated<FaultPlan> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      errors: [`${source} is not valid JSON: ${jsonErrorOf(error)}`],
    };
  }
  return validateFaultPlan(json, source);
}

export function parseFaultPlan(input: unknown, source = 'faults'): FaultPlan {
  const result = validateFaultPlan(input, source);
  if (!result.ok) throw new InvalidFaultPlanError(source, result.errors);
  return result.value;
}

/** Validates the options and fills in every default. */
export function validateBackendOptions(input: unknown, root = 'backend'): Validated<BackendOptions> {
  const given = input ?? {};
  if (!Value.Check(BackendOptionsSchema, given)) {
    return {
      ok: false,
      errors: [firstSchemaProblem(BackendOptionsSchema, given, root)?.message ?? `${root} is not valid`],
    };
  }
  const capacity = resolveCapacity(given.capacity);
  const faults = given.faults ?? NO_FAULTS;
  const problems = [
    ...distributionProblems(capacity.requestTime, `${root}/capacity/requestTime`),
    ...distributionProblems(capacity.rowTime, `${root}/capacity/rowTime`),
    ...faultPlanProblems(faults, `${root}/faults`),
  ];
  if (problems.length > 0) return { ok: false, errors: problems };
  return {
    ok: true,
    value: {
      seed: given.seed ?? 0,
      path: given.path ?? DEFAULT_BATCH_SYNC_PATH,
      storage: resolveStorage(given.storage),
      limits: {
        bodyBytes: given.limits?.bodyBytes ?? DEFAULT_BODY_LIMIT,
        maxRows: given.limits?.maxRows ?? null,
      },
      rowChecks: given.rowChecks ?? true,
      capacity,
      faults,
      token: given.token ?? null,
      admin: given.admin ?? false,
      logLevel: given.logLevel ?? 'silent',
    },
  };
}

export function resolveBackendOptions(input: unknown): BackendOptions {
  const result = validateBackendOptions(input);
  if (!result.ok) throw new InvalidOptionsError(result.errors);
  return result.value;
}
