/**
 * The report's charts, built from a run's metrics snapshot and summary: what each chart shows, on which
 * axes. The drawing is in svg/; this file only picks the data. Pure.
 */
import { extent } from '../sim/extent.ts';
import { decodeHistogram, type EncodedHistogram } from '../sim/histogram.ts';
import type { MetricsSnapshot } from '../sim/metrics.ts';
import type { Summary } from '../sim/summary.ts';
import type { MinuteRow } from '../sim/timeline.ts';
import { formatNumber } from './format.ts';
import { GENERATOR_LINES, outcomes } from './report-input.ts';
import { barChart } from './svg/bar-chart.ts';
import { type Band, type LineSeries, lineChart, type Tick } from './svg/line-chart.ts';
import { PALETTE } from './svg/palette.ts';

export interface Chart {
  /** Unique in the page. */
  readonly id: string;
  readonly title: string;
  /** One sentence under the chart: how to read it. */
  readonly caption: string;
  readonly svg: string;
}

const MINUTE_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 10080];

/** `0:00`, `1:30`: scenario time in h:mm. */
export function formatClock(minutes: number): string {
  const whole = Math.round(minutes);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** Ticks every 1, 2, 5, 10, 15, 30 minutes, 1 h, ... whichever gives at most `max` of them. */
export function minuteTicks(from: number, to: number, max = 9): Tick[] {
  const span = Math.max(1, to - from);
  const step = MINUTE_STEPS.find((s) => span / s <= max - 1) ?? MINUTE_STEPS[MINUTE_STEPS.length - 1]!;
  const ticks: Tick[] = [];
  for (let m = Math.ceil(from / step) * step; m <= to; m += step)
    ticks.push({ value: m, label: formatClock(m) });
  return ticks;
}

/** A short duration for an axis tick: `250 ms`, `1.5 s`, `2 min`, `3 h`. */
export function formatMsTick(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1_000) return `${formatNumber(ms, 1)} ms`;
  if (ms < 60_000) return `${formatNumber(ms / 1_000, 1)} s`;
  if (ms < 3_600_000) return `${formatNumber(ms / 60_000, 1)} min`;
  return `${formatNumber(ms / 3_600_000, 1)} h`;
}

/** Log ticks a person reads as round durations. */
export const DURATION_TICKS = [
  1, 10, 100, 1_000, 10_000, 60_000, 600_000, 3_600_000, 36_000_000, 86_400_000, 864_000_000,
];

/** x is minutes since the timeline's origin, the start of the run (as simulatedSeconds counts). */
interface TimeContext {
  readonly rows: readonly MinuteRow[];
  readonly ticks: Tick[];
  readonly bands: Band[];
}

function timeContext(summary: Summary, metrics: MetricsSnapshot): TimeContext {
  const rows = metrics.timeline;
  const minuteOf = (ms: number) => ms / metrics.minuteMs;
  const endMinute = minuteOf(summary.simulatedSeconds * 1_000);
  const faultEnd = minuteOf((summary.simulatedSeconds - summary.heal.seconds) * 1_000);
  const minutes = extent(rows.map((r) => r.minute));
  const first = Math.min(0, minutes?.min ?? 0);
  const last = Math.max(endMinute, minutes?.max ?? endMinute);
  const bands: Band[] =
    summary.heal.ran && summary.heal.seconds > 0
      ? [{ from: faultEnd, to: endMinute, label: 'heal phase' }]
      : [];
  return { rows, ticks: minuteTicks(first, last), bands };
}

function perMinute(context: TimeContext, value: (row: MinuteRow) => number | null): LineSeries['points'] {
  return context.rows.map((row) => ({ x: row.minute, y: value(row) }));
}

const TIME_AXIS = 'scenario time (h:mm)';

export function backlogChart(summary: Summary, metrics: MetricsSnapshot): Chart {
  const context = timeContext(summary, metrics);
  const status = (name: 'pending' | 'syncing' | 'failed') => (row: MinuteRow) =>
    row.gauges?.backlog[name] ?? null;
  return {
    id: 'chart-backlog',
    title: 'Backlog by sync status',
    caption:
      'Device rows not yet synced, sampled each minute. Rows left in syncing after the heal phase are stranded.',
    svg: lineChart({
      id: 'chart-backlog',
      title: 'Backlog by sync status',
      x: { label: TIME_AXIS, ticks: context.ticks },
      y: { label: 'rows', include: [0], integer: true, format: (v) => formatNumber(v) },
      series: [
        { name: 'pending', points: perMinute(context, status('pending')), color: PALETTE.blue },
        {
          name: 'syncing',
          points: perMinute(context, status('syncing')),
          color: PALETTE.vermillion,
          dash: '6 3',
        },
        { name: 'failed', points: perMinute(context, status('failed')), color: PALETTE.purple, dash: '2 3' },
      ],
      bands: context.bands,
      emptyMessage: 'no samples',
    }),
  };
}

