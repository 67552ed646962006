/**
 * Benchmarks 1 and 2, the measured side: one virtual-time run of a built-in scenario through runSimulation,
 * as `syncsim run` would do it (device files and server.sqlite in --out).
 *
 *   node bin/run-typescript.js bench/child/sim-run.ts --scenario steady-day --devices 1000 --duration 8h --seed 1 --out DIR
 *   (--policy seed|hardened overrides the scenario's preset; --shard i/N runs the devices of one shard, as
 *   `syncsim run --shard i/N` does)
 */

import { shard as parseShard } from '../../src/cli/flags.ts';
import { runSimulation } from '../../src/sim/runner.ts';
import { readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { loadBenchScenario, SCENARIO_FLAGS } from '../lib/sim-scenario.ts';

const flags = readFlags([...SCENARIO_FLAGS, 'out', 'shard']);
const { name, seed, scenario } = await loadBenchScenario(flags);
const shard = flags.shard === undefined ? null : parseShard(flags.shard);

const baseRssKb = peakRssKb();
const start = performance.now();
const result = await runSimulation(scenario, {
  scenario: name,
  seed,
  outDir: stringFlag(flags, 'out'),
  shard,
});
const wallMs = performance.now() - start;
const { summary } = result;
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

emitResult({
  wallMs,
  baseRssKb,
  counts: {
    devices: summary.devices,
    sales: summary.sales.created,
    synced: summary.sales.synced,
    requests: summary.requests.total,
    requestsOk: summary.requests.ok,
    // Anything here but 0 means the run did not do the work it was meant to, and its time means little.
    violations,
    harnessErrors: summary.harnessErrors,
  },
  figures: {
    simulatedSeconds: summary.simulatedSeconds,
    healSeconds: summary.heal.seconds,
    rowsPerRequestP50: summary.batches.rows.p50,
  },
});
