/**
 * A horizontal bar chart as inline SVG: one bar per category with its value at the end, a value axis with
 * ticks and grid lines. Horizontal so that any number of categories with long names stays readable. Pure.
 */
import { html } from '../safe-html.ts';
import { PALETTE, SERIES_COLORS } from './palette.ts';
import { linearScale, niceLinear } from './scale.ts';
import { frame, num, textWidth } from './svg.ts';

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
}

export interface BarChartSpec {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly Bar[];
  /** The value axis's label. */
  readonly valueLabel: string;
  readonly format?: (value: number) => string;
  readonly width?: number;
  readonly emptyMessage?: string;
}

const BAR_HEIGHT = 20;
const BAR_GAP = 8;
const TITLE_HEIGHT = 24;

export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 640;
  const format = spec.format ?? ((value: number) => String(value));
  const labelWidth = Math.min(
    width / 3,
    Math.max(60, ...spec.bars.map((bar) => textWidth(bar.label, 11.5) + 12)),
  );
  const valueWidth = Math.max(30, ...spec.bars.map((bar) => textWidth(format(bar.value), 11) + 10));
  const plotLeft = labelWidth + 8;
  const plotRight = width - valueWidth - 8;
  const plotTop = TITLE_HEIGHT + 14;
  const rows = Math.max(1, spec.bars.length);
  const plotBottom = plotTop + rows * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + 6;
  const height = plotBottom + 44;

  const max = Math.max(0, ...spec.bars.map((bar) => bar.value));
  // Counts: at least 0..5, so small or empty charts tick at whole numbers.
  const integer = spec.bars.every((bar) => Number.isInteger(bar.value));
  const nice = niceLinear(0, integer ? Math.max(max, 5) : max, 5);
  const x = linearScale(nice.domain, [plotLeft, plotRight]);

  const grid = nice.ticks.map((tick) => {
    const tx = x(tick);
    return html`<line x1="${num(tx)}" y1="${num(plotTop)}" x2="${num(tx)}" y2="${num(plotBottom)}" stroke="${PALETTE.grid}" stroke-width="1"/><text x="${num(tx)}" y="${num(plotBottom + 16)}" font-size="10.5" text-anchor="middle" fill="${PALETTE.axis}">${format(tick)}</text>`;
  });
  const bars = spec.bars.map((bar, i) => {
    const top = plotTop + 3 + i * (BAR_HEIGHT + BAR_GAP);
    const end = x(bar.value);
    const color = bar.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
    return html`<g class="bar"><text x="${num(plotLeft - 8)}" y="${num(top + BAR_HEIGHT / 2 + 4)}" font-size="11.5" text-anchor="end" fill="${PALETTE.ink}">${bar.label}</text><rect x="${num(plotLeft)}" y="${num(top)}" width="${num(Math.max(0, end - plotLeft))}" height="${BAR_HEIGHT}" fill="${color}"/><text x="${num(end + 6)}" y="${num(top + BAR_HEIGHT / 2 + 4)}" font-size="11" fill="${PALETTE.ink}">${format(bar.value)}</text></g>`;
  });
  const empty =
    spec.bars.length === 0
      ? html`<text x="${num((plotLeft + plotRight) / 2)}" y="${num(plotTop + 16)}" font-size="13" text-anchor="middle" fill="${PALETTE.grey}">${spec.emptyMessage ?? 'no data'}</text>`
      : '';
  const body = html`<text x="8" y="17" font-size="14" font-weight="600" fill="${PALETTE.ink}">${spec.title}</text><g class="grid">${grid}</g>${bars}${empty}<line x1="${num(plotLeft)}" y1="${num(plotTop)}" x2="${num(plotLeft)}" y2="${num(plotBottom)}" stroke="${PALETTE.axis}" stroke-width="1"/><text x="${num((plotLeft + plotRight) / 2)}" y="${num(height - 8)}" font-size="11" text-anchor="middle" fill="${PALETTE.axis}">${spec.valueLabel}</text>`;
  return frame(width, height, spec.title, body, spec.id).value;
}
