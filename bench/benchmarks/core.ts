/**
 * Benchmark 5: the device core on its own, one device, both policy presets: sales recorded per second, and
 * whole sync cycles (a sale, then syncPendingTransactions) per second against a transport that answers at
 * once. The issue sets no target; these are the per-device costs every simulation pays.
 */
import type { PolicyPreset } from '../../src/core/policy.ts';
import { type ChildRun, commandLine } from '../lib/child-process.ts';
import type { ChildResult } from '../lib/child-result.ts';
import type { BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/report.ts';
import { fmt, medianOf } from '../lib/stats.ts';

const PRESETS: readonly PolicyPreset[] = ['seed', 'hardened'];

export async function coreBenchmark(ctx: BenchContext): Promise<Section> {
  const { sales, cycles } = ctx.options.sizes.core;
  const run = (mode: 'sales' | 'sync', preset: PolicyPreset): ChildRun => ({
    child: 'core-store',
    args: ['--mode', mode, '--preset', preset, '--count', String(mode === 'sales' ? sales : cycles)],
    timeoutMs: ctx.options.sizes.childTimeoutMs,
    scratch: true,
  });
  const rows: string[][] = [];
  for (const preset of PRESETS) {
    const recorded: ChildResult[] = await ctx.measure(`core sales ${preset}`, run('sales', preset));
    const synced: ChildResult[] = await ctx.measure(`core sync ${preset}`, run('sync', preset));
    const salesPerSecond = medianOf(recorded, (r) => r.figures.perSecond) ?? Number.NaN;
    const cyclesPerSecond = medianOf(synced, (r) => r.figures.perSecond) ?? Number.NaN;
    rows.push([
      preset,
      fmt(salesPerSecond, 0),
      recorded.map((r) => fmt(r.figures.perSecond, 0)).join(', '),
      fmt(1e6 / salesPerSecond, 0),
      fmt(cyclesPerSecond, 0),
      synced.map((r) => fmt(r.figures.perSecond, 0)).join(', '),
      fmt(1e6 / cyclesPerSecond, 0),
    ]);
  }

  return {
    title: '5. Device core',
    intro: [
      `One device file (WAL, synchronous=NORMAL, as on a device). Sales: ${fmt(sales, 0)} \`createTransaction\` ` +
        `calls in a row. Sync cycles: ${fmt(cycles, 0)} times a sale then \`syncPendingTransactions\`, against a ` +
        'transport that answers at once with a valid response built from the request (no network, no backend). ' +
        'Sales come from the workload generator; the clock moves one second per sale. No target is set in issue 6.',
    ],
    tables: [
      {
        headers: ['policy', 'sales/s', 'each run', 'µs / sale', 'sync cycles/s', 'each run', 'µs / cycle'],
        rows,
      },
    ],
    verdicts: [],
    notes: [
      'A sync cycle under seed: read pending, one UPDATE per row to `syncing`, build and send the body, parse the ' +
        'answer, one apply transaction; under hardened also the lease release UPDATE, the claim is one conditional ' +
        'UPDATE, and references take a sequence upsert.',
    ],
    commands: PRESETS.flatMap((preset) => [
      commandLine(run('sales', preset)),
      commandLine(run('sync', preset)),
    ]),
  };
}
