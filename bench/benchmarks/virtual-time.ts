/**
 * Benchmark 1: how fast virtual time runs. steady-day through runSimulation, next to its floor: the same
 * device SQLite writes and backend handler calls in a tight loop (bench/child/sim-floor.ts says how the
 * writes are derived). Targets from issue 6: at least 1,000x real time, at most 1.5x the floor, under 512 MB.
 */
import { parseDuration } from '../../src/sim/simulation-config.ts';
import { type ChildRun, commandLine } from '../lib/child-process.ts';
import type { ChildResult } from '../lib/child-result.ts';
import type { BenchContext } from '../lib/context.ts';
import { intervalAgainst, judge, type Section } from '../lib/report.ts';
import { fmt, fmtAgainst, kbToMb, median, medianOf, pairRatios } from '../lib/stats.ts';

const SPEED_TARGET = 1_000;
const FLOOR_TARGET = 1.5;
const RSS_TARGET_MB = 512;

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
const synchronousName = (value: number | undefined): string =>
  value === undefined ? 'unknown' : (SYNCHRONOUS[value] ?? String(value));

/** `--workers` of benchmark 1's parallel run: one shard per core of the 2-core machine the targets are set for. */
const WORKERS = 2;

const seconds = (runs: readonly { wallMs: number }[]): string =>
  runs.map((r) => fmt(r.wallMs / 1000, 1)).join(', ');

