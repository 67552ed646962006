/**
 * The capacity curve of a sweep: one row per fleet size, a terminal table that marks the first size that
 * breaks a threshold, and a self-contained HTML page with the curves. Pure. In real time each size also says
 * how busy syncsim's own generator was: past the size where it fell behind, the curve measures syncsim as
 * much as the backend, and a capacity plan must not read it as the backend's.
 */
import type { Summary } from '../sim/summary.ts';
import { escapeHtml } from './escape.ts';
import { formatMs, formatNumber, formatRate } from './format.ts';
import { REPORT_CSS } from './html-style.ts';
import { generatorWarning } from './report-input.ts';
import { lineChart } from './svg/line-chart.ts';

export interface SweepRow {
  readonly devices: number;
  readonly salesCreated: number;
  /** Sales synced per simulated second. */
  readonly salesPerSecond: number;
  /** 2xx requests per simulated second. */
  readonly requestsPerSecond: number;
  readonly requestP99Ms: number | null;
  readonly timeToSyncP99Ms: number | null;
  readonly errorRate: number | null;
  readonly passed: boolean;
  readonly interrupted: boolean;
  readonly failing: readonly string[];
  /** Real time: the share of its busiest wall seconds syncsim's thread was working (p99, %); null in virtual time. */
  readonly generatorBusyP99: number | null;
  /** Real time: the generator passed one of its lines (the run warned that it fell behind). */
  readonly generatorBehind: boolean;
}

export function sweepRow(summary: Summary): SweepRow {
  const seconds = Math.max(1e-9, summary.simulatedSeconds);
  return {
    devices: summary.devices,
    salesCreated: summary.sales.created,
    salesPerSecond: summary.sales.synced / seconds,
    requestsPerSecond: summary.requests.ok / seconds,
    requestP99Ms: summary.latency.requestMs.p99,
    timeToSyncP99Ms: summary.latency.timeToSyncMs.p99,
    errorRate: summary.requests.errorRate,
    passed: summary.passed,
    interrupted: summary.interrupted,
    failing: summary.thresholds.filter((t) => !t.ok).map((t) => t.expression),
    generatorBusyP99: summary.generator.busyPercent.p99,
    generatorBehind: generatorWarning(summary) !== null,
  };
}

/** The index of the first size whose generator fell behind, or -1. */
export function firstBehind(rows: readonly SweepRow[]): number {
  return rows.findIndex((row) => row.generatorBehind);
}

/** The generator column is shown for real-time sweeps only (a virtual one has nothing in it). */
function showsGenerator(rows: readonly SweepRow[]): boolean {
  return rows.some((row) => row.generatorBusyP99 !== null);
}

function generatorCell(row: SweepRow): string {
  if (row.generatorBusyP99 === null) return '-';
  return `${row.generatorBusyP99}%${row.generatorBehind ? ' behind' : ''}`;
}

/** What the curve past the generator's limit is worth, or null when the generator kept up at every size. */
export function behindNote(rows: readonly SweepRow[]): string | null {
  const row = rows[firstBehind(rows)];
  return row === undefined
    ? null
    : `The load generator fell behind from ${row.devices} devices: from there the curve measures syncsim as much as the backend (spread the devices with --workers, or over machines with --shard).`;
}

/** The index of the first size that fails, or -1. */
export function firstBreak(rows: readonly SweepRow[]): number {
  return rows.findIndex((row) => !row.passed);
}

