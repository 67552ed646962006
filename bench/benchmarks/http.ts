/**
 * Benchmark 3: syncsim as an HTTP load generator, against autocannon as the reference. Both drive a fresh
 * `syncsim serve` in its own process, with the same number of connections, for the same wall time, with the
 * same kind of bodies; the server's own counters say what each side made it do. Loads (lib/http-load.ts):
 * a backlog drained in full batches into an in-memory ledger, judged against the target (syncsim's requests
 * per second at least 0.9x autocannon's); the same into a file ledger, and a trickle of one or two rows per
 * request, shown.
 */

import { availableParallelism } from 'node:os';
import { type ChildRun, commandLine } from '../lib/child-process.ts';
import type { ChildResult } from '../lib/child-result.ts';
import type { BenchContext } from '../lib/context.ts';
import {
  generatorArgs,
  idleSecondsBefore,
  type LoadShape,
  loadCommand,
  loadShapes,
} from '../lib/http-load.ts';
import { busyShare } from '../lib/process-cpu.ts';
import { intervalAgainst, judge, type Section, type Verdict } from '../lib/report.ts';
import { type ServerCounters, serveCommand, startServe } from '../lib/serve-process.ts';
import { fmt, fmtAgainst, median, medianOf, pairRatios } from '../lib/stats.ts';

const RATIO_TARGET = 0.9;

interface Side {
  readonly result: ChildResult;
  readonly server: ServerCounters;
}

/** Starts a fresh server, runs the child against it, reads the server's counters, stops the server. */
async function againstFreshServer(
  ctx: BenchContext,
  shape: LoadShape,
  label: string,
  index: number,
  run: (url: string) => ChildRun,
): Promise<Side> {
  const server = await startServe(shape.ledger);
  try {
    const result = await ctx.measureOnce(label, run(server.url), index);
    return { result, server: await server.counters() };
  } finally {
    await server.stop();
  }
}

function labelOf(shape: LoadShape): string {
  if (shape.kind === 'trickle') return 'trickle';
  return shape.ledger === 'memory' ? 'backlog drain' : 'backlog drain, file ledger';
}

/** The load the target is judged on: the backlog against the fastest server. */
const isJudged = (shape: LoadShape): boolean => shape.kind === 'backlog' && shape.ledger === 'memory';

function syncsimRun(ctx: BenchContext, shape: LoadShape, url: string): ChildRun {
  return {
    child: 'http-syncsim',
    args: generatorArgs(shape, url),
    timeoutMs: ctx.options.sizes.childTimeoutMs,
    scratch: true,
  };
}

/** The judged drain without the simulator: the core and the HTTP transport alone (child/http-floor.ts). */
function floorRun(ctx: BenchContext, shape: LoadShape, url: string): ChildRun {
  return {
    child: 'http-floor',
    args: generatorArgs(shape, url),
    timeoutMs: ctx.options.sizes.childTimeoutMs,
    scratch: true,
  };
}

function autocannonRun(
  ctx: BenchContext,
  shape: LoadShape,
  url: string,
  seconds: string,
  rows: string,
): ChildRun {
  return {
    child: 'http-autocannon',
    args: [
      '--url',
      url,
      '--connections',
      String(shape.devices),
      '--seconds',
      seconds,
      '--rows',
      rows,
      '--idle',
      String(idleSecondsBefore(shape)),
    ],
    timeoutMs: ctx.options.sizes.childTimeoutMs,
  };
}

const rowsPerRequest = (side: Side): number => side.server.rowsReceived / Math.max(1, side.server.requests);

interface LoadOutcome {
  readonly shape: LoadShape;
  readonly syncsim: readonly Side[];
  readonly cannon: readonly Side[];
  /** The judged load only: the same drain by the core and the HTTP transport alone, after each pair. */
  readonly floor: readonly Side[];
  /** syncsim's requests/s over autocannon's, of each pair (autocannon runs right after its syncsim run). */
  readonly pairs: readonly number[];
  /** The median of the pairs' ratios: the machine's speed drifts over minutes, and a pair shares its minute. */
  readonly ratio: number;
}

