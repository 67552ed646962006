/**
 * The summary of a sharded run from its shards' summaries and their merged metrics. Pure. Counts add up
 * (each shard checked its own devices against the ledger, so the invariants add up too); percentiles come
 * from the merged histograms, so they equal the unsharded run's. A shard that could not check (null) makes
 * the merged invariant null: never report 0 for something not checked.
 */
import type { Invariants } from './checker-types.ts';
import type { MetricsSnapshot } from './metrics.ts';
import { summariseMetrics } from './metrics-summary.ts';
import type { Summary } from './summary.ts';

function addNullable(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

function mergeInvariants(
  list: readonly (Invariants & { matchedBy: string | null })[],
): Invariants & { matchedBy: string | null } {
  return list.slice(1).reduce(
    (sum, next) => ({
      checked: sum.checked && next.checked,
      lost: addNullable(sum.lost, next.lost),
      duplicated: addNullable(sum.duplicated, next.duplicated),
      phantom: addNullable(sum.phantom, next.phantom),
      mismatched: addNullable(sum.mismatched, next.mismatched),
      unsound: addNullable(sum.unsound, next.unsound),
      stuck: sum.stuck + next.stuck,
      collided: sum.collided + next.collided,
      rejected: sum.rejected + next.rejected,
      matchedBy: sum.matchedBy === next.matchedBy ? sum.matchedBy : null,
    }),
    list[0] as Invariants & { matchedBy: string | null },
  );
}

/** What must be equal across shards for their merge to mean the whole run, field by field. */
export function shardIdentity(summary: Summary): Record<string, unknown> {
  const { scenario, seed, policy, policyOverrides, mode, backend } = summary;
  return { scenario, seed, policy, policyOverrides, mode, backend: backend.replace(/ at http\S+/, '') };
}

export function mergeSummaries(shards: readonly Summary[], metrics: MetricsSnapshot): Summary {
  const first = shards[0];
  if (first === undefined) throw new RangeError('mergeSummaries needs at least one summary');
  const sum = (pick: (s: Summary) => number) => shards.reduce((total, s) => total + pick(s), 0);
  const max = (pick: (s: Summary) => number) => Math.max(...shards.map(pick));
  const measured = summariseMetrics(metrics);
  const healRan = shards.some((s) => s.heal.ran);
  const ledgerRows = shards.every((s) => s.server.ledgerRows !== null)
    ? sum((s) => s.server.ledgerRows ?? 0)
    : null;
  return {
    version: first.version,
    scenario: first.scenario,
    seed: first.seed,
    policy: first.policy,
    policyOverrides: first.policyOverrides,
    mode: first.mode,
    devices: sum((s) => s.devices),
    shard: null,
    backend: first.backend,
    wallSeconds: max((s) => s.wallSeconds),
    simulatedSeconds: max((s) => s.simulatedSeconds),
    interrupted: shards.some((s) => s.interrupted),
    heal: {
      ran: healRan,
      converged: mergedConvergence(shards.map((s) => s.heal.converged)),
      seconds: max((s) => s.heal.seconds),
    },
    sales: {
      created: sum((s) => s.sales.created),
      synced: sum((s) => s.sales.synced),
      pending: sum((s) => s.sales.pending),
      syncing: sum((s) => s.sales.syncing),
      failed: sum((s) => s.sales.failed),
      notRecorded: sum((s) => s.sales.notRecorded),
      whileDown: sum((s) => s.sales.whileDown),
    },
    requests: measured.requests,
    latency: measured.latency,
    batches: measured.batches,
    generator: measured.generator,
    server: {
      duplicatesReported: measured.duplicates,
      rowsRejected: measured.rejectedRows,
      ledgerRows,
    },
    crashes: measured.crashes,
    invariants: mergeInvariants(shards.map((s) => s.invariants)),
    harnessErrors: sum((s) => s.harnessErrors),
    thresholds: [],
    passed: true,
  };
}

/**
 * The whole fleet converged when every shard did, and did not when one shard's heal ran out; a shard with no
 * verdict (no heal phase, or one cut short by Ctrl-C) leaves the whole without one, not with a failure.
 */
export function mergedConvergence(verdicts: readonly (boolean | null)[]): boolean | null {
  if (verdicts.some((verdict) => verdict === false)) return false;
  if (verdicts.length > 0 && verdicts.every((verdict) => verdict === true)) return true;
  return null;
}
