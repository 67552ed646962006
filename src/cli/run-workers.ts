/**
 * `syncsim run --workers N`: the fleet on N cores. The run's N shards (`--shard i/N`: the devices whose index
 * is i mod N) run at once, each a `syncsim run --shard i/N` in a worker thread of this process with its own
 * in-process backend, and are merged exactly as `syncsim merge` does. Every shard runs the scenario file this
 * process resolved (every flag and --set applied), so all of them run the same thing.
 *
 * Threads, not processes: the shards share one runtime (node itself, the native modules), ~100 MB less than
 * N processes at 1,000 devices (bench/PROFILING.md, seventh session). Each keeps its own heap, SQLite
 * connections and backend, and ends as a process would, with an exit code and its stderr.
 *
 * Each shard is deterministic and the merge is pure, so the same scenario, seed and N give the same summary.
 * In real time each shard is a load generator of its own: against a `--target`, N threads (N cores) send
 * to the one backend, and each checks its own devices' rows in the ledger.
 * Where the backend never queues (capacity to spare), N shards give what one process gives; where it does,
 * each shard queues on a backend of its own, like N backends of the configured size.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../scenarios/scenario.ts';
import type { Summary } from '../sim/summary.ts';
import { ERR_WORKER } from './errors.ts';
import { type FinishedRun, type RunRequest, type ShardThreadData, writeRunReports } from './execute-run.ts';
import { EXIT } from './exit-codes.ts';
import { mergeShardFolders } from './merge-shards.ts';
import { prepareRunFolder, SHARDS_FOLDER, shardFolder } from './run-folder.ts';

/** A run as executeRun takes it, less what shards cannot share (a shard, one log file). */
export interface WorkersRequest extends Omit<RunRequest, 'shard' | 'logFile'> {
  readonly workers: number;
  /**
   * The module a shard thread runs with its `run ...` arguments in process.argv; default: the syncsim this
   * process started from (bin/syncsim.js, which passes the interrupts posted to it on as signals).
   */
  readonly shardEntry?: string;
}

/**
 * What is said before a run with workers:
 * - when its fake backend has a bounded capacity, the one thing the shards do not reproduce (not said when
 *   the backend never queues, or is not the fake one);
 * - when there are more workers than cores: threads that share a core only add their start-up and memory.
 */
export function workersNotes(scenario: Scenario, workers: number, cores = availableParallelism()): string[] {
  const notes: string[] = [];
  const backend = scenario.backend;
  const capacity = backend?.kind === 'fake' ? backend.capacity : undefined;
  if (capacity?.workers !== undefined && capacity.workers !== null)
    notes.push(
      `note: each shard has its own backend with the scenario's capacity (${capacity.workers} workers): where it ` +
        `fills up (queueing, 429/503), ${workers} shards behave as ${workers} such backends and differ from one process; ` +
        'for capacity planning, run without --workers',
    );
  if (workers > cores)
    notes.push(
      `note: ${workers} workers on ${cores} cores: the shards share cores, so more of them than cores only add ` +
        'start-up time and memory (the result is the same)',
    );
  return notes;
}

/** What a shard thread left: its exit code, the end of what it wrote to stderr, and what it threw if it did. */
interface ShardExit {
  readonly index: number;
  readonly code: number;
  readonly stderr: string;
  /** An uncaught error ended the thread (with exit 1, which is not a failed threshold here). */
  readonly thrown: string | null;
}

const STDERR_TAIL_CHARS = 4_000;

/**
 * V8's young generation of each shard thread (semi-spaces of 4 MB; V8's default here is 48 MB). At 1,000
 * devices on two shards: ~50 MB less peak RSS for ~5% more wall time (bench/PROFILING.md, seventh session).
 */
const SHARD_YOUNG_GENERATION_MB = 12;

/** The `syncsim` the user started (bin/syncsim.js). */
function syncsimEntry(): string {
  const bin = process.argv[1];
  if (bin === undefined) throw new ERR_WORKER('cannot tell which syncsim to start for the shards');
  return bin;
}