export function renderSweepTable(rows: readonly SweepRow[]): string {
  const generator = showsGenerator(rows);
  const header = [
    'devices',
    'sales',
    'sales/s',
    'req/s',
    'p99 request',
    'p99 time-to-sync',
    'error rate',
    ...(generator ? ['generator busy p99'] : []),
    'verdict',
  ];
  const broken = firstBreak(rows);
  const body = rows.map((row, index) => [
    formatNumber(row.devices),
    formatNumber(row.salesCreated),
    formatNumber(row.salesPerSecond),
    formatNumber(row.requestsPerSecond),
    formatMs(row.requestP99Ms),
    formatMs(row.timeToSyncP99Ms),
    formatRate(row.errorRate),
    ...(generator ? [generatorCell(row)] : []),
    row.passed ? 'pass' : `FAIL${index === broken ? ' <- first break' : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  const lines = [line(header), ...body.map(line)];
  const brokenRow = rows[broken];
  lines.push(
    brokenRow === undefined
      ? 'every size passed its thresholds'
      : `first size to break a threshold: ${brokenRow.devices} devices (${brokenRow.failing.join('; ')})`,
  );
  const behind = behindNote(rows);
  if (behind !== null) lines.push(behind);
  return lines.join('\n');
}

export function renderSweepHtml(scenario: string, seed: string, rows: readonly SweepRow[]): string {
  const x = { label: 'devices', include: [0] };
  const byDevices = (pick: (row: SweepRow) => number | null) =>
    rows.map((row) => ({ x: row.devices, y: pick(row) }));
  const latency = lineChart({
    id: 'latency',
    title: 'p99 latency by fleet size',
    x,
    y: { label: 'ms', include: [0] },
    series: [
      { name: 'p99 request', points: byDevices((row) => row.requestP99Ms) },
      { name: 'p99 time-to-sync', points: byDevices((row) => row.timeToSyncP99Ms), dash: '6 3' },
    ],
    dots: true,
  });
  const throughput = lineChart({
    id: 'throughput',
    title: 'throughput by fleet size (per simulated second)',
    x,
    y: { label: 'per second', include: [0] },
    series: [
      { name: 'sales synced/s', points: byDevices((row) => row.salesPerSecond) },
      { name: 'requests ok/s', points: byDevices((row) => row.requestsPerSecond), dash: '6 3' },
    ],
    dots: true,
  });
  const errors = lineChart({
    id: 'errors',
    title: 'error rate by fleet size',
    x,
    y: { label: 'error rate', include: [0] },
    series: [{ name: 'error rate', points: byDevices((row) => row.errorRate) }],
    dots: true,
  });
  const broken = firstBreak(rows);
  const generator = showsGenerator(rows);
  const behind = behindNote(rows);
  const tableRows = rows
    .map(
      (row, index) =>
        `<tr${index === broken ? ' class="fail"' : ''}><td>${row.devices}</td><td>${row.salesCreated}</td><td>${formatNumber(row.salesPerSecond)}</td><td>${formatNumber(row.requestsPerSecond)}</td><td>${formatMs(row.requestP99Ms)}</td><td>${formatMs(row.timeToSyncP99Ms)}</td><td>${formatRate(row.errorRate)}</td>${generator ? `<td>${generatorCell(row)}</td>` : ''}<td>${row.passed ? 'pass' : `FAIL: ${escapeHtml(row.failing.join('; '))}`}</td></tr>`,
    )
    .join('\n');
  const verdict =
    broken < 0
      ? 'Every size passed its thresholds.'
      : `First size to break a threshold: ${rows[broken]?.devices} devices.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>syncsim sweep: ${escapeHtml(scenario)} (seed ${escapeHtml(seed)})</title>
<style>${REPORT_CSS}</style></head>
<body><main>
<h1>Capacity sweep: ${escapeHtml(scenario)}</h1>
<p>seed ${escapeHtml(seed)}. ${escapeHtml(verdict)}</p>
${behind === null ? '' : `<p class="warning" id="generator-behind"><b>Warning.</b> ${escapeHtml(behind)}</p>\n`}<table><thead><tr><th>devices</th><th>sales</th><th>sales/s</th><th>req/s</th><th>p99 request</th><th>p99 time-to-sync</th><th>error rate</th>${generator ? '<th>generator busy p99</th>' : ''}<th>verdict</th></tr></thead>
<tbody>${tableRows}</tbody></table>
<div class="charts"><figure>${latency}</figure><figure>${throughput}</figure><figure>${errors}</figure></div>
</main></body></html>
`;
}
