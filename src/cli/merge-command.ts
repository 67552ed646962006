/**
 * `syncsim merge <folder...>`: the shards of one run (`run --shard i/N`) combined exactly: histograms added,
 * counters and invariants summed, thresholds evaluated again on the whole.
 */

import { dirname } from 'node:path';
import { Command } from 'commander';
import { renderTerminal, writeReports } from '../report/index.ts';
import { applyThresholds } from '../scenarios/thresholds.ts';
import { validateScenario } from '../scenarios/validate.ts';
import { mergeSummaries, shardIdentity } from '../sim/merge-summaries.ts';
import { mergeMetricsSnapshots } from '../sim/metrics-merge.ts';
import type { Summary } from '../sim/summary.ts';
import type { CommandContext } from './context.ts';
import { ERR_MERGE } from './errors.ts';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import { readMetrics, readSummary } from './read-run.ts';
import { defaultRunFolder } from './run-folder.ts';

/** Checks that the shards are the N distinct parts of one run; returns a message for the first problem. */
export function shardProblem(summaries: readonly Summary[]): string | null {
  const first = summaries[0];
  if (first === undefined) return 'no shards given';
  const identity = shardIdentity(first);
  for (const summary of summaries) {
    if (shardIdentity(summary) !== identity) {
      return `shards of different runs: ${first.scenario}/${first.seed}/${first.policy} and ${summary.scenario}/${summary.seed}/${summary.policy}`;
    }
    if (JSON.stringify(summary.replay?.scenario) !== JSON.stringify(first.replay?.scenario)) {
      return `shards ran different scenario settings (${summary.scenario}): merge only shards of one run`;
    }
  }
  const shards = summaries.map((s) => s.shard);
  if (shards.some((s) => s === null))
    return 'one of the folders is not a shard (it ran every device): nothing to merge it with';
  const count = shards[0]?.count ?? 0;
  if (shards.some((s) => s?.count !== count))
    return 'shards split the fleet differently (different N in --shard i/N)';
  const seen = new Set(shards.map((s) => s?.index));
  if (seen.size !== shards.length) return 'the same shard is given twice';
  if (seen.size !== count) {
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    return `missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`;
  }
  return null;
}

export function mergeCommand(context: CommandContext): Command {
  return new Command('merge')
    .description('Combine the shards of one run (run --shard i/N) into one result, exactly')
    .argument('<folders...>', 'the shards\u2019 run folders')
    .option(
      '--out <dir>',
      'folder for the merged reports (default: reports/<scenario>-<seed>-merged-<time>/)',
    )
    .option('--json', 'print the merged summary.json to stdout')
    .addHelpText(
      'after',
      `
Examples:
  syncsim run steady-day --devices 2000 --seed 7 --shard 0/2 --out reports/s0 &
  syncsim run steady-day --devices 2000 --seed 7 --shard 1/2 --out reports/s1 &
  wait; syncsim merge reports/s0 reports/s1 --out reports/merged
${EXIT_CODES_HELP}`,
    )
    .action((folders: string[], options: { out?: string; json?: boolean }) => {
      const shards = folders.map((folder) => readSummary(folder));
      const summaries = shards.map((s) => s.summary);
      const problem = shardProblem(summaries);
      if (problem !== null) throw new ERR_MERGE(problem);
      const metrics = mergeMetricsSnapshots(shards.map((s) => readMetrics(s.file)));
      const first = summaries[0] as Summary;
      const scenario =
        first.replay === undefined
          ? null
          : validateScenario(first.replay.scenario, `${shards[0]?.file} (replay.scenario)`);
      const merged: Summary = applyThresholds(mergeSummaries(summaries, metrics), scenario?.thresholds ?? []);
      const outDir = options.out ?? defaultRunFolder(first.scenario, first.seed, new Date(), '-merged');
      const files = writeReports(
        { summary: merged, metrics, shards: shards.map((s) => dirname(s.file)) },
        outDir,
      );
      if (options.json) context.console.out(JSON.stringify(merged, null, 2));
      const print = options.json ? context.console.err : context.console.out;
      print(renderTerminal({ summary: merged, metrics }));
      print(`merged ${shards.length} shards into ${outDir}/ (${files.length} files)`);
      context.setExitCode(merged.passed ? EXIT.ok : EXIT.failed);
    });
}
