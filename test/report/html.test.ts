import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import { allViolations, type ReportInput } from '../../src/report/report-input.ts';
import { createHistogram, encodeHistogram } from '../../src/sim/histogram.ts';
import { describeTrace } from '../../src/sim/trace-format.ts';
import { HOSTILE, type SmallRun, smallRun, withHostileData } from './fixture.ts';
import { findAll, parseMarkup, textOf } from './markup.ts';

let run: SmallRun;
let page: string;
beforeAll(async () => {
  run = await smallRun();
  page = renderHtml(run.result, { dir: 'reports/lost-ack-1' });
});
afterAll(() => run.cleanup());

/** Every src and href value in the page (a parsed page: no regex guessing at quotes). */
function links(html: string): string[] {
  const root = parseMarkup(html, { html: true });
  const values: string[] = [];
  const visit = (element: ReturnType<typeof parseMarkup>) => {
    for (const [name, value] of Object.entries(element.attributes)) {
      if (name === 'src' || name === 'href' || name === 'xlink:href' || name === 'srcset') values.push(value);
    }
    for (const child of element.children) visit(child);
  };
  visit(root);
  return values;
}

const CHART_IDS = [
  'chart-backlog',
  'chart-online',
  'chart-requests',
  'chart-p99',
  'chart-request-percentiles',
  'chart-tts-percentiles',
  'chart-outcomes',
];

