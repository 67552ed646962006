import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeMarkdown,
  escapeXml,
  markdownCode,
  markdownFence,
  terminalSafe,
} from '../../src/report/escape.ts';
import { formatActual, formatCount, formatMs, formatNumber, formatRate } from '../../src/report/format.ts';
import { replayCommand } from '../../src/report/report-input.ts';
import { html, trusted } from '../../src/report/safe-html.ts';

describe('escaping', () => {
  it('HTML: the five characters that matter', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('HTML: control characters, which HTML forbids, become U+FFFD; tab and newline stay', () => {
    expect(escapeHtml('a\u0007b\u001b[2Jc\u0085d\te\nf')).toBe('a\uFFFDb\uFFFD[2Jc\uFFFDd\te\nf');
  });

  it('the html template escapes every value but trusted markup', () => {
    const name = '<b>';
    expect(html`<p title="${name}">${name}${trusted('<i>ok</i>')}${[name, 1]}${null}</p>`.value).toBe(
      '<p title="&lt;b&gt;">&lt;b&gt;<i>ok</i>&lt;b&gt;1</p>',
    );
  });

  it('XML: escapes markup, keeps unicode and pairs, replaces what XML 1.0 cannot hold', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeXml('tab\tline\nret\r')).toBe('tab&#9;line&#10;ret&#13;');
    expect(escapeXml('bell\u0007 nul\u0000 🧾 ü')).toBe('bell\uFFFD nul\uFFFD 🧾 ü');
    expect(escapeXml('lone \uD800 high, lone \uDC00 low, \uFFFE')).toBe(
      'lone \uFFFD high, lone \uFFFD low, \uFFFD',
    );
  });

  it('Markdown: no tags, no table breaks, no emphasis', () => {
    expect(escapeMarkdown('<b>a|b</b> *x* _y_ `z`\nnext')).toBe(
      '&lt;b&gt;a\\|b&lt;/b&gt; \\*x\\* \\_y\\_ \\`z\\` next',
    );
  });

  it('a Markdown code span stays one span on one line; in a table cell a pipe is escaped', () => {
    expect(markdownCode('a`b|c\n# d\r\ne\u001b', 'cell')).toBe("`a'b\\|c # d e `");
    expect(markdownCode('a`b|c\n# d', 'line')).toBe("`a'b|c # d`");
  });

  it('terminal: escape sequences are shown as text, except our own colours', () => {
    expect(terminalSafe('seed 1\u001b]0;PWNED\u0007\u001b[2J')).toBe('seed 1\\x1b]0;PWNED\\x07\\x1b[2J');
    expect(terminalSafe('\u001b[31mFAIL\u001b[0m\tok\nnext\r\u009b')).toBe(
      '\u001b[31mFAIL\u001b[0m\tok\nnext\\x0d\\x9b',
    );
  });

  it('a Markdown fence is longer than any backtick run inside', () => {
    expect(markdownFence('plain')).toBe('```');
    expect(markdownFence('a ```` b')).toBe('`````');
  });

  it('the replay command quotes a path the shell would split', () => {
    expect(replayCommand('reports/run-1/')).toBe('syncsim replay reports/run-1/summary.json');
    expect(replayCommand("my runs/it's")).toBe(`syncsim replay 'my runs/it'\\''s/summary.json'`);
  });
});

describe('formatting', () => {
  it('numbers, durations, rates and counts read the same on every machine', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(-1234.5)).toBe('-1,234.5');
    expect(formatNumber(0.24266, 4)).toBe('0.2427');
    expect([0, 918, 2_345, 45_600, 245_000, 3_725_000].map(formatMs)).toEqual([
      '0 ms',
      '918 ms',
      '2.35 s',
      '45.6 s',
      '4m 05s',
      '1h 02m',
    ]);
    expect(formatMs(null)).toBe('no data');
    expect(formatRate(0.2427)).toBe('24.3%');
    expect(formatRate(0.001)).toBe('0.1%');
    expect(formatRate(null)).toBe('n/a (no requests)');
    expect(formatCount(null)).toBe('not checked');
    expect(formatCount(0)).toBe('0');
  });

  it('a value too small for its decimals keeps two significant digits: never a false zero', () => {
    expect(formatNumber(0.0000419, 4)).toBe('0.000042');
    expect(formatNumber(-0.0000419, 4)).toBe('-0.000042');
    expect(formatNumber(0.004999, 2)).toBe('0.005');
    expect(formatRate(0.0000419)).toBe('0.0042%');
    expect(formatRate(0.00004)).toBe('0.004%');
    expect(formatActual(0.0000419, 'requests.errorRate == 0')).toBe('0.000042 (0.0042%)');
    expect(formatRate(0)).toBe('0%');
  });

  it('a threshold value reads as a duration or a rate when its field is one', () => {
    expect(formatActual(116671, 'latency.timeToSyncMs.p99 < 300000')).toBe('116,671 (1m 57s)');
    expect(formatActual(0.25, 'requests.errorRate < 0.01')).toBe('0.25 (25%)');
    expect(formatActual(3, 'invariants.stuck == 0')).toBe('3');
    expect(formatActual(null, 'invariants.lost == 0')).toBe('n/a');
    expect(formatActual(true)).toBe('true');
  });
});
