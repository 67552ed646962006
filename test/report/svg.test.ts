import { describe, expect, it } from 'vitest';
import { DURATION_TICKS, formatMsTick, minuteTicks, percentileCurve } from '../../src/report/charts.ts';
import { barChart } from '../../src/report/svg/bar-chart.ts';
import { lineChart } from '../../src/report/svg/line-chart.ts';
import { DECADES, linearScale, logScale, niceLinear, niceLog, niceStep } from '../../src/report/svg/scale.ts';
import { createHistogram, encodeHistogram, recordValue } from '../../src/sim/histogram.ts';
import { findAll, parseMarkup, textOf } from './markup.ts';

describe('scales', () => {
  it('linear maps the domain onto the range, a flat domain to its middle', () => {
    const x = linearScale([0, 10], [100, 200]);
    expect([x(0), x(5), x(10)]).toEqual([100, 150, 200]);
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
  });

  it('log10 puts decades evenly and clamps values at or below zero to the low end', () => {
    const y = logScale([1, 1000], [300, 0]);
    expect([y(1), y(10), y(100), y(1000)]).toEqual([300, 200, 100, 0]);
    expect(y(0)).toBe(300);
    expect(y(-5)).toBe(300);
  });

  it('nice steps are 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(0, 100, 5)).toBe(20);
    expect(niceStep(0, 7, 5)).toBe(2);
    expect(niceStep(0, 0.3, 5)).toBeCloseTo(0.1);
    expect(niceLinear(0, 89, 5)).toEqual({ domain: [0, 100], ticks: [0, 20, 40, 60, 80, 100] });
    expect(niceLinear(0, 0.7, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceLinear(5, 5).domain).toEqual([0, 5]);
    expect(niceLinear(0, 0).domain).toEqual([0, 1]);
  });

  it('log domains snap to the candidates around the data', () => {
    expect(niceLog(12, 950, DECADES)).toEqual({ domain: [10, 1000], ticks: [10, 100, 1000] });
    expect(niceLog(5, 5, DECADES).domain).toEqual([1, 10]);
  });

  it('time ticks fall on round minutes, as h:mm', () => {
    expect(minuteTicks(0, 50).map((t) => t.label)).toEqual(['0:00', '0:10', '0:20', '0:30', '0:40', '0:50']);
    expect(minuteTicks(0, 480).map((t) => t.label)).toEqual([
      '0:00',
      '1:00',
      '2:00',
      '3:00',
      '4:00',
      '5:00',
      '6:00',
      '7:00',
      '8:00',
    ]);
  });

  it('duration ticks read as durations', () => {
    expect([0, 250, 1_000, 1_500, 60_000, 600_000, 3_600_000].map(formatMsTick)).toEqual([
      '0',
      '250 ms',
      '1 s',
      '1.5 s',
      '1 min',
      '10 min',
      '1 h',
    ]);
  });
});

