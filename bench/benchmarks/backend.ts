/**
 * Benchmark 4: how many rows per second the fake backend stores, against a raw better-sqlite3 floor. The
 * issue sets no target; the ratio to the floor says how much the route and the ledger add to SQLite itself.
 */

import { type ChildRun, commandLine } from '../lib/child-process.ts';
import type { ChildResult } from '../lib/child-result.ts';
import type { BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/report.ts';
import { fmt, medianOf } from '../lib/stats.ts';

const MODES = [
  { mode: 'inject', label: 'injectBatch: the whole batch route, unique mode' },
  { mode: 'ledger', label: 'ledger.commitBatch: the storage layer alone' },
  { mode: 'raw', label: 'floor: raw better-sqlite3 INSERTs, same table and indexes' },
] as const;

export async function backendBenchmark(ctx: BenchContext): Promise<Section> {
  const { rows, batch } = ctx.options.sizes.backend;
  const run = (mode: string): ChildRun => ({
    child: 'backend-store',
    args: ['--mode', mode, '--rows', String(rows), '--batch', String(batch)],
    timeoutMs: ctx.options.sizes.childTimeoutMs,
    scratch: true,
  });
  const results = new Map<string, ChildResult[]>();
  for (const { mode } of MODES) results.set(mode, await ctx.measure(`backend ${mode}`, run(mode)));
  const perSecond = (mode: string) =>
    medianOf(results.get(mode) ?? [], (r) => r.figures.rowsPerSecond) ?? Number.NaN;
  const floor = perSecond('raw');

  return {
    title: '4. Fake backend',
    intro: [
      `${fmt(rows, 0)} unique rows (real sales of the workload generator, as the core puts them on the wire), in ` +
        `batches of ${batch}, into a fresh file-backed ledger (WAL, synchronous=NORMAL), one database transaction ` +
        'per batch. Bodies and rows are built before the clock starts. No target is set in issue 6.',
    ],
    tables: [
      {
        headers: ['path', 'rows stored/s', 'each run', 'x slower than the floor'],
        rows: MODES.map(({ mode, label }) => [
          label,
          fmt(perSecond(mode), 0),
          (results.get(mode) ?? []).map((r) => fmt(r.figures.rowsPerSecond, 0)).join(', '),
          fmt(floor / perSecond(mode), 2),
        ]),
      },
    ],
    verdicts: [],
    notes: [
      'injectBatch includes the in-process HTTP exchange (through the app request handler), JSON parsing, ' +
        'schema validation, per-row checks, the capacity model (default: no service time) and the response; the ' +
        'ledger stores each row with INSERT ... ON CONFLICT DO NOTHING RETURNING, then an UPDATE for its ' +
        'transaction code; the floor is one plain INSERT per row.',
    ],
    commands: MODES.map(({ mode }) => commandLine(run(mode))),
  };
}
