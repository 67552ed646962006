/**
 * `syncsim replay <summary.json>`: the same run again, from what the summary recorded (the scenario exactly as
 * it ran, the seed, the shard, the mode), then a comparison: in virtual time the new summary must equal the old
 * one but for the wall-clock fields.
 */
import { Command } from 'commander';
import { validateScenario } from '../scenarios/validate.ts';
import { deterministicPart } from '../sim/summary.ts';
import type { CommandContext } from './context.ts';
import { ERR_REPLAY } from './errors.ts';
import { executeRun, type FinishedRun } from './execute-run.ts';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import * as flags from './flags.ts';
import { differences } from './json-differences.ts';
import { readSummary, replayInfoOf } from './read-run.ts';
import { reportOutcome } from './run-command.ts';
import { defaultRunFolder } from './run-folder.ts';
import { runWorkers } from './run-workers.ts';

export function replayCommand(context: CommandContext): Command {
  return new Command('replay')
    .description('Run a recorded run again, exactly, and check that it gives the same summary')
    .argument('<summary>', 'a run folder or its summary.json')
    .option('--out <dir>', 'run folder for the replay (default: reports/<scenario>-<seed>-replay-<time>/)')
    .option('--no-progress', 'no progress display')
    .option('--json', 'print the new summary.json to stdout')
    .addHelpText(
      'after',
      `
Examples:
  syncsim replay reports/lost-ack-42-20261125-101500
  syncsim replay reports/lost-ack-42-20261125-101500/summary.json --out /tmp/replay
In virtual time the replay must match its original exactly (wall-clock fields aside); a difference exits 4.
Identical, it exits as the original did (1 when the original failed a threshold).
Real-time runs replay the same scenario and seed, but latencies are measured, so they are not compared.
${EXIT_CODES_HELP}`,
    )
    .action(async (path: string, options: { out?: string; progress: boolean; json?: boolean }) => {
      const { file, summary: original } = readSummary(path);
      const replay = replayInfoOf(original, file);
      const scenario = validateScenario(replay.scenario, `${file} (replay.scenario)`);
      const devices = scenario.devices.count;
      if ((replay.shard?.count ?? 1) > devices || (replay.workers ?? 1) > devices)
        throw new ERR_REPLAY(file, `replay splits ${devices} device(s) into more shards than devices`);
      const print = options.json ? context.console.err : context.console.out;
      print(`seed ${replay.seed}`);
      print(`replaying ${scenario.name} from ${file}`);
      const outDir =
        flags.outFolder(options.out) ?? defaultRunFolder(scenario.name, replay.seed, new Date(), '-replay');
      const signal = context.trapInterrupts();
      const workers = replay.workers ?? 1;
      let finished: FinishedRun;
      if (workers > 1) {
        print(`${workers} workers, as the original ran`);
        const merged = await runWorkers({
          scenario,
          seed: replay.seed,
          workers,
          realtime: replay.realtime,
          outDir,
          progress: options.progress,
          console: context.console,
          signal,
          env: context.env,
        });
        if (merged === null) {
          context.setExitCode(EXIT.interrupted);
          return;
        }
        finished = merged;
      } else {
        finished = await executeRun({
          scenario,
          seed: replay.seed,
          outDir,
          shard: replay.shard,
          realtime: replay.realtime,
          progress: options.progress,
          console: context.console,
          signal,
          env: context.env,
        });
      }
      const code = reportOutcome(finished, outDir, options, context.console);
      if (code === EXIT.interrupted) {
        context.setExitCode(code);
        return;
      }
      if (replay.realtime !== null) {
        print('real-time run: replayed with the same scenario and seed; measured latencies are not compared');
        context.setExitCode(code);
        return;
      }
      const diff = differences(deterministicPart(original), deterministicPart(finished.summary));
      if (diff.length === 0) {
        print('replay: identical to the original (wall-clock fields aside)');
        context.setExitCode(code);
      } else {
        context.console.err(`replay: DIFFERS from the original:\n  ${diff.join('\n  ')}`);
        context.setExitCode(EXIT.differed);
      }
    });
}