export function devicesOnlineChart(summary: Summary, metrics: MetricsSnapshot): Chart {
  const context = timeContext(summary, metrics);
  return {
    id: 'chart-online',
    title: 'Devices online',
    caption: `Devices with connectivity, sampled each minute, out of ${formatNumber(summary.devices)}.`,
    svg: lineChart({
      id: 'chart-online',
      title: 'Devices online',
      x: { label: TIME_AXIS, ticks: context.ticks },
      y: { label: 'devices', include: [0, summary.devices], integer: true, format: (v) => formatNumber(v) },
      series: [
        {
          name: 'online',
          points: perMinute(context, (r) => r.gauges?.devicesOnline ?? null),
          color: PALETTE.green,
        },
      ],
      bands: context.bands,
      emptyMessage: 'no samples',
    }),
  };
}

export function requestsChart(summary: Summary, metrics: MetricsSnapshot): Chart {
  const context = timeContext(summary, metrics);
  return {
    id: 'chart-requests',
    title: 'Requests and errors per minute',
    caption:
      'Requests whose outcome came in that minute; errors are anything but a valid 2xx. Offline skips made no request.',
    svg: lineChart({
      id: 'chart-requests',
      title: 'Requests and errors per minute',
      x: { label: TIME_AXIS, ticks: context.ticks },
      y: { label: 'per minute', include: [0], integer: true, format: (v) => formatNumber(v) },
      series: [
        { name: 'requests', points: perMinute(context, (r) => r.requests), color: PALETTE.blue },
        {
          name: 'errors',
          points: perMinute(context, (r) => r.errors),
          color: PALETTE.vermillion,
          dash: '6 3',
        },
        {
          name: 'offline skips',
          points: perMinute(context, (r) => r.offlineSkips),
          color: PALETTE.grey,
          dash: '2 3',
        },
      ],
      bands: context.bands,
    }),
  };
}

export function latencyPerMinuteChart(summary: Summary, metrics: MetricsSnapshot): Chart {
  const context = timeContext(summary, metrics);
  return {
    id: 'chart-p99',
    title: 'Request latency p99 per minute',
    caption:
      'The 99th percentile of the latencies answered in each minute; gaps are minutes without an answer.',
    svg: lineChart({
      id: 'chart-p99',
      title: 'Request latency p99 per minute',
      x: { label: TIME_AXIS, ticks: context.ticks },
      y: { label: 'latency', include: [0], format: formatMsTick },
      series: [{ name: 'p99', points: perMinute(context, (r) => r.p99RequestMs), color: PALETTE.orange }],
      bands: context.bands,
      dots: context.rows.filter((r) => r.p99RequestMs !== null).length < 30,
      emptyMessage: 'no answered requests',
    }),
  };
}

/** Whether the timeline has the generator's busy share of any minute: then report.html charts it. */
export function chartsGeneratorPerMinute(metrics: MetricsSnapshot): boolean {
  return metrics.timeline.some((row) => row.generatorBusyPercent !== null);
}

/**
 * Real time only: how busy syncsim's own thread was, minute by minute, with the line past which the run warns;
 * null when no minute was measured (virtual time, or a histograms.json from before it was).
 */
export function generatorBusyChart(summary: Summary, metrics: MetricsSnapshot): Chart | null {
  if (!chartsGeneratorPerMinute(metrics)) return null;
  const context = timeContext(summary, metrics);
  const measured = context.rows.filter((r) => r.generatorBusyPercent !== null);
  const line = GENERATOR_LINES.busyPercent;
  return {
    id: 'chart-generator',
    title: "syncsim's generator busy per minute",
    caption: `The share of each minute's wall time syncsim's own thread was working. At ${line}% and above it falls behind: requests go out late and latencies include waiting in syncsim.`,
    svg: lineChart({
      id: 'chart-generator',
      title: "syncsim's generator busy per minute",
      x: { label: TIME_AXIS, ticks: context.ticks },
      y: { label: 'busy (%)', include: [0, 100], integer: true, format: (v) => `${formatNumber(v)}%` },
      series: [
        { name: 'busy', points: perMinute(context, (r) => r.generatorBusyPercent), color: PALETTE.orange },
        {
          name: `warning line (${line}%)`,
          points: context.rows.map((r) => ({ x: r.minute, y: line })),
          color: PALETTE.grey,
          dash: '2 3',
        },
      ],
      bands: context.bands,
      dots: measured.length < 30,
    }),
  };
}