describe('report.html', () => {
  it('is one well-formed page with inline CSS and no script', () => {
    const root = parseMarkup(page, { html: true });
    expect(root.name).toBe('html');
    expect(findAll(root, 'script')).toHaveLength(0);
    expect(page.toLowerCase()).not.toContain('<script');
    expect(findAll(root, 'style')).toHaveLength(1);
    expect(findAll(root, 'link')).toHaveLength(0);
    // No event handlers either: nothing in the page runs.
    const attributes = (e: ReturnType<typeof parseMarkup>): string[] => [
      ...Object.keys(e.attributes),
      ...e.children.flatMap(attributes),
    ];
    expect(attributes(root).filter((name) => name.startsWith('on'))).toEqual([]);
  });

  it('loads nothing from the network', () => {
    for (const value of links(page)) expect(value).not.toMatch(/^\s*(https?:)?\/\//i);
    expect(page).not.toMatch(/(src|href)\s*=\s*["']?\s*https?:/i);
    expect(page).not.toMatch(/url\(\s*["']?https?:/i);
    expect(page).not.toContain('@import');
  });

  it('has one inline SVG per chart', () => {
    const root = parseMarkup(page, { html: true });
    const svgs = findAll(root, 'svg');
    expect(svgs).toHaveLength(CHART_IDS.length);
    const figures = findAll(root, 'figure').map((f) => f.attributes.id);
    expect(figures).toEqual(CHART_IDS);
    for (const svg of svgs) {
      expect(svg.attributes.viewBox).toMatch(/^0 0 \d+ \d+$/);
      expect(findAll(svg, 'title')).toHaveLength(1);
    }
    // The timeline charts drew lines, the percentile charts their curves, the outcome chart its bars.
    for (const id of [
      'chart-backlog',
      'chart-requests',
      'chart-request-percentiles',
      'chart-tts-percentiles',
    ]) {
      const figure = findAll(root, 'figure').find((f) => f.attributes.id === id)!;
      expect(findAll(figure, 'path').length, id).toBeGreaterThan(0);
    }
    const outcomes = findAll(root, 'figure').find((f) => f.attributes.id === 'chart-outcomes')!;
    expect(findAll(outcomes, 'rect').length).toBeGreaterThan(4);
  });

  it("draws a 700-hour run's timeline (42,000 minutes) without passing them as arguments", () => {
    const { summary, metrics } = run.result;
    const [row] = metrics.timeline;
    const timeline = Array.from({ length: 700 * 60 }, (_, minute) => ({ ...row!, minute }));
    const long = renderHtml(
      {
        ...run.result,
        summary: { ...summary, simulatedSeconds: 700 * 3600 },
        metrics: { ...metrics, timeline },
      },
      { dir: 'reports/long' },
    );
    expect(findAll(parseMarkup(long, { html: true }), 'svg')).toHaveLength(CHART_IDS.length);
    for (const word of ['NaN', 'undefined', 'Infinity']) expect(long).not.toContain(word);
  });

  it('never prints NaN, undefined or Infinity', () => {
    for (const word of ['NaN', 'undefined', 'Infinity', '[object Object]']) expect(page).not.toContain(word);
  });

  it('shows the verdict, the thresholds, the invariants and every violation with its trace', () => {
    const root = parseMarkup(page, { html: true });
    const text = textOf(root);
    expect(text).toContain('FAIL');
    expect(findAll(root, 'header')[0]!.attributes.class).toBe('verdict fail');
    for (const t of run.result.summary.thresholds) expect(text).toContain(t.expression);
    const invariants = findAll(root, 'section').find((s) => s.attributes.id === 'invariants')!;
    for (const kind of ['lost', 'duplicated', 'phantom', 'mismatched', 'stuck', 'collided', 'unsound'])
      expect(textOf(invariants)).toContain(kind);
    const violations = allViolations(run.result.check);
    expect(findAll(root, 'details').filter((d) => d.attributes.class?.startsWith('violation'))).toHaveLength(
      violations.length,
    );
    const pres = findAll(root, 'pre').map(textOf);
    for (const violation of violations) {
      if (violation.trace === null) continue;
      expect(pres).toContain(describeTrace(violation.trace).join('\n'));
    }
    expect(text).toContain('syncsim replay reports/lost-ack-1/summary.json');
    // A sale the ledger holds nothing for says so in its server column.
    if (violations.some((v) => v.server !== null && v.server.length === 0))
      expect(text).toContain('no row stored');
  });

  it('says "not checked" for an invariant without a ledger, never 0', () => {
    const { summary } = run.result;
    const input: ReportInput = {
      ...run.result,
      summary: {
        ...summary,
        invariants: { ...summary.invariants, checked: false, phantom: null, matchedBy: null },
      },
    };
    const root = parseMarkup(renderHtml(input, { dir: 'r' }), { html: true });
    const invariants = findAll(root, 'section').find((s) => s.attributes.id === 'invariants')!;
    const phantom = findAll(invariants, 'tr').find((tr) => textOf(tr).startsWith('phantom'))!;
    expect(textOf(phantom)).toContain('not checked');
    expect(textOf(phantom)).not.toMatch(/phantom\s*0/);
  });

  it('escapes a hostile product name, reference, detail and threshold', () => {
    const hostile = renderHtml(withHostileData(run.result), { dir: 'r' });
    expect(hostile.toLowerCase()).not.toContain('<script');
    expect(hostile).not.toContain('<img');
    expect(hostile).not.toContain('<i>');
    expect(hostile).not.toContain('<b>no</b>');
    expect(hostile).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Kopi&#39;');
    expect(hostile).toContain('POS-&lt;img src=x onerror=alert(1)&gt;-&amp;amp;-&quot;1&quot;');
    // Parsed back, the text is exactly what the data said, escaped once, not twice; but control characters,
    // which HTML forbids (the bell, an escape sequence's ESC), are U+FFFD.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the page must not hold
    const controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
    expect(hostile).not.toMatch(controls);
    const text = textOf(parseMarkup(hostile, { html: true }));
    expect(text).toContain(HOSTILE.product.replace(controls, '\uFFFD'));
    expect(text).toContain(HOSTILE.reference.replace(controls, '\uFFFD'));
    expect(text).toContain(HOSTILE.expression);
    expect(text).toContain('🧾');
  });

  it('a merged result (no check) points to the shards instead of the violations', () => {
    const { summary, metrics } = run.result;
    const merged = renderHtml({ summary, metrics, shards: ['reports/s0', 'reports/s1'] }, { dir: 'm' });
    const root = parseMarkup(merged, { html: true });
    const section = findAll(root, 'section').find((s) => s.attributes.id === 'violations')!;
    expect(textOf(section)).toContain('see the shards’ reports (reports/s0, reports/s1)');
    expect(findAll(root, 'svg')).toHaveLength(CHART_IDS.length);
  });

  it('a merged result with every invariant checked and 0 says None, as one run does', () => {
    const { summary, metrics } = run.result;
    const clean = { ...summary.invariants, lost: 0, duplicated: 0, phantom: 0, mismatched: 0, stuck: 0 };
    const merged = renderHtml(
      { summary: { ...summary, invariants: { ...clean, collided: 0, unsound: 0 } }, metrics, shards: ['s0'] },
      { dir: 'm' },
    );
    const section = findAll(parseMarkup(merged, { html: true }), 'section').find(
      (s) => s.attributes.id === 'violations',
    )!;
    expect(textOf(section)).toContain('None: every sale checked out.');
  });

  it('renders a run without any traffic: empty charts say so', () => {
    const { summary, metrics } = run.result;
    const nothing = encodeHistogram(createHistogram());
    const empty = renderHtml(
      {
        summary: {
          ...summary,
          requests: { ...summary.requests, total: 0, ok: 0, errorRate: null, byStatus: {}, resets: 0 },
          latency: {
            requestMs: { count: 0, p50: null, p90: null, p99: null, max: null },
            timeToSyncMs: { count: 0, p50: null, p90: null, p99: null, max: null },
            timeToSyncOnlineMs: { count: 0, p50: null, p90: null, p99: null, max: null },
            timeToSyncOfflineMs: { count: 0, p50: null, p90: null, p99: null, max: null },
          },
        },
        metrics: {
          ...metrics,
          timeline: [],
          histograms: {
            ...metrics.histograms,
            requestMs: nothing,
            timeToSyncMs: nothing,
            timeToSyncOnlineMs: nothing,
            timeToSyncOfflineMs: nothing,
          },
        },
        check: null,
      },
      { dir: 'r' },
    );
    parseMarkup(empty, { html: true });
    for (const word of ['NaN', 'undefined', 'Infinity']) expect(empty).not.toContain(word);
    expect(empty).toContain('nothing recorded');
    expect(empty).toContain('no samples');
    expect(empty).toContain('n/a (no requests)');
  });
});
