/**
 * Benchmarks 1 and 2, the measured side: one virtual-time run of a built-in scenario through runSimulation,
 * as `syncsim run` would do it (device files and server.sqlite in --out).
 *
 *   node bin/run-typescript.js bench/child/sim-run.ts --scenario steady-day --devices 1000 --duration 8h --seed 1 --out DIR
 *   (--policy seed|hardened overrides the scenario's preset)
 */

import { runSimulation } from '../../src/sim/runner.ts';
import { readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { simCounts, simFigures } from '../lib/sim-counts.ts';
import { loadBenchScenario, SCENARIO_FLAGS } from '../lib/sim-scenario.ts';

const flags = readFlags([...SCENARIO_FLAGS, 'out']);
const { name, seed, scenario } = await loadBenchScenario(flags);

const baseRssKb = peakRssKb();
const start = performance.now();
const { summary } = await runSimulation(scenario, { scenario: name, seed, outDir: stringFlag(flags, 'out') });
const wallMs = performance.now() - start;
emitResult({ wallMs, baseRssKb, counts: simCounts(summary), figures: simFigures(summary) });
