/**
 * A line chart as inline SVG: axes with ticks and labels, grid lines, several series with a legend, gaps
 * where a value is null, shaded x-ranges (e.g. the heal phase), linear or log10 axes. Pure: spec in, markup
 * out, the same markup for the same spec.
 */
import { extent } from '../../sim/extent.ts';
import { html } from '../safe-html.ts';
import { PALETTE, SERIES_COLORS } from './palette.ts';
import { DECADES, linearScale, logScale, niceLinear, niceLog, type ScaleFn } from './scale.ts';
import { frame, legend, num } from './svg.ts';

export interface Point {
  readonly x: number;
  /** null: no value here; the line breaks. */
  readonly y: number | null;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly Point[];
  readonly color?: string;
  /** An SVG dash pattern, e.g. `6 3`, so series stay apart in grey print. */
  readonly dash?: string;
}

export interface Tick {
  readonly value: number;
  readonly label: string;
}

export interface AxisSpec {
  readonly label: string;
  readonly scale?: 'linear' | 'log';
  readonly format?: (value: number) => string;
  /** Fixed ticks; the domain then spans them (and the data). */
  readonly ticks?: readonly Tick[];
  /** Log axes: the values ticks may sit at (default powers of ten). */
  readonly logCandidates?: readonly number[];
  /** Bounds the domain must include (e.g. 0, or the fleet size). */
  readonly include?: readonly number[];
  /** Counts: whole-number ticks only (a backlog of 0 to 2 rows has no 0.5 row). */
  readonly integer?: boolean;
}

