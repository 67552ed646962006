/**
 * The capacity curve of a sweep says where syncsim's own generator fell behind: past that size the curve is
 * not the backend's. Virtual sweeps show no generator column at all.
 */
import { describe, expect, it } from 'vitest';
import {
  behindNote,
  firstBehind,
  renderSweepHtml,
  renderSweepTable,
  sweepRow,
} from '../../src/report/sweep.ts';
import type { Percentiles } from '../../src/sim/histogram.ts';
import { type Summary, templateSummary } from '../../src/sim/summary.ts';

function sampled(p99: number): Percentiles {
  return { count: 60, p50: Math.min(p99, 10), p90: p99, p99, max: p99 };
}

function size(devices: number, busyP99: number | null, lagP99 = 3): Summary {
  const template = templateSummary();
  if (busyP99 === null) return { ...template, devices, simulatedSeconds: 3_600 };
  return {
    ...template,
    devices,
    simulatedSeconds: 3_600,
    mode: 'realtime',
    generator: { busyPercent: sampled(busyP99), lagMs: sampled(lagP99) },
  };
}

describe('sweep: the generator', () => {
  it('marks each size whose generator passed a line, and names the first', () => {
    const rows = [size(100, 30), size(400, 70, 80), size(1_600, 100)].map(sweepRow);
    expect(rows.map((row) => [row.generatorBusyP99, row.generatorBehind])).toEqual([
      [30, false],
      [70, true], // its lag passed the line though its busy share did not
      [100, true],
    ]);
    expect(firstBehind(rows)).toBe(1);
    const table = renderSweepTable(rows).split('\n');
    expect(table[0]).toMatch(/error rate +generator busy p99 +verdict$/);
    expect(table[1]).toMatch(/ 30% +pass$/);
    expect(table[2]).toMatch(/ 70% behind +pass$/);
    expect(table.at(-1)).toBe(
      'The load generator fell behind from 400 devices: from there the curve measures syncsim as much as the backend (spread the devices with --workers, or over machines with --shard).',
    );
    const html = renderSweepHtml('steady-day', '1', rows);
    expect(html).toContain('<th>generator busy p99</th>');
    expect(html).toContain('<td>100% behind</td>');
    expect(html).toContain(
      '<p class="warning" id="generator-behind"><b>Warning.</b> The load generator fell behind from 400 devices',
    );
  });

  it('says nothing of the generator when it kept up, and has no column in virtual time', () => {
    const kept = [size(100, 20), size(200, 45)].map(sweepRow);
    expect(behindNote(kept)).toBeNull();
    expect(renderSweepTable(kept)).not.toContain('fell behind');
    expect(renderSweepTable(kept)).toContain('generator busy p99');
    const virtual = [size(100, null), size(200, null)].map(sweepRow);
    expect(virtual.map((row) => [row.generatorBusyP99, row.generatorBehind])).toEqual([
      [null, false],
      [null, false],
    ]);
    expect(renderSweepTable(virtual)).not.toContain('generator');
    expect(renderSweepHtml('steady-day', '1', virtual)).not.toContain('generator');
  });
});