export async function virtualTimeBenchmark(ctx: BenchContext): Promise<Section> {
  const { devices, duration } = ctx.options.sizes.virtualTime;
  const { quick } = ctx.options;
  const floorRun = (run: ChildResult) => ({
    child: 'sim-floor',
    args: [
      ...ctx.simRun(devices, duration).args,
      '--sales',
      String(run.counts.sales ?? 0),
      '--requests',
      String(run.counts.requests ?? 0),
    ],
    timeoutMs: ctx.options.sizes.childTimeoutMs,
    scratch: true,
  });
  // The fleet on both cores, as `syncsim run --workers 2` runs it: one process, a shard thread per core.
  const oneProcessRun = ctx.simRun(devices, duration);
  const workersRun: ChildRun = {
    ...oneProcessRun,
    child: 'sim-workers',
    args: [...oneProcessRun.args, '--workers', String(WORKERS)],
  };
  // Each floor and each --workers run right after its run: the machine's speed drifts over minutes (the same
  // floor took 22 to 30 s on different hours), and a ratio of two figures taken at different times carries
  // that drift.
  const floors: ChildResult[] = [];
  const parallel: ChildResult[] = [];
  const runs = await ctx.simRuns(devices, duration, async (run, index) => {
    floors.push(await ctx.measureOnce(`floor of ${devices} devices ${duration}`, floorRun(run), index));
    parallel.push(
      await ctx.measureOnce(
        `steady-day ${devices} devices ${duration}, --workers ${WORKERS}`,
        workersRun,
        index,
      ),
    );
  });

  const durationMs = parseDuration(duration) ?? Number.NaN;
  const runMs = medianOf(runs, (r) => r.wallMs) ?? Number.NaN;
  const floorMs = medianOf(floors, (r) => r.wallMs) ?? Number.NaN;
  const speed = durationMs / runMs;
  const parallelMs = medianOf(parallel, (r) => r.wallMs) ?? Number.NaN;
  const parallelSpeed = durationMs / parallelMs;
  const parallelRssMb = kbToMb(medianOf(parallel, (r) => r.maxRssKb) ?? Number.NaN);
  const walls = (results: readonly ChildResult[]): number[] => results.map((r) => r.wallMs);
  const floorRatios = pairRatios(walls(runs), walls(floors));
  const ratio = median(floorRatios);
  const speedups = pairRatios(walls(runs), walls(parallel));
  const rssMb = kbToMb(medianOf(runs, (r) => r.maxRssKb) ?? Number.NaN);
  const speeds = (results: readonly ChildResult[]): number[] => results.map((r) => durationMs / r.wallMs);
  const rssMbs = (results: readonly ChildResult[]): number[] => results.map((r) => kbToMb(r.maxRssKb));
  const simulated = medianOf(runs, (r) => r.figures.simulatedSeconds);
  const violations = Math.max(...runs.map((r) => (r.counts.violations ?? 0) + (r.counts.harnessErrors ?? 0)));

  return {
    title: '1. Virtual-time speed',
    intro: [
      `\`steady-day\` with ${fmt(devices, 0)} devices over ${duration} (seed 1, policy seed, fake backend in-process, ` +
        'device files and `server.sqlite` on disk), through `runSimulation` as `syncsim run` does it. Wall time is ' +
        'the `runSimulation` call alone (module loading excluded); peak RSS is the whole child process.',
      '',
      'The floor is the same work without the simulator: as many sales and requests as the run reported, as ' +
        'device SQLite writes through the real `DeviceDatabase` (one file per device, same pragmas) and real ' +
        '`injectBatch` calls against `buildBackend` with the options the runner gives its in-process backend, on a ' +
        'clock whose sleeps return at once. Each floor runs right after its run, and the ratio is the median of ' +
        "the pairs' ratios: the machine's speed drifts over minutes, which a ratio of medians taken apart would carry.",
    ],
    tables: [
      {
        headers: [
          'measurement',
          'wall (s)',
          'each run (s)',
          'x real time',
          'peak RSS (MB)',
          'sales',
          'requests',
          'device writes',
        ],
        rows: [
          [
            `run: ${fmt(devices, 0)} devices, ${duration}`,
            fmt(runMs / 1000, 2),
            seconds(runs),
            fmt(speed, 0),
            fmt(rssMb, 0),
            fmt(
              medianOf(runs, (r) => r.counts.sales),
              0,
            ),
            fmt(
              medianOf(runs, (r) => r.counts.requests),
              0,
            ),
            '-',
          ],
          [
            'floor: same writes and handler calls, no simulator',
            fmt(floorMs / 1000, 2),
            seconds(floors),
            '-',
            fmt(kbToMb(medianOf(floors, (r) => r.maxRssKb) ?? Number.NaN), 0),
            fmt(
              medianOf(floors, (r) => r.counts.sales),
              0,
            ),
            fmt(
              medianOf(floors, (r) => r.counts.requests),
              0,
            ),
            fmt(
              medianOf(floors, (r) => r.counts.deviceWrites),
              0,
            ),
          ],
          [
            `run, \`--workers ${WORKERS}\` (one process, ${WORKERS} shard threads): ${fmt(devices, 0)} devices, ${duration}`,
            fmt(parallelMs / 1000, 2),
            seconds(parallel),
            fmt(parallelSpeed, 0),
            fmt(parallelRssMb, 0),
            fmt(
              medianOf(parallel, (r) => r.counts.sales),
              0,
            ),
            fmt(
              medianOf(parallel, (r) => r.counts.requests),
              0,
            ),
            '-',
          ],
          [
            'ratio run / floor (median of the pairs)',
            fmt(ratio, 2),
            floorRatios.map((value) => fmt(value, 2)).join(', '),
            '',
            '',
            '',
            '',
            '',
          ],
          [
            `speed-up run / run with \`--workers ${WORKERS}\` (median of the pairs)`,
            fmt(median(speedups), 2),
            speedups.map((value) => fmt(value, 2)).join(', '),
            '',
            '',
            '',
            '',
            '',
          ],
        ],
      },
    ],
    verdicts: [
      {
        benchmark: '1. virtual time',
        target: `>= ${fmt(SPEED_TARGET, 0)}x real time (${duration} in < ${fmt(durationMs / SPEED_TARGET / 1000, 1)} s)`,
        measured: `${fmtAgainst(speed, SPEED_TARGET, 0)}x (${fmt(runMs / 1000, 1)} s)`,
        status: judge(speed >= SPEED_TARGET, quick),
        interval: intervalAgainst(speeds(runs), SPEED_TARGET, 0),
      },
      {
        benchmark: '1. virtual time',
        target: `<= ${FLOOR_TARGET}x the floor`,
        measured: `${fmtAgainst(ratio, FLOOR_TARGET, 2)}x`,
        status: judge(ratio <= FLOOR_TARGET, quick),
        interval: intervalAgainst(floorRatios, FLOOR_TARGET, 2),
      },
      {
        benchmark: '1. virtual time',
        target: `< ${RSS_TARGET_MB} MB peak RSS`,
        measured: `${fmtAgainst(rssMb, RSS_TARGET_MB, 0)} MB`,
        status: judge(rssMb < RSS_TARGET_MB, quick),
        interval: intervalAgainst(rssMbs(runs), RSS_TARGET_MB, 0),
      },
      {
        benchmark: `1. virtual time, \`--workers ${WORKERS}\``,
        target: `>= ${fmt(SPEED_TARGET, 0)}x real time on both cores, in one process`,
        measured: `${fmtAgainst(parallelSpeed, SPEED_TARGET, 0)}x (${fmt(parallelMs / 1000, 1)} s)`,
        status: judge(parallelSpeed >= SPEED_TARGET, quick),
        interval: intervalAgainst(speeds(parallel), SPEED_TARGET, 0),
      },
      {
        benchmark: `1. virtual time, \`--workers ${WORKERS}\``,
        target: `< ${RSS_TARGET_MB} MB peak RSS`,
        measured: `${fmtAgainst(parallelRssMb, RSS_TARGET_MB, 0)} MB`,
        status: judge(parallelRssMb < RSS_TARGET_MB, quick),
        interval: intervalAgainst(rssMbs(parallel), RSS_TARGET_MB, 0),
      },
    ],
    notes: [
      `Simulated seconds per wall second, heal phase included: ${fmt((simulated ?? Number.NaN) / (runMs / 1000), 0)} ` +
        `(${fmt(simulated, 0)} s simulated; "x real time" above counts the ${duration} day only, as the target does).`,
      `RSS of the child before the run (modules and scenario loaded): ${fmt(kbToMb(medianOf(runs, (r) => r.baseRssKb) ?? Number.NaN), 0)} MB.`,
      `Invariant violations and harness errors in the runs: ${violations} (the run did all its work when 0).`,
      `SQLite \`synchronous\` of the floor's device files: ${synchronousName(floors[0]?.counts.deviceSynchronous)}. ` +
        'The floor opens its device files and its ledger exactly as the run does (`deviceFileOptions`: the ' +
        "scenario's `sqliteSynchronous` and `sqliteJournal`, 1 KiB pages, the page cache of a 16 MiB fleet budget (16 KiB each at 1,000 devices); `inProcessBackendOptions`: " +
        'an exclusive ledger file), so both sides pay the same SQLite costs per write.',
      "Floor writes per device, as the core makes them under the scenario's policy: every sale one insert " +
        'transaction; claiming, seed: one UPDATE to `syncing` per row; hardened: one conditional UPDATE per batch; ' +
        'every answered request one apply transaction. Sales are spread evenly over the requests. Not in the ' +
        "floor: the core's reads (the pending SELECT), the hardened lease UPDATE " +
        "per sync run, and the checker reading every row back at the end: these count as the run's overhead.",
      `\`--workers ${WORKERS}\`: the same run as \`syncsim run --workers ${WORKERS}\` makes it, in one process: ` +
        `${WORKERS} worker threads, each running \`syncsim run --shard i/${WORKERS}\` with its own in-process backend ` +
        "(the fake backend's capacity is per shard: steady-day's never fills, so the merged result counts the same " +
        'sales and requests), merged. Wall time is the whole `runWorkers` call: starting the threads (each loads ' +
        "syncsim), the shards' runs and reports, the merge and the merged reports; RSS is the one process. Each " +
        'runs right after the one-process run and its floor; the speed-up is the median of the pairs. Two threads ' +
        'on two cores give less than 2x: each shard alone takes ~half the one-process run, both at once ~25% more ' +
        '(bench/PROFILING.md, seventh session).',
    ],
    commands: [
      commandLine(ctx.simRun(devices, duration)),
      `${commandLine(floorRun(runs[0]!))}`,
      commandLine(workersRun),
    ],
  };
}