export interface Band {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export interface LineChartSpec {
  /** Unique in the page: ids inside the SVG derive from it. */
  readonly id: string;
  readonly title: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly LineSeries[];
  readonly bands?: readonly Band[];
  readonly width?: number;
  readonly height?: number;
  /** Shown in the plot area when no series has a value. */
  readonly emptyMessage?: string;
  /** Draw a dot at every point (sparse data). Isolated points always get one. */
  readonly dots?: boolean;
  /** Vertical grid lines at the x ticks (percentile plots read off p90, p99 there). */
  readonly xGrid?: boolean;
}

const MARGIN = { left: 62, right: 18, bottom: 46 };
const TITLE_HEIGHT = 24;

interface ResolvedAxis {
  readonly scale: ScaleFn;
  readonly ticks: readonly Tick[];
}

function resolveAxis(
  axis: AxisSpec,
  values: readonly number[],
  range: readonly [number, number],
): ResolvedAxis {
  const format = axis.format ?? ((value: number) => String(value));
  const fixed = axis.ticks ?? [];
  const all = [...values, ...(axis.include ?? []), ...fixed.map((t) => t.value)];
  const { min, max } = extent(all) ?? { min: 0, max: 1 };
  if (axis.scale === 'log') {
    const positives = all.filter((v) => v > 0);
    const candidates = axis.logCandidates ?? DECADES;
    const nice = niceLog(extent(positives)?.min ?? 1, Math.max(max, 1), candidates);
    const ticks = fixed.length > 0 ? fixed : nice.ticks.map((value) => ({ value, label: format(value) }));
    return { scale: logScale(nice.domain, range), ticks };
  }
  if (fixed.length > 0)
    return { scale: linearScale([min, max === min ? min + 1 : max], range), ticks: fixed };
  const nice = niceLinear(min, axis.integer ? Math.max(max, min + 5) : max, 5);
  return {
    scale: linearScale(nice.domain, range),
    ticks: nice.ticks
      .filter((value) => !axis.integer || Number.isInteger(value))
      .map((value) => ({ value, label: format(value) })),
  };
}

/** Each run of consecutive non-null points, as [x, y] pixel pairs. */
function segments(points: readonly Point[], x: ScaleFn, y: ScaleFn): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] = [];
  for (const point of points) {
    if (point.y === null || !Number.isFinite(point.y)) {
      if (current.length > 0) out.push(current);
      current = [];
      continue;
    }
    current.push([x(point.x), y(point.y)]);
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 300;
  const colored = spec.series.map((series, i) => ({
    ...series,
    color: series.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!,
  }));
  const plotLeft = MARGIN.left;
  const plotRight = width - MARGIN.right;
  const key = legend(
    spec.series.length > 1
      ? colored.map((s) => ({ name: s.name, color: s.color, dash: s.dash ?? null }))
      : [],
    plotLeft,
    TITLE_HEIGHT + 4,
    plotRight - plotLeft,
  );
  const plotTop = TITLE_HEIGHT + 12 + key.height;
  const plotBottom = height - MARGIN.bottom;

  const xs = colored.flatMap((s) => s.points.map((p) => p.x));
  const bandEdges = (spec.bands ?? []).flatMap((b) => [b.from, b.to]);
  const ys = colored.flatMap((s) =>
    s.points.flatMap((p) => (p.y === null || !Number.isFinite(p.y) ? [] : [p.y])),
  );
  const xAxis = resolveAxis(spec.x, [...xs, ...bandEdges], [plotLeft, plotRight]);
  const yAxis = resolveAxis(spec.y, ys, [plotBottom, plotTop]);
  const x = xAxis.scale;
  const y = yAxis.scale;

  const bands = (spec.bands ?? []).map((band) => {
    const x0 = Math.max(plotLeft, Math.min(x(band.from), plotRight));
    const x1 = Math.max(plotLeft, Math.min(x(band.to), plotRight));
    return html`<g class="band"><rect x="${num(x0)}" y="${num(plotTop)}" width="${num(Math.max(0, x1 - x0))}" height="${num(plotBottom - plotTop)}" fill="${PALETTE.band}"/><text x="${num(x0 + 4)}" y="${num(plotTop + 12)}" font-size="10" fill="${PALETTE.axis}">${band.label}</text></g>`;
  });

  const yTicks = yAxis.ticks.map((tick) => {
    const ty = y(tick.value);
    return html`<line x1="${num(plotLeft)}" y1="${num(ty)}" x2="${num(plotRight)}" y2="${num(ty)}" stroke="${PALETTE.grid}" stroke-width="1"/><text x="${num(plotLeft - 6)}" y="${num(ty + 3.5)}" font-size="10.5" text-anchor="end" fill="${PALETTE.axis}">${tick.label}</text>`;
  });
  const xTicks = xAxis.ticks.map((tick) => {
    const tx = x(tick.value);
    const grid = spec.xGrid
      ? html`<line x1="${num(tx)}" y1="${num(plotTop)}" x2="${num(tx)}" y2="${num(plotBottom)}" stroke="${PALETTE.grid}" stroke-width="1"/>`
      : '';
    return html`${grid}<line x1="${num(tx)}" y1="${num(plotBottom)}" x2="${num(tx)}" y2="${num(plotBottom + 5)}" stroke="${PALETTE.axis}" stroke-width="1"/><text x="${num(tx)}" y="${num(plotBottom + 17)}" font-size="10.5" text-anchor="middle" fill="${PALETTE.axis}">${tick.label}</text>`;
  });

  const lines = colored.map((series) => {
    const parts = segments(series.points, x, y);
    const paths = parts
      .filter((part) => part.length > 1)
      .map(
        (part) =>
          html`<path d="${part.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${num(px)} ${num(py)}`).join(' ')}" fill="none" stroke="${series.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${series.dash ? html` stroke-dasharray="${series.dash}"` : ''}/>`,
      );
    const dotted = spec.dots === true ? parts.flat() : parts.filter((part) => part.length === 1).flat();
    const dots = dotted.map(
      ([px, py]) => html`<circle cx="${num(px)}" cy="${num(py)}" r="2.5" fill="${series.color}"/>`,
    );
    return html`<g class="series">${paths}${dots}</g>`;
  });

  const empty =
    ys.length === 0
      ? html`<text x="${num((plotLeft + plotRight) / 2)}" y="${num((plotTop + plotBottom) / 2)}" font-size="13" text-anchor="middle" fill="${PALETTE.grey}">${spec.emptyMessage ?? 'no data'}</text>`
      : '';

  const body = html`<text x="${num(plotLeft)}" y="17" font-size="14" font-weight="600" fill="${PALETTE.ink}">${spec.title}</text>${key.svg}${bands}<g class="grid">${yTicks}</g><line x1="${num(plotLeft)}" y1="${num(plotBottom)}" x2="${num(plotRight)}" y2="${num(plotBottom)}" stroke="${PALETTE.axis}" stroke-width="1"/><line x1="${num(plotLeft)}" y1="${num(plotTop)}" x2="${num(plotLeft)}" y2="${num(plotBottom)}" stroke="${PALETTE.axis}" stroke-width="1"/><g class="x-ticks">${xTicks}</g>${lines}${empty}<text x="${num((plotLeft + plotRight) / 2)}" y="${num(height - 8)}" font-size="11" text-anchor="middle" fill="${PALETTE.axis}">${spec.x.label}</text><text transform="translate(14 ${num((plotTop + plotBottom) / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="${PALETTE.axis}">${spec.y.label}</text>`;
  return frame(width, height, spec.title, body, spec.id).value;
}
