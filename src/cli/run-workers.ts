/**
 * `syncsim run --workers N`: the fleet on N cores. The run's N shards (`--shard i/N`: the devices whose index
 * is i mod N) run at once, each in a `syncsim run` process of its own with its own in-process backend, and are
 * merged exactly as `syncsim merge` does. Every shard runs the scenario file this process resolved (every flag
 * and --set applied), so all of them run the same thing.
 *
 * Each shard is deterministic and the merge is pure, so the same scenario, seed and N give the same summary.
 * In real time each shard is a load generator of its own: against a `--target`, N processes (N cores) send
 * to the one backend, and each checks its own devices' rows in the ledger.
 * Where the backend never queues (capacity to spare), N shards give what one process gives; where it does,
 * each shard queues on a backend of its own, like N backends of the configured size.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReports } from '../report/index.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import type { Summary } from '../sim/summary.ts';
import { ERR_WORKER } from './errors.ts';
import type { FinishedRun, RunRequest } from './execute-run.ts';
import { EXIT } from './exit-codes.ts';
import { mergeShardFolders } from './merge-shards.ts';

/** A run as executeRun takes it, less what shards cannot share (a shard, one log file). */
export interface WorkersRequest extends Omit<RunRequest, 'shard' | 'logFile'> {
  readonly workers: number;
  /** The command a shard runs, before its `run ...` arguments; default: the syncsim this process is. */
  readonly syncsim?: SyncsimCommand;
}

/** How to start syncsim: the node binary and its arguments up to the command name. */
export interface SyncsimCommand {
  readonly node: string;
  readonly args: readonly string[];
}

/**
 * Said before a run with workers whose fake backend has a bounded capacity: the one thing the shards do not
 * reproduce. Null when the backend never queues (unbounded workers) or is not the fake one.
 */
export function capacityNote(scenario: Scenario, workers: number): string | null {
  const backend = scenario.backend;
  const capacity = backend?.kind === 'fake' ? backend.capacity : undefined;
  if (capacity?.workers === undefined || capacity.workers === null) return null;
  return (
    `note: each shard has its own backend with the scenario's capacity (${capacity.workers} workers): where it ` +
    `fills up (queueing, 429/503), ${workers} shards behave as ${workers} such backends and differ from one process; ` +
    'for capacity planning, run without --workers'
  );
}

/** What a shard process left: its exit code (null for a signal) and the end of what it wrote to stderr. */
interface ShardExit {
  readonly index: number;
  readonly code: number | null;
  readonly stderr: string;
}

const STDERR_TAIL_CHARS = 4_000;

/** The `syncsim` the user started (bin/syncsim.js), with the node flags it runs with. */
function syncsimCommand(): SyncsimCommand {
  const bin = process.argv[1];
  if (bin === undefined) throw new ERR_WORKER('cannot tell which syncsim to start for the shards');
  return { node: process.execPath, args: [...process.execArgv, bin] };
}

function startShard(
  request: WorkersRequest,
  index: number,
  scenarioFile: string,
  folder: string,
): ChildProcess {
  const { node, args } = request.syncsim ?? syncsimCommand();
  const shardArgs = [
    'run',
    scenarioFile,
    '--seed',
    request.seed,
    '--shard',
    `${index}/${request.workers}`,
    '--out',
    folder,
    // Not on a terminal, a shard's progress is a line every few seconds on stderr, which this process relays.
    ...(request.progress ? [] : ['--no-progress']),
    // The target, its token's variable, headers and ledger are in the scenario file; the speed is not.
    ...(request.realtime === null ? [] : ['--realtime', '--speed', String(request.realtime.speed)]),
    ...(request.maxOpenDevices === undefined ? [] : ['--max-open-devices', String(request.maxOpenDevices)]),
  ];
  // A process group of its own: Ctrl-C reaches this process only, which passes one SIGINT on to each shard
  // (a second SIGINT would make a shard quit without its partial report).
  return spawn(node, [...args, ...shardArgs], {
    env: { ...request.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
}

/** Waits for a shard to end, keeping the end of its stderr and handing each whole line to `relay`. */
function waitForShard(
  child: ChildProcess,
  index: number,
  relay: ((line: string) => void) | null,
): Promise<ShardExit> {
  let stderr = '';
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    if (relay === null) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') relay(line);
  });
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ index, code: EXIT.unavailable, stderr: error.message }));
    child.on('close', (code) => resolve({ index, code, stderr }));
  });
}

/** 0 and 1 are a finished run, 130 an interrupted one with its partial report: each left a summary. */
function leftResult(exit: ShardExit): boolean {
  return exit.code === EXIT.ok || exit.code === EXIT.failed || exit.code === EXIT.interrupted;
}

/**
 * Runs the shards and merges them. Null (having said why) when Ctrl-C stopped a shard before it had a result
 * (while it was starting): there is nothing whole to merge.
 */
export async function runWorkers(request: WorkersRequest): Promise<FinishedRun | null> {
  const { workers, outDir, console } = request;
  const shardsDir = join(outDir, 'shards');
  // A run folder holds one run: an earlier run's shards would be merged as this run's.
  rmSync(shardsDir, { recursive: true, force: true });
  mkdirSync(shardsDir, { recursive: true });
  const scenarioFile = join(shardsDir, 'scenario.json');
  writeFileSync(scenarioFile, `${JSON.stringify(request.scenario, null, 2)}\n`);
  const folders = Array.from({ length: workers }, (_, index) => join(shardsDir, `shard-${index}`));

  const started = performance.now(); // wall time for the progress lines only
  const children = folders.map((folder, index) => startShard(request, index, scenarioFile, folder));
  const stopShards = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  };
  request.signal.addEventListener('abort', stopShards, { once: true });
  let exits: ShardExit[];
  try {
    exits = await Promise.all(
      children.map(async (child, index) => {
        const name = `shard ${index}/${workers}`;
        const relay = request.progress ? (line: string) => console.err(`${name}: ${line}`) : null;
        const exit = await waitForShard(child, index, relay);
        if (request.progress) {
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          console.err(
            `${name}: done in ${seconds} s${leftResult(exit) ? '' : ` (exit ${exit.code ?? 'by a signal'})`}`,
          );
        }
        return exit;
      }),
    );
  } finally {
    request.signal.removeEventListener('abort', stopShards);
    // This process is leaving: no shard outlives it.
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  const failed = exits.find((exit) => !leftResult(exit));
  if (failed !== undefined && request.signal.aborted) {
    console.err(
      'interrupted while the shards were starting: no shard has a result, so there is no merged report',
    );
    return null;
  }
  if (failed !== undefined) {
    const said = failed.stderr.trim().split('\n').slice(-5).join('\n  ');
    throw new ERR_WORKER(
      `shard ${failed.index}/${workers} ended with ${failed.code === null ? 'a signal' : `exit ${failed.code}`}` +
        ` and no result (its run folder: ${folders[failed.index]})${said === '' ? '' : `:\n  ${said}`}`,
    );
  }
  const merged = mergeShardFolders(folders);
  const summary: Summary = {
    ...merged.summary,
    replay: {
      scenario: request.scenario,
      seed: request.seed,
      shard: null,
      realtime: request.realtime,
      workers,
    },
  };
  const report = { summary, metrics: merged.metrics, shards: merged.shards };
  return { summary, files: writeReports(report, outDir), report };
}