/** The server's CPU time per request it answered, in one measurement (null where /proc cannot tell). */
function serverCpuPerRequest(side: Side): number | null {
  const { cpuMs, requests } = side.server;
  return cpuMs === null || requests === 0 ? null : cpuMs / requests;
}

/** The load generator's own CPU time per request of its load (null when it could not tell). */
const generatorCpuPerRequest = (side: Side): number | null =>
  side.result.figures.generatorCpuMsPerRequest ?? null;

/** The machine's cores, which the server and its load generator share. */
const CORES = availableParallelism();

/**
 * The most requests per second the machine's cores can give a side when the server and its generator share
 * them: each request costs both their CPU time (every thread of each counted).
 */
function coresCeiling(side: Side): number | null {
  const server = serverCpuPerRequest(side);
  const generator = generatorCpuPerRequest(side);
  return server === null || generator === null ? null : (CORES * 1000) / (server + generator);
}

/** The share of one core the server used at the side's request rate, in percent. */
function serverBusyPercent(side: Side): number | null {
  const share = busyShare(rpsOf(side), serverCpuPerRequest(side));
  return share === null ? null : share * 100;
}

async function measureLoad(ctx: BenchContext, shape: LoadShape): Promise<LoadOutcome> {
  const label = labelOf(shape);
  const syncsim: Side[] = [];
  const cannon: Side[] = [];
  const floor: Side[] = [];
  for (let i = 0; i < ctx.options.runs; i++) {
    const ours = await againstFreshServer(
      ctx,
      shape,
      `${label}: syncsim, ${shape.devices} devices`,
      i,
      (url) => syncsimRun(ctx, shape, url),
    );
    syncsim.push(ours);
    // autocannon runs as long as syncsim's measured window, with bodies of as many rows as syncsim's
    // requests carried, on average, in this very run.
    const seconds = String(Math.max(1, Math.round(ours.result.wallMs / 1000)));
    const rows = rowsPerRequest(ours).toFixed(3);
    cannon.push(
      await againstFreshServer(ctx, shape, `${label}: autocannon, ${shape.devices} connections`, i, (url) =>
        autocannonRun(ctx, shape, url, seconds, rows),
      ),
    );
    if (isJudged(shape)) {
      floor.push(
        await againstFreshServer(ctx, shape, `${label}: ${floorName(shape)}`, i, (url) =>
          floorRun(ctx, shape, url),
        ),
      );
    }
  }
  const ratios = pairRatios(syncsim.map(rpsOf), cannon.map(rpsOf));
  return { shape, syncsim, cannon, floor, pairs: ratios, ratio: median(ratios) };
}

const floorName = (shape: LoadShape): string =>
  `the core and the HTTP transport alone (no simulator), ${shape.devices} devices`;

const rpsOf = (side: Side): number => side.result.figures.requestsPerSecond ?? Number.NaN;

const rps = (sides: readonly Side[]) => medianOf(sides, rpsOf) ?? Number.NaN;

function row(name: string, sides: readonly Side[]): string[] {
  return [
    name,
    fmt(rps(sides), 0),
    sides.map((s) => fmt(s.result.figures.requestsPerSecond, 0)).join(', '),
    fmt(
      medianOf(sides, (s) => s.result.wallMs / 1000),
      1,
    ),
    fmt(
      medianOf(sides, (s) => s.result.figures.latencyP50),
      1,
    ),
    fmt(
      medianOf(sides, (s) => s.result.figures.latencyP99),
      1,
    ),
    fmt(medianOf(sides, rowsPerRequest), 2),
    fmt(
      medianOf(sides, (s) => s.server.rowsStored),
      0,
    ),
    fmt(
      medianOf(sides, (s) => s.server.rowsDuplicate),
      0,
    ),
    fmt(medianOf(sides, serverCpuPerRequest), 2),
    fmt(medianOf(sides, serverBusyPercent), 0),
    fmt(medianOf(sides, generatorCpuPerRequest), 2),
    fmt(
      medianOf(sides, (s) => s.result.figures.generatorBusyP99),
      0,
    ),
    fmt(medianOf(sides, coresCeiling), 0),
  ];
}

