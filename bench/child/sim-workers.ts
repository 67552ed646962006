/**
 * Benchmark 1, the fleet on both cores: the run of sim-run.ts as `syncsim run --workers N` makes it, N shard
 * threads of this process (each a `syncsim run --shard i/N` with its own in-process backend) merged into one
 * result. Wall time is the whole runWorkers call: starting the threads (each loads syncsim), the shards' runs
 * and reports, the merge and the merged reports. Peak RSS is this process: every thread in it.
 *
 *   node bin/run-typescript.js bench/child/sim-workers.ts --scenario steady-day --devices 1000 --duration 8h --seed 1 --workers 2 --out DIR
 */
import { join } from 'node:path';
import type { Console } from '../../src/cli/console.ts';
import { runWorkers } from '../../src/cli/run-workers.ts';
import { numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { simCounts, simFigures } from '../lib/sim-counts.ts';
import { loadBenchScenario, SCENARIO_FLAGS } from '../lib/sim-scenario.ts';

const flags = readFlags([...SCENARIO_FLAGS, 'workers', 'out']);
const { seed, scenario } = await loadBenchScenario(flags);
// stdout carries the result line only: what the run says goes to stderr.
const toStderr = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
const console: Console = { out: toStderr, err: toStderr, interactive: false };

const baseRssKb = peakRssKb();
const start = performance.now();
const finished = await runWorkers({
  scenario,
  seed,
  workers: numberFlag(flags, 'workers'),
  outDir: stringFlag(flags, 'out'),
  realtime: null,
  progress: false,
  console,
  signal: new AbortController().signal,
  env: process.env,
  // The bench starts its children in the repository's root; the shards run syncsim as its users do.
  shardEntry: join(process.cwd(), 'bin', 'syncsim.js'),
});
const wallMs = performance.now() - start;
if (finished === null) throw new Error('the shards were interrupted');
emitResult({ wallMs, baseRssKb, counts: simCounts(finished.summary), figures: simFigures(finished.summary) });
