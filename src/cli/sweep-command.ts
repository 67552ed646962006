/**
 * `syncsim sweep <scenario> --devices 50,100,200,400`: the capacity curve. The same scenario and seed at each
 * fleet size; per size the throughput, p99 request latency, p99 time-to-sync and error rate, and the first
 * size at which a threshold breaks. With `--workers N` each size runs as `run --workers N` runs it.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderSweepHtml, renderSweepTable, type SweepRow, sweepRow } from '../report/sweep.ts';
import { loadScenario } from '../scenarios/loader.ts';
import type { CommandContext } from './context.ts';
import { ERR_FLAG } from './errors.ts';
import { executeRun } from './execute-run.ts';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import * as flags from './flags.ts';
import {
  addRunFlags,
  checkSetConflicts,
  flagAssignments,
  maxOpenDevicesOf,
  type RunFlags,
  realtimeOf,
  workersOf,
} from './run-command.ts';
import { defaultRunFolder, makeFolder, pickSeed } from './run-folder.ts';
import { runWorkers, workersNotes } from './run-workers.ts';

export function parseSizes(text: string): number[] {
  const sizes = new Set(
    text.split(',').map((part) => flags.positiveInteger('--devices', part.trim(), 100_000)),
  );
  if (sizes.size < 2)
    throw new ERR_FLAG('--devices', 'a sweep needs at least two different sizes, e.g. 50,100,200,400');
  return [...sizes].sort((a, b) => a - b);
}

export function sweepCommand(context: CommandContext): Command {
  const command = new Command('sweep')
    .description('Run a scenario at several fleet sizes and draw the capacity curve')
    .argument('<scenario>', 'built-in scenario name or file');
  addRunFlags(command, 'sweep')
    .addHelpText(
      'after',
      `
--devices takes a comma-separated list of sizes here. Every other run flag applies to each size.
Examples:
  syncsim sweep capacity-ramp --devices 50,100,200,400
  syncsim sweep steady-day --devices 100,200,400,800 --duration 2h --policy hardened
  syncsim sweep steady-day --devices 500,1000,2000 --workers 2   # each size on both cores
  syncsim sweep steady-day --devices 20,40,80 --target https://staging.example.com --token-env STAGING_TOKEN --speed 60
The curve (sweep.html, sweep.json) and each size's reports go to the sweep folder; the exit code is 1 when a
size breaks a threshold, so a CI gate can require that the planned fleet size passes.
${EXIT_CODES_HELP}`,
    )
    .action(async (name: string, options: RunFlags) => {
      if (options.devices === undefined)
        throw new ERR_FLAG('--devices', 'required: the sizes to sweep, e.g. --devices 50,100,200,400');
      const sizes = parseSizes(options.devices);
      const { devices: _devices, ...rest } = options;
      // --devices is checked against the --set fields here too: each size's devices.count comes last and wins.
      checkSetConflicts(options);
      const base = [...flagAssignments(rest), ...(options.set ?? [])];
      const realtime = realtimeOf(options);
      const workers = workersOf(options, sizes[0] as number);
      const maxOpenDevices = maxOpenDevicesOf(options);
      const seed = options.seed === undefined ? pickSeed() : flags.seed(options.seed);
      const print = options.json ? context.console.err : context.console.out;
      const signal = context.trapInterrupts();
      print(`seed ${seed}${options.seed === undefined ? ` (picked; replay with --seed ${seed})` : ''}`);
      const first = await loadScenario(name, base);
      const outDir =
        flags.outFolder(options.out) ?? defaultRunFolder(first.scenario.name, seed, new Date(), '-sweep');
      makeFolder(outDir);
      if (workers > 1) for (const note of workersNotes(first.scenario, workers)) context.console.err(note);
      const rows: SweepRow[] = [];
      for (const size of sizes) {
        if (signal.aborted) break;
        const { scenario } = await loadScenario(name, [...base, `devices.count=${size}`]);
        print(`sweep: ${size} devices${workers > 1 ? `, ${workers} workers` : ''}`);
        const run = {
          scenario,
          seed,
          outDir: join(outDir, `devices-${size}`),
          progress: options.progress,
          console: context.console,
          signal,
          env: context.env,
          maxOpenDevices,
        };
        const outcome =
          workers > 1
            ? await runWorkers({ ...run, workers, realtime })
            : await executeRun({ ...run, shard: null, realtime });
        // Null: stopped while the shards were starting, so there is nothing of this size to show.
        if (outcome === null) break;
        rows.push(sweepRow(outcome.summary));
      }
      writeFileSync(join(outDir, 'sweep.json'), `${JSON.stringify(rows, null, 2)}\n`);
      writeFileSync(join(outDir, 'sweep.html'), renderSweepHtml(first.scenario.name, seed, rows));
      if (options.json) context.console.out(JSON.stringify(rows, null, 2));
      print(renderSweepTable(rows));
      print(`sweep: ${outDir}/sweep.html (curve), sweep.json, and one run folder per size`);
      const interrupted = signal.aborted || rows.some((row) => row.interrupted);
      context.setExitCode(
        interrupted ? EXIT.interrupted : rows.every((row) => row.passed) ? EXIT.ok : EXIT.failed,
      );
    });
  return command;
}
