/**
 * `syncsim merge <folder...>`: the shards of one run (`run --shard i/N`) combined exactly: histograms added,
 * counters and invariants summed, thresholds evaluated again on the whole.
 */

import { resolve } from 'node:path';
import { Command } from 'commander';
import { renderTerminal } from '../report/index.ts';
import type { CommandContext } from './context.ts';
import { ERR_MERGE } from './errors.ts';
import { reportsNotWritten, writeRunReports } from './execute-run.ts';
import { EXIT_CODES_HELP, runExitCode } from './exit-codes.ts';
import * as flags from './flags.ts';
import { mergeShardFolders } from './merge-shards.ts';
import { defaultRunFolder, prepareRunFolder } from './run-folder.ts';

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
      const { summary: merged, metrics, shards } = mergeShardFolders(folders);
      const outDir =
        flags.outFolder(options.out) ?? defaultRunFolder(merged.scenario, merged.seed, new Date(), '-merged');
      // Its earlier outputs are removed: a shard's own folder would lose its report.
      if (shards.some((shard) => resolve(shard) === resolve(outDir)))
        throw new ERR_MERGE(`--out ${outDir} is one of the shards' folders: write the merged run elsewhere`);
      prepareRunFolder(outDir);
      const { files, reportProblem } = writeRunReports({ summary: merged, metrics, shards }, outDir);
      if (options.json) context.console.out(JSON.stringify(merged, null, 2));
      const print = options.json ? context.console.err : context.console.out;
      print(renderTerminal({ summary: merged, metrics }));
      if (reportProblem === null)
        print(`merged ${shards.length} shards into ${outDir}/ (${files.length} files)`);
      else context.console.err(reportsNotWritten(reportProblem));
      // An interrupted shard makes a partial whole: exit as the interrupted run did, not as a failed one.
      context.setExitCode(runExitCode(merged, reportProblem));
    });
}
