/**
 * The generator's own figures in every report: shown for real-time runs only, and a warning, the same in the
 * terminal, report.md and report.html, exactly when the generator passed one of its lines (busy share, lag).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { GENERATOR_LINES, generatorWarning, type ReportInput } from '../../src/report/report-input.ts';
import { renderTerminal } from '../../src/report/terminal.ts';
import type { Percentiles } from '../../src/sim/histogram.ts';
import type { Summary } from '../../src/sim/summary.ts';
import { type SmallRun, smallRun } from './fixture.ts';
import { findAll, parseMarkup, textOf } from './markup.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun();
});
afterAll(() => run.cleanup());

function sampled(p50: number, p99: number): Percentiles {
  return { count: 600, p50, p90: p99, p99, max: p99 };
}

/** The fixture's run as a real-time one whose generator had a busy share and a lag of these p99s. */
function realtime(busyP99: number, lagP99: number): ReportInput {
  const { summary } = run.result;
  const generator = { busyPercent: sampled(Math.min(30, busyP99), busyP99), lagMs: sampled(1, lagP99) };
  return { ...run.result, summary: { ...summary, mode: 'realtime', generator } };
}

const warningOf = (input: ReportInput) => generatorWarning(input.summary)?.join(' ') ?? null;

function everyReport(input: ReportInput): { terminal: string; markdown: string; html: string } {
  return {
    terminal: renderTerminal(input),
    markdown: renderMarkdown(input, { dir: 'r' }),
    html: renderHtml(input, { dir: 'r' }),
  };
}

describe('generatorWarning', () => {
  it('stays quiet in virtual time, whatever the fields say', () => {
    const { summary } = realtime(100, 900);
    expect(generatorWarning({ ...summary, mode: 'virtual' })).toBeNull();
  });

  it('stays quiet below both lines, at the lag line itself, and without samples', () => {
    expect(warningOf(realtime(40, 12))).toBeNull();
    expect(warningOf(realtime(GENERATOR_LINES.busyPercent - 1, GENERATOR_LINES.lagMs))).toBeNull();
    const empty = { count: 0, p50: null, p90: null, p99: null, max: null };
    const unsampled: Summary = { ...realtime(0, 0).summary, generator: { lagMs: empty, busyPercent: empty } };
    expect(generatorWarning(unsampled)).toBeNull();
  });

  it('names the line that was passed: the busy share, the lag, or both', () => {
    const busy = warningOf(realtime(GENERATOR_LINES.busyPercent, 12)) ?? '';
    expect(busy).toContain('for 1% of the run its thread was 90% busy or more (line 90%).');
    const late = warningOf(realtime(40, 80)) ?? '';
    expect(late).toContain('for 1% of the run its thread ran its timers 80 ms late or more (line 50 ms).');
    const both = warningOf(realtime(100, 319)) ?? '';
    expect(both).toContain(
      'its thread was 100% busy or more (line 90%), and ran its timers 319 ms late or more',
    );
    expect(both).toContain('--workers');
  });
});

describe('the generator in the reports', () => {
  it('is not shown for a virtual-time run', () => {
    const { terminal, markdown, html } = everyReport(run.result);
    for (const text of [terminal, markdown, html]) {
      expect(text).not.toMatch(/generator/i);
      expect(text).not.toContain('fell behind');
    }
  });

  it('shows a generator that kept up, without a warning', () => {
    const { terminal, markdown, html } = everyReport(realtime(40, 12));
    const line = 'busy p50 30%, p99 40% of a wall second; timer lag p50 1 ms, p99 12 ms';
    expect(terminal).toContain(`generator   ${line}\n`);
    expect(markdown).toContain(`Load generator (wall clock, sampled over the load): ${line}.`);
    expect(html).toContain(
      `<p class="note" id="generator">Load generator (wall clock, sampled over the load): ${line}.</p>`,
    );
    for (const text of [terminal, markdown, html]) expect(text).not.toContain('fell behind');
  });

  it('warns in every report when the generator fell behind', () => {
    const { terminal, markdown, html } = everyReport(realtime(100, 319));
    const lines = terminal.split('\n');
    const at = lines.findIndex((line) => line.includes('The load generator fell behind'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(/^generator {3}busy p50 30%, p99 100%/);
    expect(lines.slice(at, at + 4).every((line) => line.startsWith(' '.repeat(12)))).toBe(true);
    expect(markdown).toMatch(/^> ⚠️ \*\*Warning\.\*\* The load generator fell behind: .+ lower --speed\.$/m);
    expect(html).toMatch(
      /<p class="warning" id="generator-lag"><b>Warning\.<\/b> The load generator fell behind/,
    );
    expect(renderTerminal(realtime(100, 319), { color: true })).toContain(
      '\u001b[33mThe load generator fell behind',
    );
  });
});

describe("the generator's busy share per minute in report.html", () => {
  /** The input with a busy share measured in every minute of its timeline. */
  function busyMinutes(input: ReportInput, percent: (minute: number) => number): ReportInput {
    const timeline = input.metrics.timeline.map((row) => ({
      ...row,
      generatorBusyPercent: percent(row.minute),
    }));
    return { ...input, metrics: { ...input.metrics, timeline } };
  }
  const figureIds = (html: string) =>
    findAll(parseMarkup(html, { html: true }), 'figure').map((figure) => figure.attributes.id);

  it('is charted after the latency per minute, with the line past which the run warns', () => {
    const html = renderHtml(
      busyMinutes(realtime(100, 319), (minute) => (minute < 5 ? 97 : 20)),
      { dir: 'r' },
    );
    const ids = figureIds(html);
    expect(ids.indexOf('chart-generator')).toBe(ids.indexOf('chart-p99') + 1);
    const figure = findAll(parseMarkup(html, { html: true }), 'figure').find(
      (f) => f.attributes.id === 'chart-generator',
    );
    const text = textOf(figure!);
    expect(text).toContain("syncsim's generator busy per minute");
    expect(text).toContain(`warning line (${GENERATOR_LINES.busyPercent}%)`);
    expect(text).toContain('100%');
    // The warning at the top of the page points to it.
    expect(html).toMatch(
      /id="generator-lag">.*<a href="#chart-generator">When, minute by minute<\/a>\.<\/p>/,
    );
    expect(renderHtml(realtime(100, 319), { dir: 'r' })).not.toContain('href="#chart-generator"');
  });

  it('is not charted where no minute was measured: virtual time, or a histograms.json from before', () => {
    expect(figureIds(renderHtml(run.result, { dir: 'r' }))).not.toContain('chart-generator');
    expect(figureIds(renderHtml(realtime(100, 319), { dir: 'r' }))).not.toContain('chart-generator');
  });
});