/** x positions of a percentile curve: -log10(1 - q), so 90%, 99%, 99.9% are evenly spaced (HdrHistogram's plots). */
const CURVE_STEPS = 60;
const CURVE_MAX_NINES = 3;
const PERCENTILE_TICKS: Tick[] = [
  { value: 0, label: '0%' },
  { value: Math.log10(2), label: '50%' },
  { value: 1, label: '90%' },
  { value: 2, label: '99%' },
  { value: 3, label: '99.9%' },
];

/** p0 .. p99.9 of an encoded histogram as points (x = nines, y = value); none for an empty histogram. */
export function percentileCurve(encoded: EncodedHistogram): LineSeries['points'] {
  const histogram = decodeHistogram(encoded);
  if (histogram.totalCount === 0) return [];
  const points: { x: number; y: number }[] = [];
  for (let i = 0; i <= CURVE_STEPS; i++) {
    const nines = (i / CURVE_STEPS) * CURVE_MAX_NINES;
    const percentile = (1 - 10 ** -nines) * 100;
    points.push({ x: nines, y: histogram.getValueAtPercentile(percentile) });
  }
  return points;
}

/** Log when the values span more than two decades (an online sale syncs in ms, an offline one in minutes). */
function valueScale(series: readonly LineSeries[]): 'linear' | 'log' {
  const values = extent(
    series.flatMap((s) => s.points.flatMap((p) => (p.y !== null && p.y > 0 ? [p.y] : []))),
  );
  if (values === null) return 'linear';
  return values.max / Math.max(1, values.min) > 100 ? 'log' : 'linear';
}

function percentileChart(id: string, title: string, caption: string, series: readonly LineSeries[]): Chart {
  const scale = valueScale(series);
  return {
    id,
    title,
    caption,
    svg: lineChart({
      id,
      title,
      x: { label: 'percentile (log scale of 1 / (1 − p))', ticks: PERCENTILE_TICKS },
      y: {
        label: scale === 'log' ? 'ms (log scale)' : 'ms',
        scale,
        include: scale === 'log' ? [] : [0],
        logCandidates: DURATION_TICKS,
        format: formatMsTick,
      },
      series,
      xGrid: true,
      emptyMessage: 'nothing recorded',
    }),
  };
}

export function requestPercentileChart(metrics: MetricsSnapshot): Chart {
  return percentileChart(
    'chart-request-percentiles',
    'Request latency by percentile',
    'Latency of answered requests (timeouts and resets have none), p0 to p99.9.',
    [{ name: 'request', points: percentileCurve(metrics.histograms.requestMs), color: PALETTE.blue }],
  );
}

export function timeToSyncPercentileChart(metrics: MetricsSnapshot): Chart {
  const h = metrics.histograms;
  return percentileChart(
    'chart-tts-percentiles',
    'Time-to-sync by percentile',
    'From the sale to its device marking it synced, p0 to p99.9; sales never synced are not in it (see stuck).',
    [
      { name: 'all sales', points: percentileCurve(h.timeToSyncMs), color: PALETTE.ink },
      {
        name: 'sold online',
        points: percentileCurve(h.timeToSyncOnlineMs),
        color: PALETTE.green,
        dash: '6 3',
      },
      {
        name: 'sold offline',
        points: percentileCurve(h.timeToSyncOfflineMs),
        color: PALETTE.vermillion,
        dash: '2 3',
      },
    ],
  );
}

export function outcomeChart(summary: Summary): Chart {
  const color = { ok: PALETTE.green, error: PALETTE.vermillion, skip: PALETTE.grey } as const;
  return {
    id: 'chart-outcomes',
    title: 'Request outcomes',
    caption: 'Every request by how it ended; offline skips are sync attempts that made no request.',
    svg: barChart({
      id: 'chart-outcomes',
      title: 'Request outcomes',
      valueLabel: 'count',
      format: (v) => formatNumber(v),
      bars: outcomes(summary).map((o) => ({ label: o.label, value: o.count, color: color[o.kind] })),
    }),
  };
}

/** Every chart of report.html, in page order. */
export function reportCharts(
  summary: Summary,
  metrics: MetricsSnapshot,
): { timeline: Chart[]; latency: Chart[]; outcomes: Chart[] } {
  return {
    timeline: [
      backlogChart(summary, metrics),
      devicesOnlineChart(summary, metrics),
      requestsChart(summary, metrics),
      latencyPerMinuteChart(summary, metrics),
      ...optional(generatorBusyChart(summary, metrics)),
    ],
    latency: [requestPercentileChart(metrics), timeToSyncPercentileChart(metrics)],
    outcomes: [outcomeChart(summary)],
  };
}

function optional(chart: Chart | null): Chart[] {
  return chart === null ? [] : [chart];
}
