/**
 * summary.json: the one document other tools read (k6-style). Built by a pure function from what the run
 * measured and what the checker found; thresholds are evaluated on it by the scenario layer.
 */
import type { Invariants } from './checker-types.ts';
import type { Percentiles } from './histogram.ts';
import type { MetricsSummary } from './metrics-summary.ts';

export const SUMMARY_VERSION = 1;

export interface ThresholdResult {
  readonly expression: string;
  readonly ok: boolean;
  /** The value of the field the expression reads (null when absent or not checked). */
  readonly actual: number | boolean | string | null;
  /** Why it could not be evaluated, if it could not. */
  readonly error?: string;
}

/** What `syncsim replay` needs to run the same thing again: the scenario exactly as run, and how it ran. */
export interface ReplayInfo {
  /** The scenario after every --set and flag was applied (validated again on replay). */
  readonly scenario: unknown;
  readonly seed: string;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly realtime: { readonly speed: number } | null;
  /** Shards run at once, a thread each (`run --workers N`); absent: one process. */
  readonly workers?: number;
}

export interface Summary {
  readonly version: number;
  readonly scenario: string;
  readonly seed: string;
  readonly policy: string;
  /** Switches flipped on top of the preset. */
  readonly policyOverrides: Readonly<Record<string, unknown>>;
  readonly mode: 'virtual' | 'realtime';
  readonly devices: number;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly backend: string;
  /** Wall-clock seconds the run took: with `generator`, the fields that differ between two runs of one seed. */
  readonly wallSeconds: number;
  readonly simulatedSeconds: number;
  readonly interrupted: boolean;
  readonly heal: { readonly ran: boolean; readonly converged: boolean | null; readonly seconds: number };
  readonly sales: {
    readonly created: number;
    readonly synced: number;
    readonly pending: number;
    readonly syncing: number;
    readonly failed: number;
    /** Sales the device could not record (createTransaction threw, e.g. a reference collision). */
    readonly notRecorded: number;
    /** Sales that arrived while the app was down after a crash. */
    readonly whileDown: number;
  };
  readonly requests: MetricsSummary['requests'];
  readonly latency: MetricsSummary['latency'];
  readonly batches: { readonly rows: Percentiles; readonly bytes: Percentiles };
  readonly generator: MetricsSummary['generator'];
  readonly server: {
    readonly duplicatesReported: number;
    readonly rowsRejected: number;
    readonly ledgerRows: number | null;
  };
  readonly crashes: number;
  readonly invariants: Invariants & { readonly matchedBy: string | null };
  /** Errors the harness did not expect (a bug in syncsim or in the core): should always be 0. */
  readonly harnessErrors: number;
  readonly thresholds: readonly ThresholdResult[];
  readonly passed: boolean;
  /** Set by the CLI: enough to run this again exactly. */
  readonly replay?: ReplayInfo;
}

export interface SummaryInput {
  readonly scenario: string;
  readonly seed: string;
  readonly policy: string;
  readonly policyOverrides: Readonly<Record<string, unknown>>;
  readonly mode: 'virtual' | 'realtime';
  readonly devices: number;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly backend: string;
  readonly wallSeconds: number;
  readonly simulatedMs: number;
  readonly interrupted: boolean;
  readonly heal: { readonly ran: boolean; readonly converged: boolean | null; readonly ms: number };
  readonly metrics: MetricsSummary;
  readonly check: {
    readonly invariants: Invariants;
    readonly matchedBy: string | null;
    readonly sales: number;
    readonly salesByStatus: Readonly<Record<'pending' | 'syncing' | 'synced' | 'failed', number>>;
    readonly ledgerRows: number | null;
    readonly localFailures: number;
  };
  readonly salesWhileDown: number;
  readonly harnessErrors: number;
}

export function buildSummary(input: SummaryInput): Summary {
  const { metrics, check } = input;
  return {
    version: SUMMARY_VERSION,
    scenario: input.scenario,
    seed: input.seed,
    policy: input.policy,
    policyOverrides: input.policyOverrides,
    mode: input.mode,
    devices: input.devices,
    shard: input.shard,
    backend: input.backend,
    wallSeconds: Math.round(input.wallSeconds * 1000) / 1000,
    simulatedSeconds: Math.round(input.simulatedMs) / 1000,
    interrupted: input.interrupted,
    heal: { ran: input.heal.ran, converged: input.heal.converged, seconds: Math.round(input.heal.ms) / 1000 },
    sales: {
      created: check.sales,
      synced: check.salesByStatus.synced,
      pending: check.salesByStatus.pending,
      syncing: check.salesByStatus.syncing,
      failed: check.salesByStatus.failed,
      notRecorded: check.localFailures,
      whileDown: input.salesWhileDown,
    },
    requests: metrics.requests,
    latency: metrics.latency,
    batches: metrics.batches,
    generator: metrics.generator,
    server: {
      duplicatesReported: metrics.duplicates,
      rowsRejected: metrics.rejectedRows,
      ledgerRows: check.ledgerRows,
    },
    crashes: metrics.crashes,
    invariants: { ...check.invariants, matchedBy: check.matchedBy },
    harnessErrors: input.harnessErrors,
    thresholds: [],
    passed: true,
  };
}

/**
 * The summary without its wall-clock fields (the wall time zeroed, the generator's samples left out): two runs of
 * one seed in virtual time must be equal on this, and a summary written before the lag was measured still is.
 */
export function deterministicPart(summary: Summary): Omit<Summary, 'generator'> {
  const { generator: _wallClock, ...rest } = summary;
  return { ...rest, wallSeconds: 0 };
}

const NO_PERCENTILES: Percentiles = { count: 0, p50: null, p90: null, p99: null, max: null };

/** A summary of nothing, with every field present: the set of fields thresholds may name. */
export function templateSummary(): Summary {
  return buildSummary({
    scenario: '',
    seed: '',
    policy: 'seed',
    policyOverrides: {},
    mode: 'virtual',
    devices: 0,
    shard: null,
    backend: '',
    wallSeconds: 0,
    simulatedMs: 0,
    interrupted: false,
    heal: { ran: false, converged: null, ms: 0 },
    metrics: {
      requests: {
        total: 0,
        ok: 0,
        errorRate: null,
        byStatus: {},
        timeouts: 0,
        resets: 0,
        protocolErrors: 0,
        offlineSkips: 0,
      },
      latency: {
        requestMs: NO_PERCENTILES,
        timeToSyncMs: NO_PERCENTILES,
        timeToSyncOnlineMs: NO_PERCENTILES,
        timeToSyncOfflineMs: NO_PERCENTILES,
      },
      batches: { rows: NO_PERCENTILES, bytes: NO_PERCENTILES },
      generator: { lagMs: NO_PERCENTILES, busyPercent: NO_PERCENTILES },
      duplicates: 0,
      rejectedRows: 0,
      salesCreated: 0,
      salesSynced: 0,
      crashes: 0,
      localFailures: 0,
    },
    check: {
      invariants: {
        checked: false,
        lost: null,
        duplicated: null,
        phantom: null,
        mismatched: null,
        unsound: null,
        stuck: 0,
        collided: 0,
        rejected: 0,
      },
      matchedBy: null,
      sales: 0,
      salesByStatus: { pending: 0, syncing: 0, synced: 0, failed: 0 },
      ledgerRows: null,
      localFailures: 0,
    },
    salesWhileDown: 0,
    harnessErrors: 0,
  });
}