describe('lineChart', () => {
  const spec = {
    id: 'test',
    title: 'A <title> & more',
    x: { label: 'x' },
    y: { label: 'y' },
    series: [
      {
        name: 'a & b',
        points: [
          { x: 0, y: 1 },
          { x: 1, y: 2 },
          { x: 2, y: null },
          { x: 3, y: 4 },
          { x: 4, y: 3 },
          { x: 5, y: null },
          { x: 6, y: 7 },
        ],
      },
      {
        name: 'c',
        points: [
          { x: 0, y: 0 },
          { x: 6, y: 2 },
        ],
      },
    ],
    bands: [{ from: 4, to: 6, label: 'heal' }],
  };

  it('draws axes, ticks, a legend, shaded bands, and breaks lines at nulls', () => {
    const svg = lineChart(spec);
    const root = parseMarkup(svg);
    expect(root.name).toBe('svg');
    expect(textOf(findAll(root, 'title')[0]!)).toBe('A <title> & more');
    const paths = findAll(root, 'path');
    // Series a: [0,1] and [3,4] are lines, 6 is a lone point (a dot); series c: one line.
    expect(paths).toHaveLength(3);
    expect(findAll(root, 'circle')).toHaveLength(1);
    const legend = findAll(root, 'g').filter((g) => g.attributes.class === 'legend-item');
    expect(legend.map(textOf)).toEqual(['a & b', 'c']);
    expect(findAll(root, 'g').filter((g) => g.attributes.class === 'band')).toHaveLength(1);
    const texts = findAll(root, 'text').map(textOf);
    expect(texts).toEqual(expect.arrayContaining(['0', '2', '4', '6', '8', 'heal', 'x', 'y']));
  });

  it('is deterministic and uses short coordinates', () => {
    const svg = lineChart(spec);
    expect(lineChart(spec)).toBe(svg);
    expect(svg).not.toMatch(/\d\.\d{2,}/);
    expect(svg).not.toContain('NaN');
  });

  it('count axes tick at whole numbers only', () => {
    const svg = lineChart({
      ...spec,
      y: { label: 'rows', integer: true },
      series: [
        {
          name: 'a',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 2 },
          ],
        },
      ],
    });
    const labels = findAll(parseMarkup(svg), 'text').map(textOf);
    expect(labels).toEqual(expect.arrayContaining(['0', '1', '2', '3', '4', '5']));
    expect(labels.filter((label) => label.includes('.'))).toEqual([]);
  });

  it('says so when there is nothing to draw', () => {
    const svg = lineChart({ ...spec, series: [{ name: 'a', points: [] }], emptyMessage: 'nothing yet' });
    expect(textOf(parseMarkup(svg))).toContain('nothing yet');
    expect(svg).not.toContain('NaN');
  });

  it('log axes tick at powers of ten, or at the candidates given (round durations)', () => {
    const series = [
      {
        name: 'a',
        points: [
          { x: 0, y: 5 },
          { x: 1, y: 50_000 },
        ],
      },
    ];
    const decades = lineChart({ ...spec, y: { label: 'n', scale: 'log' }, series });
    expect(findAll(parseMarkup(decades), 'text').map(textOf)).toEqual(
      expect.arrayContaining(['1', '10', '100', '1000', '10000', '100000']),
    );
    const durations = lineChart({
      ...spec,
      y: { label: 'ms', scale: 'log', format: formatMsTick, logCandidates: DURATION_TICKS },
      series,
    });
    const texts = findAll(parseMarkup(durations), 'text').map(textOf);
    expect(texts).toEqual(expect.arrayContaining(['1 ms', '10 ms', '100 ms', '1 s', '10 s', '1 min']));
    expect(texts).not.toContain('1.7 min');
  });
});

describe('barChart', () => {
  it('draws one bar per category with its value, longest bar for the largest value', () => {
    const svg = barChart({
      id: 'bars',
      title: 'Outcomes',
      valueLabel: 'count',
      bars: [
        { label: 'HTTP 200', value: 300 },
        { label: 'timeouts <&>', value: 30 },
        { label: 'offline skips', value: 0 },
      ],
    });
    const root = parseMarkup(svg);
    const bars = findAll(root, 'g').filter((g) => g.attributes.class === 'bar');
    expect(bars).toHaveLength(3);
    const widths = bars.map((g) => Number(findAll(g, 'rect')[0]!.attributes.width));
    expect(widths[0]).toBeGreaterThan(widths[1]!);
    expect(widths[2]).toBe(0);
    expect(bars.map(textOf)).toEqual(['HTTP 200300', 'timeouts <&>30', 'offline skips0']);
  });
});

describe('percentileCurve', () => {
  it('goes from p0 to p99.9 on a log(1 / (1 - p)) axis, never decreasing', () => {
    const histogram = createHistogram();
    for (let v = 1; v <= 10_000; v++) recordValue(histogram, v);
    const points = percentileCurve(encodeHistogram(histogram));
    expect(points[0]).toEqual({ x: 0, y: 1 });
    expect(points.at(-1)!.x).toBe(3);
    expect(points.at(-1)!.y).toBeGreaterThanOrEqual(9_990);
    const at90 = points.find((p) => p.x === 1)!;
    expect(at90.y).toBeGreaterThanOrEqual(8_990);
    expect(at90.y).toBeLessThanOrEqual(9_010);
    for (let i = 1; i < points.length; i++) expect(points[i]!.y!).toBeGreaterThanOrEqual(points[i - 1]!.y!);
  });

  it('is empty for an empty histogram', () => {
    expect(percentileCurve(encodeHistogram(createHistogram()))).toEqual([]);
  });
});
