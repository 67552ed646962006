/**
 * Benchmark 3: syncsim as an HTTP load generator, against autocannon as the reference. Both drive a fresh
 * `syncsim serve` in its own process, with the same number of connections, for the same wall time, with the
 * same kind of bodies; the server's own counters say what each side made it do. Target: syncsim's requests
 * per second at least 0.9x autocannon's.
 */

import { type ChildRun, commandLine } from '../lib/child-process.ts';
import type { ChildResult } from '../lib/child-result.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadCommand } from '../lib/http-load.ts';
import { judge, type Section } from '../lib/report.ts';
import { SERVE_COMMAND, type ServerCounters, startServe } from '../lib/serve-process.ts';
import { fmt, medianOf } from '../lib/stats.ts';

const RATIO_TARGET = 0.9;

interface Side {
  readonly result: ChildResult;
  readonly server: ServerCounters;
}

/** Starts a fresh server, runs the child against it, reads the server's counters, stops the server. */
async function againstFreshServer(
  ctx: BenchContext,
  label: string,
  index: number,
  run: (url: string) => ChildRun,
): Promise<Side> {
  const server = await startServe();
  try {
    const result = await ctx.measureOnce(label, run(server.url), index);
    return { result, server: await server.counters() };
  } finally {
    await server.stop();
  }
}

export async function httpBenchmark(ctx: BenchContext): Promise<Section> {
  const { devices, seconds, rate } = ctx.options.sizes.http;
  const { quick, sizes } = ctx.options;
  const syncsimRun = (url: string): ChildRun => ({
    child: 'http-syncsim',
    args: [
      '--url',
      url,
      '--devices',
      String(devices),
      '--seconds',
      String(seconds),
      '--rate',
      String(rate),
      '--seed',
      '1',
    ],
    timeoutMs: sizes.childTimeoutMs,
    scratch: true,
  });
  const autocannonRun = (url: string, rows: string): ChildRun => ({
    child: 'http-autocannon',
    args: ['--url', url, '--connections', String(devices), '--seconds', String(seconds), '--rows', rows],
    timeoutMs: sizes.childTimeoutMs,
  });

  const syncsim: Side[] = [];
  const cannon: Side[] = [];
  for (let i = 0; i < ctx.options.runs; i++) {
    const ours = await againstFreshServer(ctx, `syncsim realtime, ${devices} devices`, i, syncsimRun);
    syncsim.push(ours);
    // autocannon's bodies carry as many rows as syncsim's requests did, on average, in this very run.
    const rows = ours.server.rowsReceived / Math.max(1, ours.server.requests);
    cannon.push(
      await againstFreshServer(ctx, `autocannon, ${devices} connections`, i, (url) =>
        autocannonRun(url, rows.toFixed(3)),
      ),
    );
  }

  const rps = (sides: readonly Side[]) =>
    medianOf(sides, (s) => s.result.figures.requestsPerSecond) ?? Number.NaN;
  const ratio = rps(syncsim) / rps(cannon);
  const row = (name: string, sides: readonly Side[]): string[] => [
    name,
    fmt(rps(sides), 0),
    sides.map((s) => fmt(s.result.figures.requestsPerSecond, 0)).join(', '),
    fmt(
      medianOf(sides, (s) => s.result.figures.latencyP50),
      1,
    ),
    fmt(
      medianOf(sides, (s) => s.result.figures.latencyP99),
      1,
    ),
    fmt(
      medianOf(sides, (s) => s.server.rowsReceived / Math.max(1, s.server.requests)),
      2,
    ),
    fmt(
      medianOf(sides, (s) => s.server.rowsStored),
      0,
    ),
    fmt(
      medianOf(sides, (s) => s.server.rowsDuplicate),
      0,
    ),
  ];

  return {
    title: '3. HTTP load generation',
    intro: [
      `The fake backend served by \`${SERVE_COMMAND}\` in a process of its own (a fresh one per measurement, ` +
        'default capacity: no modelled service time), driven for ' +
        `${seconds} s by ${devices} connections: syncsim in realtime mode (${devices} devices, hardened policy: one ` +
        `request in flight per device; each device sells ${rate} sales per wall second, more than its requests can ` +
        'carry, so it always has rows to send), then autocannon 9 (programmatic API) with the same number of ' +
        "connections and the same kind of bodies. Requests per second: syncsim's over its fault phase, " +
        "autocannon's completed requests over its duration.",
    ],
    tables: [
      {
        headers: [
          'load generator',
          'requests/s',
          'each run',
          'p50 latency (ms)',
          'p99 latency (ms)',
          'rows / request (server)',
          'rows stored (server)',
          'duplicate answers (server)',
        ],
        rows: [
          row(`syncsim realtime, ${devices} devices`, syncsim),
          row(`autocannon, ${devices} connections`, cannon),
          ['ratio syncsim / autocannon', fmt(ratio, 2), '', '', '', '', '', ''],
        ],
      },
    ],
    verdicts: [
      {
        benchmark: '3. HTTP load',
        target: `syncsim >= ${RATIO_TARGET}x autocannon's requests/s`,
        measured: `${fmt(ratio, 2)}x (${fmt(rps(syncsim), 0)} vs ${fmt(rps(cannon), 0)})`,
        status: judge(ratio >= RATIO_TARGET, quick),
      },
    ],
    notes: [
      "Same bodies: autocannon rotates 16 batch bodies built with the core's `toWireTransaction` from real sales " +
        "of the workload generator, with as many rows per body, on average, as syncsim's requests carried in the " +
        'same run (the "rows / request" column, from the server\'s counters).',
      'Unique rows: the fake backend de-duplicates on `offline_reference`, and a repeated row is answered ' +
        "`duplicate: true`, which costs the server less than storing it. autocannon's `setupRequest` hook gives " +
        'every request fresh offline ids and references, so both sides cost the server the same; the ' +
        '"duplicate answers" column (from the server) shows 0 for both.',
      "Latency: syncsim's is its summary's `latency.requestMs` (wall-clock ms in real time, whatever the speed " +
        "factor), autocannon's its own; both time a request from sending to the full answer.",
      "The server and the load generator share the machine's cores; the parent bench process idles meanwhile.",
      `syncsim's side is the same load as \`${loadCommand({ url: '<server URL>', devices, seconds, rate })}\`.`,
    ],
    commands: [
      SERVE_COMMAND,
      commandLine(syncsimRun('<server URL>')),
      commandLine(autocannonRun('<server URL>', "<syncsim's rows/request>")),
    ],
  };
}
