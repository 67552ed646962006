/**
 * One run as the CLI does it (for `run`, `replay` and `sweep`): opens the ledger source a target names, runs
 * the simulation with a progress display and Ctrl-C handling, evaluates the thresholds, records how to
 * replay it, and writes the reports.
 */
import { openSync } from 'node:fs';
import { dirname } from 'node:path';
import { workerData } from 'node:worker_threads';
import pino from 'pino';
import { messageOf } from '../core/errors.ts';
import type { Logger } from '../core/ports.ts';
import { ERR_REPORT_WRITE, type ReportInput, writeReports } from '../report/index.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { applyThresholds } from '../scenarios/thresholds.ts';
import { runSimulation, type SimulationResult } from '../sim/runner.ts';
import type { Summary } from '../sim/summary.ts';
import type { Console } from './console.ts';
import { ERR_FILE } from './errors.ts';
import { environmentHeaders, environmentToken } from './flags.ts';
import { createProgressDisplay } from './progress.ts';
import { makeFolder, prepareRunFolder } from './run-folder.ts';

export interface RunRequest {
  readonly scenario: Scenario;
  readonly seed: string;
  readonly outDir: string;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly realtime: { readonly speed: number } | null;
  readonly progress: boolean;
  readonly console: Console;
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly maxOpenDevices?: number;
  /** Where the devices' AppLog events go (pino NDJSON); none when absent. */
  readonly logFile?: string;
}

/** What a shard thread is told of the process it runs in. */
export interface ShardThreadData {
  readonly shardThreads: number;
}

/** In a shard thread of `--workers`: how many shards share this process; 1 anywhere else. */
export function shardThreadsOfProcess(data: unknown = workerData): number {
  const threads = (data as Partial<ShardThreadData> | null)?.shardThreads;
  return typeof threads === 'number' && Number.isInteger(threads) && threads >= 1 ? threads : 1;
}

/** What a finished run (one process, or the merged shards of `--workers`) has to show. */
export interface FinishedRun {
  readonly summary: Summary;
  readonly files: readonly string[];
  /** Why the reports could not be written (a full disk), or null: the result stands, and is printed. */
  readonly reportProblem: string | null;
  /** What the reports were rendered from: the run's result, or the merged summary and metrics. */
  readonly report: ReportInput;
}

/** What the terminal says when a finished run's reports could not be written. */
export function reportsNotWritten(problem: string): string {
  return `error: ${problem} (the result above is complete; its reports are not)`;
}

/** Writes a finished run's reports; a file that cannot be written is said, not thrown, so the result is shown. */
export function writeRunReports(
  report: ReportInput,
  dir: string,
): Pick<FinishedRun, 'files' | 'reportProblem' | 'report'> {
  try {
    return { files: writeReports(report, dir), reportProblem: null, report };
  } catch (error) {
    if (error instanceof ERR_REPORT_WRITE) return { files: [], reportProblem: error.message, report };
    throw error;
  }
}

/** A pino logger writing NDJSON to a file, and a close that flushes it. */
function openLog(file: string): { logger: Logger; close: () => Promise<void> } {
  // Opened here, not by pino: its own open is asynchronous, and a failure there (a folder, no permission)
  // would be an 'error' event with nobody listening, a crash in the middle of the run.
  makeFolder(dirname(file));
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (error) {
    throw new ERR_FILE(file, `cannot be written (--log): ${messageOf(error)}`, { cause: error });
  }
  const destination = pino.destination({ fd, sync: false });
  const logger = pino({ base: null, level: 'info' }, destination);
  return {
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        logger.flush(() => {
          destination.end();
          resolve();
        });
      }),
  };
}

export async function executeRun(request: RunRequest): Promise<FinishedRun> {
  const { scenario } = request;
  const target = scenario.backend?.kind === 'target' ? scenario.backend : null;
  const token = target === null ? undefined : environmentToken(target.tokenEnv, request.env);
  const secretHeaders = target === null ? undefined : environmentHeaders(target.headerEnv, request.env);
  prepareRunFolder(request.outDir);
  const log = request.logFile === undefined ? null : openLog(request.logFile);
  const display = createProgressDisplay(request.console, request.progress);
  let result: SimulationResult;
  try {
    result = await runSimulation(scenario, {
      scenario: scenario.name,
      seed: request.seed,
      outDir: request.outDir,
      shard: request.shard,
      realtime: request.realtime,
      token,
      secretHeaders,
      signal: request.signal,
      onProgress: (progress) => display.update(progress),
      maxOpenDevices: request.maxOpenDevices,
      fleetsInProcess: shardThreadsOfProcess(),
      logger: log?.logger,
      onWarning: (message) => request.console.err(`warning: ${message}`),
    });
  } finally {
    display.stop();
    await log?.close();
  }
  const summary: Summary = {
    ...applyThresholds(result.summary, scenario.thresholds ?? []),
    replay: { scenario, seed: request.seed, shard: request.shard, realtime: request.realtime },
  };
  const report = { ...result, summary };
  return { summary, ...writeRunReports(report, request.outDir) };
}
