/**
 * The sync policy: one switch per weakness of the spec's design (DESIGN.md section 1), and two presets.
 * `seed` is the spec exactly, bugs included; `hardened` turns every fix on. A user starts from either preset
 * and flips single switches (`--set policy.maxBatchSize=200`) to see which fix matters.
 */
import Type from 'typebox';

export type ReferenceFormat =
  /** `DEVICE_ID-<epoch ms>` (spec): collides for two sales in one millisecond or after the clock goes back. */
  | 'device-ms'
  /** `DEVICE_ID-<epoch ms>-<sequence>`: the sequence is persisted per device, so no two sales share one. */
  | 'device-ms-seq';

export type Concurrency =
  /** Spec: every trigger starts its own run; two runs can claim and send the same rows. */
  | 'unguarded'
  /** A plain busy flag: a trigger during a run is dropped, so a wake-up can be lost. */
  | 'busy-flag'
  /** One run at a time; a trigger during a run sets a "run again" flag, so no wake-up is lost. */
  | 'single-flight';

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Full jitter (a uniform draw in [0, delay]) spreads a fleet's retries; none retries in lock-step. */
  readonly jitter: 'full' | 'none';
}

export interface SyncPolicy {
  // Weakness 1: rows stranded in `syncing`.
  /** What a transport error does to the claimed rows: leave them `syncing` (spec) or put them back to `pending`. */
  readonly onTransportError: 'leave-syncing' | 'release';
  /** Claimed rows the response does not mention: leave them `syncing` (spec) or put them back to `pending`. */
  readonly onMissingResult: 'leave-syncing' | 'release';
  /** `syncing` rows claimed longer ago than this go back to `pending` at the next run; null never. */
  readonly syncingLeaseMs: number | null;
  /** At start-up, put every `syncing` row back to `pending` (nothing can be in flight in a fresh process). */
  readonly recoverSyncingOnStart: boolean;
  /** Retry after a failed run by itself, with this backoff; null waits for the next trigger. */
  readonly retryBackoff: Backoff | null;

  // Weakness 2: reference collisions.
  readonly referenceFormat: ReferenceFormat;
  /** Which clock the "last sync older than the TTL" check reads: the device's wall clock (spec) or a monotonic one. */
  readonly ttlClock: 'wall' | 'monotonic';

  // Weakness 3: one unbounded batch.
  /** Rows per request; null sends every pending row in one body (spec). Hardened runs drain in several batches. */
  readonly maxBatchSize: number | null;
  /** On 413, halve the batch and try again. */
  readonly shrinkBatchOn413: boolean;
  /** On a timeout, send half as many rows per request from the next run on, growing back by a tenth after each
   * answered request: a backend that takes longer per row than the timeout allows a full batch would otherwise
   * time out on the same batch for good. */
  readonly shrinkBatchOnTimeout: boolean;

  // Weakness 4: concurrent runs and lost wake-ups.
  readonly concurrency: Concurrency;
  /** Claim rows with one conditional UPDATE (only rows still `pending`) instead of one write per row (spec). */
  readonly atomicClaim: boolean;

  // Overload and rejected rows.
  /** Wait at least as long as a 429/503 Retry-After says before the next request. */
  readonly honourRetryAfter: boolean;
  /** When the server rejects a whole batch (400/422), split it until the rejected row is alone, mark that row
   * `failed` with the reason, and sync the rest. Without it the whole batch shares the fate of one bad row. A
   * row that is too large on its own (413 for a batch of one) is rejected the same way. */
  readonly isolateRejectedRows: boolean;

  // Triggers (not weaknesses; the same in both presets unless a scenario says otherwise).
  /** A connectivity change to online syncs if the last sync is older than this (spec: 2 minutes). */
  readonly syncTtlMs: number;
  /** A connectivity trigger that the TTL holds back runs when the TTL expires, instead of being dropped (spec):
   * otherwise rows sold offline wait for the next sale or the next reconnect. */
  readonly deferThrottledSync: boolean;
  /** After a sale made while online, sync at once (the POS posts its sale). */
  readonly syncAfterSale: boolean;
}

export type PolicyPreset = 'seed' | 'hardened';
export const POLICY_PRESETS: readonly PolicyPreset[] = ['seed', 'hardened'];

const TWO_MINUTES = 120_000;

export const SEED_POLICY: SyncPolicy = Object.freeze({
  onTransportError: 'leave-syncing',
  onMissingResult: 'leave-syncing',
  syncingLeaseMs: null,
  recoverSyncingOnStart: false,
  retryBackoff: null,
  referenceFormat: 'device-ms',
  ttlClock: 'wall',
  maxBatchSize: null,
  shrinkBatchOn413: false,
  shrinkBatchOnTimeout: false,
  concurrency: 'unguarded',
  atomicClaim: false,
  honourRetryAfter: false,
  isolateRejectedRows: false,
  syncTtlMs: TWO_MINUTES,
  deferThrottledSync: false,
  syncAfterSale: true,
});

