/**
 * What a benchmark child reports of a simulation's summary (one process, or merged shards), so that a figure
 * can be checked against the work it measured.
 */
import type { Summary } from '../../src/sim/summary.ts';

export function simCounts(summary: Summary): Record<string, number> {
  const inv = summary.invariants;
  // The fake backend's ledger is always at hand, so every invariant is checked; null would mean it was not.
  const violations = [
    inv.lost,
    inv.duplicated,
    inv.phantom,
    inv.mismatched,
    inv.stuck,
    inv.collided,
    inv.unsound,
  ].reduce<number>((sum, count) => sum + (count ?? 1), 0);
  return {
    devices: summary.devices,
    sales: summary.sales.created,
    synced: summary.sales.synced,
    requests: summary.requests.total,
    requestsOk: summary.requests.ok,
    // Anything here but 0 means the run did not do the work it was meant to, and its time means little.
    violations,
    harnessErrors: summary.harnessErrors,
  };
}

export function simFigures(summary: Summary): Record<string, number | null> {
  return {
    simulatedSeconds: summary.simulatedSeconds,
    healSeconds: summary.heal.seconds,
    rowsPerRequestP50: summary.batches.rows.p50,
  };
}