function startShard(request: WorkersRequest, index: number, scenarioFile: string, folder: string): Worker {
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
  const shard = new Worker(request.shardEntry ?? syncsimEntry(), {
    argv: shardArgs,
    // The shards share this process's open-files limit: each sizes its pool of device files to its part.
    workerData: { shardThreads: request.workers } satisfies ShardThreadData,
    env: { ...request.env },
    // The shard's stdout is its own run's summary, which the merge replaces: read and dropped.
    stdout: true,
    stderr: true,
    resourceLimits: { maxYoungGenerationSizeMb: SHARD_YOUNG_GENERATION_MB },
  });
  shard.stdout.resume();
  return shard;
}

/** Waits for a shard to end, keeping the end of its stderr and handing each whole line to `relay`. */
function waitForShard(
  shard: Worker,
  index: number,
  relay: ((line: string) => void) | null,
): Promise<ShardExit> {
  let stderr = '';
  let partial = '';
  shard.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    if (relay === null) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') relay(line);
  });
  let thrown: string | null = null;
  shard.on('error', (error) => {
    thrown = error.message;
  });
  // Everything the thread wrote has been delivered by the time it exits.
  return new Promise((resolve) => {
    shard.on('exit', (code) => resolve({ index, code, stderr, thrown }));
  });
}

/** 0 and 1 are a finished run, 130 an interrupted one with its partial report: each left a summary. */
function leftResult(exit: ShardExit): boolean {
  if (exit.thrown !== null) return false;
  return exit.code === EXIT.ok || exit.code === EXIT.failed || exit.code === EXIT.interrupted;
}

function howItEnded(exit: ShardExit): string {
  return exit.thrown === null ? `exit ${exit.code}` : 'an uncaught error';
}

/**
 * Runs the shards and merges them. Null (having said why) when Ctrl-C stopped a shard before it had a result
 * (while it was starting): there is nothing whole to merge.
 */
export async function runWorkers(request: WorkersRequest): Promise<FinishedRun | null> {
  const { workers, outDir, console } = request;
  const shardsDir = join(outDir, SHARDS_FOLDER);
  prepareRunFolder(outDir);
  // A run folder holds one run: an earlier run's shards would be merged as this run's.
  rmSync(shardsDir, { recursive: true, force: true });
  mkdirSync(shardsDir);
  const scenarioFile = join(shardsDir, 'scenario.json');
  writeFileSync(scenarioFile, `${JSON.stringify(request.scenario, null, 2)}\n`);
  const folders = Array.from({ length: workers }, (_, index) => shardFolder(outDir, index));

  const started = performance.now(); // wall time for the progress lines only
  const shards = folders.map((folder, index) => startShard(request, index, scenarioFile, folder));
  // Threads get no signals: each shard is sent one SIGINT by name (a second would make it quit without its
  // partial report).
  const stopShards = (): void => {
    // A message to a shard that has ended goes nowhere.
    for (const shard of shards) shard.postMessage('SIGINT');
  };
  request.signal.addEventListener('abort', stopShards, { once: true });
  let exits: ShardExit[];
  try {
    exits = await Promise.all(
      shards.map(async (shard, index) => {
        const name = `shard ${index}/${workers}`;
        const relay = request.progress ? (line: string) => console.err(`${name}: ${line}`) : null;
        const exit = await waitForShard(shard, index, relay);
        if (request.progress) {
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          console.err(`${name}: done in ${seconds} s${leftResult(exit) ? '' : ` (${howItEnded(exit)})`}`);
        }
        return exit;
      }),
    );
  } finally {
    request.signal.removeEventListener('abort', stopShards);
    // This run is over: no shard outlives it (terminating one that has ended does nothing).
    await Promise.all(shards.map((shard) => shard.terminate()));
  }

  const failed = exits.find((exit) => !leftResult(exit));
  if (failed !== undefined && request.signal.aborted) {
    console.err(
      'interrupted while the shards were starting: no shard has a result, so there is no merged report',
    );
    return null;
  }
  if (failed !== undefined) {
    const said = [
      ...failed.stderr.trim().split('\n').slice(-5),
      ...(failed.thrown === null ? [] : [failed.thrown]),
    ]
      .filter((line) => line !== '')
      .join('\n  ');
    throw new ERR_WORKER(
      `shard ${failed.index}/${workers} ended with ${howItEnded(failed)}` +
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
  return { summary, ...writeRunReports(report, outDir) };
}
