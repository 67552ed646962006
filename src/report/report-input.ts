/**
 * What every renderer takes. A SimulationResult is one; so is what `merge` builds from shards (a summary and
 * a merged metrics snapshot, without a check: the examples and traces stay in the shards' own reports).
 */
import type { CheckResult, Invariants, Violation, ViolationKind } from '../sim/checker-types.ts';
import { INVARIANT_KINDS, VIOLATION_KINDS } from '../sim/checker-types.ts';
import type { Percentiles } from '../sim/histogram.ts';
import type { MetricsSnapshot } from '../sim/metrics.ts';
import type { Summary } from '../sim/summary.ts';
import { formatMs } from './format.ts';

export interface ReportInput {
  readonly summary: Summary;
  readonly metrics: MetricsSnapshot;
  /** The checker's result with its examples; absent for a merged result. */
  readonly check?: CheckResult | null;
  readonly harnessErrors?: readonly { readonly deviceId: string; readonly error: string }[];
  /** For a merged result: the shards' run folders, named where the examples would be. */
  readonly shards?: readonly string[];
}

export const INVARIANT_MEANING: Readonly<Record<ViolationKind, string>> = {
  lost: 'a device sale the server never stored',
  duplicated: 'a device sale stored more than once',
  phantom: 'a server row that no device created',
  mismatched: 'stored content differs from the device’s (totals, items)',
  stuck: 'not synced on the device after the heal phase',
  collided: 'two different sales that share one offline_reference',
  unsound: 'the device says synced but the server lacks the row',
  rejected: 'refused by the server, failed on the device with a reason (reported, not a violation)',
};

export interface InvariantRow {
  readonly kind: ViolationKind;
  /** null: not checked (server ledger not read). */
  readonly count: number | null;
  /** true when checked and 0; rejected rows are always ok (a business outcome). */
  readonly ok: boolean;
  readonly meaning: string;
}

/** Every kind the summary counts, violations first, `rejected` last. */
export function invariantRows(invariants: Invariants): InvariantRow[] {
  const rows: InvariantRow[] = INVARIANT_KINDS.map((kind) => {
    const count = invariants[kind];
    return { kind, count, ok: count === null || count === 0, meaning: INVARIANT_MEANING[kind] };
  });
  rows.push({ kind: 'rejected', count: invariants.rejected, ok: true, meaning: INVARIANT_MEANING.rejected });
  return rows;
}

/** Every example the checker kept, kind by kind in VIOLATION_KINDS order; empty without a check. */
export function allViolations(check: CheckResult | null | undefined): Violation[] {
  if (!check) return [];
  return VIOLATION_KINDS.flatMap((kind) => check.examples[kind] ?? []);
}

/** Where the examples of a merged result are; null when there is none to see (every invariant checked, 0). */
export function noCheckNote(input: ReportInput): string | null {
  const { invariants } = input.summary;
  if (invariants.checked && INVARIANT_KINDS.every((kind) => invariants[kind] === 0)) return null;
  const shards = input.shards ?? [];
  return shards.length === 0
    ? 'Examples and traces are not part of a merged result: see the shards’ reports.'
    : `Examples and traces are not part of a merged result: see the shards’ reports (${shards.join(', ')}).`;
}

export interface Outcome {
  readonly label: string;
  readonly count: number;
  readonly kind: 'ok' | 'error' | 'skip';
}

/** Request outcomes: each HTTP status (numeric order), then timeouts, resets, protocol errors, offline skips. */
export function outcomes(summary: Summary): Outcome[] {
  const requests = summary.requests;
  const byStatus = Object.keys(requests.byStatus)
    .sort((a, b) => Number(a) - Number(b))
    .map((status): Outcome => {
      const code = Number(status);
      return {
        label: `HTTP ${status}`,
        count: requests.byStatus[status] ?? 0,
        kind: code >= 200 && code < 300 ? 'ok' : 'error',
      };
    });
  return [
    ...byStatus,
    { label: 'timeouts', count: requests.timeouts, kind: 'error' },
    { label: 'resets', count: requests.resets, kind: 'error' },
    { label: 'protocol errors', count: requests.protocolErrors, kind: 'error' },
    { label: 'offline skips', count: requests.offlineSkips, kind: 'skip' },
  ];
}