function verdict(outcome: LoadOutcome, quick: boolean): Verdict {
  const { shape, pairs, ratio } = outcome;
  const judged = isJudged(shape);
  const shown = judged ? fmtAgainst(ratio, RATIO_TARGET, 2) : fmt(ratio, 2);
  const measured = `${shown}x (pairs ${pairs.map((value) => fmt(value, 2)).join(', ')})`;
  if (!judged) {
    return {
      benchmark: `3. HTTP load, ${labelOf(shape)}`,
      target: 'none: shown beside the backlog drain',
      measured,
      status: 'not judged',
    };
  }
  return {
    benchmark: `3. HTTP load, ${labelOf(shape)}`,
    target: `syncsim >= ${RATIO_TARGET}x autocannon's requests/s`,
    measured,
    status: judge(ratio >= RATIO_TARGET, quick),
    interval: intervalAgainst(pairs, RATIO_TARGET, 2),
  };
}

export async function httpBenchmark(ctx: BenchContext): Promise<Section> {
  const shapes = loadShapes(ctx.options.sizes.http);
  const outcomes: LoadOutcome[] = [];
  for (const shape of shapes) outcomes.push(await measureLoad(ctx, shape));
  const backlog = shapes.find((shape) => shape.kind === 'backlog') as LoadShape;
  const trickle = shapes.find((shape) => shape.kind === 'trickle') as LoadShape;
  const devices = backlog.devices;

  return {
    title: '3. HTTP load generation',
    intro: [
      `The fake backend served by \`${serveCommand('memory')}\` in a process of its own (a fresh one per measurement, ` +
        'default capacity: no modelled service time), driven by syncsim in realtime mode with ' +
        `${devices} devices (hardened policy: one request in flight per device), then by autocannon 9 ` +
        "(programmatic API) with as many connections, for as long as syncsim's measured window, with the same " +
        "kind of bodies. Requests per second: syncsim's over the minutes of its run's timeline that had " +
        "requests, less the first and the last (partly outside the load); autocannon's completed requests over " +
        "its duration. autocannon runs right after each syncsim run, and the ratio is the median of the pairs' " +
        "ratios: the machine's speed drifts over minutes (benchmark 1), which a ratio of medians taken apart " +
        'would carry. Three loads:',
      '',
      `- **backlog drain** (judged): every device trades offline for ${backlog.hours} scenario hour(s) ` +
        `(${fmt((backlog.hours * 3_600) / backlog.speed, 0)} wall s at speed ${backlog.speed}), making ` +
        `${backlog.sales.toLocaleString('en-US')} sales, then reconnects and sends them in batches of the ` +
        "hardened policy's 100 rows: the offline-first sync this harness exists for. The sales are made before " +
        'the window, so it measures sending, not selling. **Backlog drain, file ledger** (shown): the same, with ' +
        "the server's ledger in a file as `syncsim serve` keeps it by default (WAL, synchronous=NORMAL).",
      `- **trickle** (shown): every device sells ${trickle.sales} sales per wall second, online all along, more ` +
        'than its requests can carry; each request carries the one or two rows made since the last, and costs ' +
        "the generator a sale's SQLite work too.",
    ],
    tables: [
      {
        headers: [
          'load generator',
          'requests/s',
          'each run',
          'window (s)',
          'p50 latency (ms)',
          'p99 latency (ms)',
          'rows / request (server)',
          'rows stored (server)',
          'duplicate answers (server)',
          'server CPU / request (ms)',
          'server busy (% of a core)',
          'generator CPU / request (ms)',
          "syncsim's thread busy, p99 (%)",
          `${CORES}-core ceiling (requests/s)`,
        ],
        rows: outcomes.flatMap((outcome) => {
          const label = labelOf(outcome.shape);
          return [
            row(`${label}: syncsim, ${devices} devices`, outcome.syncsim),
            row(`${label}: autocannon, ${devices} connections`, outcome.cannon),
            ...(outcome.floor.length > 0
              ? [row(`${label}: ${floorName(outcome.shape)}`, outcome.floor)]
              : []),
            [
              `${label}: ratio syncsim / autocannon (median of the pairs)`,
              fmt(outcome.ratio, 2),
              outcome.pairs.map((value) => fmt(value, 2)).join(', '),
              ...Array<string>(11).fill(''),
            ],
          ];
        }),
      },
    ],
    verdicts: outcomes.map((outcome) => verdict(outcome, ctx.options.quick)),
    notes: [
      "Same bodies: autocannon rotates 16 batch bodies built with the core's `toWireTransaction` from real sales " +
        "of the workload generator, with as many rows per body, on average, as syncsim's requests carried in the " +
        'same run (the "rows / request" column, from the server\'s counters).',
      'Unique rows: the fake backend de-duplicates on `offline_reference`, and a repeated row is answered ' +
        "`duplicate: true`, which costs the server less than storing it. autocannon's `setupRequest` hook gives " +
        'every request fresh offline ids and references, so both sides cost the server the same; the ' +
        '"duplicate answers" column (from the server) shows 0 for both.',
      "Same server state: autocannon starts its load as long after it starts as syncsim's drain starts after " +
        'its offline hours (`--idle`), so the server has been idle as long before both. An idle node process ' +
        "has its young generation shrunk by V8's memory reducer, and then collects twice as often per request " +
        'while it grows back: a server that met autocannon at once did 6.5 scavenges per 100 requests, one that ' +
        'had idled through the offline hours 13-18 (bench/PROFILING.md, fourteenth session).',
      "Latency: syncsim's is its summary's `latency.requestMs` (wall-clock ms in real time, whatever the speed " +
        "factor), autocannon's its own; both time a request from sending to the full answer.",
      "Server CPU and busy: the serve process's user and system time (/proc/PID/stat, every thread of it) from " +
        'its listening to the read of its counters after the load, per request it answered; busy is that times ' +
        "the side's requests per second: the share of one core the server used (past 100% when GC threads " +
        'helped). Near 100%, the server set the rate; well below, it waited for the load generator. Its handler ' +
        'runs on one thread, so no generator gets more than about 1000 / (CPU ms per request) out of it.',
      `The server and the load generator share the machine's ${CORES} cores; the parent bench process idles meanwhile. ` +
        "For each request, syncsim's devices do what a till does: read the batch from SQLite, claim it, build " +
        "the body, and write every row's outcome back; autocannon only sends.",
      "Generator CPU: the load generator's own user and system time (every thread) per request of its load. " +
        "syncsim's is read with its progress, each wall second, from the first reading of the load to the last " +
        'at which requests were still going out, so neither the selling before the load nor the reading back ' +
        `after it counts; autocannon's over its whole run. The ${CORES}-core ceiling is ${CORES} x 1000 / (server + ` +
        `generator CPU per request): the most requests per second the ${CORES} cores could carry if neither process ` +
        "ever waited. A side that reaches it is bound by the machine, whatever the server's busy share; one far " +
        "below it (autocannon's) is bound by the server's handler thread.",
      "syncsim's thread busy: the run's own `generator.busyPercent.p99` (summary.json), the share of its " +
        "busiest wall seconds (1% of the run's) its event loop spent working rather than waiting: near 100%, " +
        'the devices had no time to spare and their requests queued behind their own work; at 90% or more ' +
        '`syncsim run` warns that its generator fell behind.',
      'The core and the HTTP transport alone (backlog drain only, after each pair, against a fresh server): ' +
        "the generator's floor. As many devices made with the real core, over files opened as a run opens them, " +
        'each given as many sales, then drained all at once with `syncPendingTransactions` over the HTTP ' +
        "transport syncsim's devices use: a till's own work for each request and undici's, without the virtual " +
        'devices, network model, trace and metrics around them. Its window is the drain, first request to last answer.',
      ...shapes.map(
        (shape) =>
          `${labelOf(shape)}: syncsim's side is the same load as \`${loadCommand(shape, '<server URL>')}\`.`,
      ),
    ],
    commands: [
      serveCommand('memory'),
      serveCommand('file'),
      ...shapes.flatMap((shape) => [
        commandLine(syncsimRun(ctx, shape, '<server URL>')),
        commandLine(
          autocannonRun(ctx, shape, '<server URL>', "<syncsim's window>", "<syncsim's rows/request>"),
        ),
        ...(isJudged(shape) ? [commandLine(floorRun(ctx, shape, '<server URL>'))] : []),
      ]),
    ],
  };
}
