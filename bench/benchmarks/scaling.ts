/**
 * Benchmark 2: how the cost of a virtual-time run grows with the fleet. steady-day at each size; the cost
 * per device should stay flat. Two readings are shown: the average per device (which carries the run's fixed
 * costs, so it falls as the fleet grows), and the marginal cost, what each added device costs between one
 * size and the next. Flat, as judged here: the largest marginal cost is at most 1.5x the smallest, for wall
 * time and for peak RSS (a cost that grows with the fleet, i.e. worse than linear, shows up there).
 */

import { commandLine } from '../lib/child-process.ts';
import type { ChildResult } from '../lib/child-result.ts';
import type { BenchContext } from '../lib/context.ts';
import { judge, type Section } from '../lib/report.ts';
import { fmt, kbToMb, medianOf } from '../lib/stats.ts';

const FLAT = 1.5;

interface Point {
  readonly devices: number;
  readonly runs: readonly ChildResult[];
  readonly wallMs: number;
  readonly rssKb: number;
  readonly aboveBaseKb: number;
  /** Cost of each device added since the previous size; null for the first size. */
  readonly marginalWallMs: number | null;
  readonly marginalRssKb: number | null;
}

/** Largest over smallest; null for fewer than two values, or when noise made one of them 0 or negative. */
function spread(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null && Number.isFinite(value));
  const smallest = Math.min(...known);
  return known.length < 2 || smallest <= 0 ? null : Math.max(...known) / smallest;
}

const times = (ratio: number | null): string => (ratio === null ? '-' : `${fmt(ratio, 2)}x`);

export async function scalingBenchmark(ctx: BenchContext): Promise<Section> {
  const { devices: sizes, duration } = ctx.options.sizes.scaling;
  const { quick } = ctx.options;
  const points: Point[] = [];
  for (const devices of sizes) {
    const runs = await ctx.simRuns(devices, duration);
    const wallMs = medianOf(runs, (r) => r.wallMs) ?? Number.NaN;
    const rssKb = medianOf(runs, (r) => r.maxRssKb) ?? Number.NaN;
    const previous = points[points.length - 1];
    const added = previous === undefined ? 0 : devices - previous.devices;
    points.push({
      devices,
      runs,
      wallMs,
      rssKb,
      aboveBaseKb: medianOf(runs, (r) => r.maxRssKb - r.baseRssKb) ?? Number.NaN,
      marginalWallMs: previous === undefined || added <= 0 ? null : (wallMs - previous.wallMs) / added,
      marginalRssKb: previous === undefined || added <= 0 ? null : (rssKb - previous.rssKb) / added,
    });
  }
  const wallSpread = spread(points.map((p) => p.marginalWallMs));
  const rssSpread = spread(points.map((p) => p.marginalRssKb));
  const averageWallSpread = spread(points.map((p) => p.wallMs / p.devices));
  const averageRssSpread = spread(points.map((p) => p.aboveBaseKb / p.devices));
  const shared = ctx.options.only.includes('virtual-time')
    ? sizes.find(
        (size) =>
          size === ctx.options.sizes.virtualTime.devices &&
          duration === ctx.options.sizes.virtualTime.duration,
      )
    : undefined;

  return {
    title: '2. Scaling',
    intro: [
      `\`steady-day\` over ${duration} at ${sizes.map((s) => fmt(s, 0)).join(', ')} devices, as in benchmark 1. ` +
        "Per device: the average (wall time per device; peak RSS above the child's baseline, its RSS with " +
        'modules loaded before the run, per device), and the marginal cost (wall time and peak RSS added per ' +
        'device added since the previous size).',
    ],
    tables: [
      {
        headers: [
          'devices',
          'wall (s)',
          'each run (s)',
          'wall ms / device',
          'added wall ms / added device',
          'peak RSS (MB)',
          'RSS above baseline / device (KB)',
          'added RSS KB / added device',
          'sales',
        ],
        rows: points.map((p) => [
          fmt(p.devices, 0),
          fmt(p.wallMs / 1000, 2),
          p.runs.map((r) => fmt(r.wallMs / 1000, 1)).join(', '),
          fmt(p.wallMs / p.devices, 1),
          fmt(p.marginalWallMs, 1),
          fmt(kbToMb(p.rssKb), 0),
          fmt(p.aboveBaseKb / p.devices, 0),
          fmt(p.marginalRssKb, 0),
          fmt(
            medianOf(p.runs, (r) => r.counts.sales),
            0,
          ),
        ]),
      },
    ],
    verdicts: [
      {
        benchmark: '2. scaling',
        target: `wall per added device flat (largest <= ${FLAT}x smallest)`,
        measured: `${times(wallSpread)} (average per device: ${times(averageWallSpread)})`,
        status: wallSpread === null ? 'not judged' : judge(wallSpread <= FLAT, quick),
      },
      {
        benchmark: '2. scaling',
        target: `RSS per added device flat (largest <= ${FLAT}x smallest)`,
        measured: `${times(rssSpread)} (average above baseline: ${times(averageRssSpread)})`,
        status: rssSpread === null ? 'not judged' : judge(rssSpread <= FLAT, quick),
      },
    ],
    notes: [
      ...(shared === undefined
        ? []
        : [`The ${fmt(shared, 0)}-device row is the same runs as benchmark 1 (same child, same arguments).`]),
      '"Flat" is this harness\'s reading of issue 6 ("the cost per device should stay flat"), which sets no ' +
        'number. It is judged on the marginal cost because the average carries fixed costs (the backend, the ' +
        'heap the runtime keeps) that make small fleets look dearer per device; both are shown.',
    ],
    commands: [commandLine(ctx.simRun(sizes[sizes.length - 1] ?? 0, duration))],
  };
}