/** The command that replays the run from its summary. */
export function replayCommand(dir: string): string {
  const path = `${dir.replace(/\/+$/, '')}/summary.json`;
  // Quote only when the shell would split or expand the path.
  return /^[\w@%+=:,./-]+$/.test(path)
    ? `syncsim replay ${path}`
    : `syncsim replay '${path.replace(/'/g, `'\\''`)}'`;
}

/** The latency table of every report. */
export function latencyRows(summary: Summary): [string, Percentiles][] {
  const { latency } = summary;
  return [
    ['request', latency.requestMs],
    ['time-to-sync, all sales', latency.timeToSyncMs],
    ['time-to-sync, sold online', latency.timeToSyncOnlineMs],
    ['time-to-sync, sold offline', latency.timeToSyncOfflineMs],
  ];
}

const percent = (value: number | null): string => (value === null ? 'no data' : `${value}%`);

/** The generator's own figures in one line, for real-time runs (virtual time has none); null otherwise. */
export function generatorLine(summary: Summary): string | null {
  if (summary.mode !== 'realtime') return null;
  const { busyPercent, lagMs } = summary.generator;
  return (
    `busy p50 ${percent(busyPercent.p50)}, p99 ${percent(busyPercent.p99)} of a wall second; ` +
    `timer lag p50 ${formatMs(lagMs.p50)}, p99 ${formatMs(lagMs.p99)}`
  );
}

/**
 * Where the generator stops keeping up, at p99 (what it had for 1% of the run). On this 2-core machine, steady-day
 * at speed 600 with the fake backend in-process: 50-500 devices, busy p99 11-40%, lag p99 2-3 ms; 2,000 devices,
 * 100% busy in the lunch rush (lag p99 19 ms); 2,000 at speed 2,000, 100% busy, lag p99 70-150 ms, and
 * thousands of sales stuck for want of time, not for a flaw of the design under test.
 */
export const GENERATOR_LINES = { busyPercent: 90, lagMs: 50 } as const;

/**
 * A target that refused every request it answered (401 or 403, none accepted): its token is missing or wrong.
 * Only the ledger probe can ask that before a run, so without --ledger the run itself is where it shows.
 */
export function refusedWarning(summary: Summary): string | null {
  const { byStatus, ok } = summary.requests;
  const refused = (byStatus['401'] ?? 0) + (byStatus['403'] ?? 0);
  if (ok > 0 || refused === 0) return null;
  const answered = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
  if (refused !== answered) return null;
  return 'The target refused every request it answered (401/403): it wants a bearer token (--token-env NAME, a variable that holds it), or refused the one given.';
}

/**
 * What to tell the user when the load generator could not keep the scenario's schedule, a sentence per line
 * (the terminal prints them as lines, the documents as one paragraph); null when it kept up.
 */
export function generatorWarning(summary: Summary): readonly string[] | null {
  if (summary.mode !== 'realtime') return null;
  const busy = summary.generator.busyPercent.p99;
  const lag = summary.generator.lagMs.p99;
  const signs: string[] = [];
  if (busy !== null && busy >= GENERATOR_LINES.busyPercent)
    signs.push(`was ${busy}% busy or more (line ${GENERATOR_LINES.busyPercent}%)`);
  if (lag !== null && lag > GENERATOR_LINES.lagMs)
    signs.push(`ran its timers ${formatMs(lag)} late or more (line ${GENERATOR_LINES.lagMs} ms)`);
  if (signs.length === 0) return null;
  return [
    `The load generator fell behind: for 1% of the run its thread ${signs.join(', and ')}.`,
    'Its requests went out later than the scenario asked, its latencies include waiting in syncsim,',
    'and its heal phase may have ended before the fleet caught up: this run measured syncsim as much as the backend.',
    'Spread the devices over more processes (--workers, --shard) or lower --speed.',
  ];
}