export const HARDENED_POLICY: SyncPolicy = Object.freeze({
  onTransportError: 'release',
  onMissingResult: 'release',
  syncingLeaseMs: 5 * 60_000,
  recoverSyncingOnStart: true,
  retryBackoff: Object.freeze({ baseMs: 2_000, maxMs: 5 * 60_000, jitter: 'full' as const }),
  referenceFormat: 'device-ms-seq',
  ttlClock: 'monotonic',
  maxBatchSize: 100,
  shrinkBatchOn413: true,
  shrinkBatchOnTimeout: true,
  concurrency: 'single-flight',
  atomicClaim: true,
  honourRetryAfter: true,
  isolateRejectedRows: true,
  syncTtlMs: TWO_MINUTES,
  deferThrottledSync: true,
  syncAfterSale: true,
});

export function presetPolicy(preset: PolicyPreset): SyncPolicy {
  return preset === 'seed' ? SEED_POLICY : HARDENED_POLICY;
}

/** A preset with some switches flipped. */
export function resolvePolicy(preset: PolicyPreset, overrides: Partial<SyncPolicy> = {}): SyncPolicy {
  return Object.freeze({ ...presetPolicy(preset), ...overrides });
}

/**
 * The delay before retry number `attempt` (1-based): exponential from baseMs, capped at maxMs, with full
 * jitter drawn from `draw` in [0, 1). A Retry-After from the server is a floor when honoured.
 */
export function backoffDelay(
  backoff: Backoff,
  attempt: number,
  draw: number,
  retryAfterMs: number | null = null,
): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  const delay = backoff.jitter === 'full' ? Math.floor(exponential * draw) : exponential;
  return retryAfterMs === null ? delay : Math.max(delay, retryAfterMs);
}

const Ms = Type.Number({ minimum: 0 });

export const BackoffSchema = Type.Object(
  {
    baseMs: Type.Number({ exclusiveMinimum: 0 }),
    maxMs: Type.Number({ exclusiveMinimum: 0 }),
    jitter: Type.Union([Type.Literal('full'), Type.Literal('none')]),
  },
  { additionalProperties: false },
);

/** A preset and any switches to flip, as scenario files and `--set policy.<switch>=<value>` give them. */
export const PolicyConfigSchema = Type.Object(
  {
    preset: Type.Union([Type.Literal('seed'), Type.Literal('hardened')], { default: 'seed' }),
    onTransportError: Type.Optional(Type.Union([Type.Literal('leave-syncing'), Type.Literal('release')])),
    onMissingResult: Type.Optional(Type.Union([Type.Literal('leave-syncing'), Type.Literal('release')])),
    syncingLeaseMs: Type.Optional(Type.Union([Ms, Type.Null()])),
    recoverSyncingOnStart: Type.Optional(Type.Boolean()),
    retryBackoff: Type.Optional(Type.Union([BackoffSchema, Type.Null()])),
    referenceFormat: Type.Optional(Type.Union([Type.Literal('device-ms'), Type.Literal('device-ms-seq')])),
    ttlClock: Type.Optional(Type.Union([Type.Literal('wall'), Type.Literal('monotonic')])),
    maxBatchSize: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    shrinkBatchOn413: Type.Optional(Type.Boolean()),
    shrinkBatchOnTimeout: Type.Optional(Type.Boolean()),
    concurrency: Type.Optional(
      Type.Union([Type.Literal('unguarded'), Type.Literal('busy-flag'), Type.Literal('single-flight')]),
    ),
    atomicClaim: Type.Optional(Type.Boolean()),
    honourRetryAfter: Type.Optional(Type.Boolean()),
    isolateRejectedRows: Type.Optional(Type.Boolean()),
    syncTtlMs: Type.Optional(Ms),
    deferThrottledSync: Type.Optional(Type.Boolean()),
    syncAfterSale: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type PolicyConfig = Type.Static<typeof PolicyConfigSchema>;

/** The policy a config describes: its preset with its switches applied. */
export function policyFromConfig(config: PolicyConfig): SyncPolicy {
  const { preset = 'seed', ...switches } = config;
  const overrides: Partial<Record<keyof SyncPolicy, unknown>> = {};
  for (const [key, value] of Object.entries(switches))
    if (value !== undefined) overrides[key as keyof SyncPolicy] = value;
  return resolvePolicy(preset, overrides as Partial<SyncPolicy>);
}
