import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { allViolations } from '../../src/report/report-input.ts';
import { HOSTILE, type SmallRun, smallRun, withHostileData } from './fixture.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun();
});
afterAll(() => run.cleanup());

describe('report.md', () => {
  it('has the headline, the run, the thresholds and the invariants', () => {
    const md = renderMarkdown(run.result, { dir: 'reports/lost-ack-1' });
    const { summary } = run.result;
    expect(md.split('\n')[0]).toBe('# ❌ FAIL: lost-ack');
    expect(md).toContain('| seed | `report-1` |');
    expect(md).toContain('| policy | seed |');
    expect(md).toContain('| mode | virtual |');
    expect(md).toContain('| devices | 5 |');
    expect(md).toContain('simulated (fault 20m 00s');
    expect(md).toContain(`| \`invariants.stuck == 0\` | ${summary.invariants.stuck} | ❌ no |`);
    expect(md).toMatch(/\| `latency\.timeToSyncMs\.p99 < 300000` \| [\d,]+ \([^)]+\) \| ✅ yes \|/);
    expect(md).toContain(`| stuck | ${summary.invariants.stuck} | ❌ |`);
    expect(md).toContain('| duplicated | 0 | ✅ |');
    expect(md).toContain('## Sales');
    expect(md).toContain('## Requests');
    expect(md).toContain('| time-to-sync, sold offline |');
    expect(md).toContain('syncsim replay reports/lost-ack-1/summary.json');
  });

  it('shows the first violations with their traces, and says how many more there are', () => {
    const md = renderMarkdown(run.result, { dir: 'r', maxViolations: 2 });
    // One of each kind that broke comes first.
    const kinds = [...new Set(allViolations(run.result.check).map((v) => v.kind))];
    expect(kinds.length).toBeGreaterThanOrEqual(2);
    for (const kind of kinds.slice(0, 2)) {
      const first = run.result.check.examples[kind][0]!;
      expect(md).toContain(`### ${kind}: \`${first.offlineReference}\``);
    }
    expect(md).toContain('created on');
    expect(md.match(/^### /gm)).toHaveLength(2);
    expect(md).toMatch(/… and \d+ more examples/);
  });

  it('prints "not checked" for an invariant without a ledger, never 0', () => {
    const { summary } = run.result;
    const md = renderMarkdown(
      {
        ...run.result,
        summary: { ...summary, invariants: { ...summary.invariants, checked: false, lost: null } },
      },
      { dir: 'r' },
    );
    expect(md).toContain('| lost | not checked | ➖ not checked |');
  });

  it('keeps hostile text from becoming markup or breaking a table', () => {
    const md = renderMarkdown(withHostileData(run.result), { dir: 'r' });
    // Code spans and fenced blocks show their text literally; everywhere else no tag may survive.
    const prose = withoutCode(md);
    expect(prose).not.toContain('<script>');
    expect(prose).not.toContain('<i>');
    expect(prose).not.toContain('<img');
    expect(prose).toContain('&lt;script&gt;');
    // The hostile detail's pipes are escaped inside the thresholds table.
    const row = md.split('\n').find((line) => line.includes('latency.requestMs.p99 < 5'))!;
    expect(row.split(' | ')).toHaveLength(3);
    // The reference's newline neither ends its heading (leaving the code span open) nor starts one.
    const heading = md.split('\n').find((line) => line.startsWith('### ') && line.includes('POS-<img'))!;
    expect(heading).toMatch(/^### \w+: `[^`]+`$/);
    expect(withoutCode(md)).not.toMatch(/^# heading/m);
    // The trace keeps the reference verbatim, inside a code block no backticks can close.
    expect(md).toContain(HOSTILE.reference);
  });
});

/** The Markdown without fenced blocks and code spans (fences here are at least three backticks on a line). */
function withoutCode(md: string): string {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    if (fence !== null) {
      if (line === fence) fence = null;
      continue;
    }
    if (line.startsWith('```')) {
      fence = line.slice(0, line.length - line.replace(/^`+/, '').length);
      continue;
    }
    lines.push(line.replace(/`[^`]*`/g, ''));
  }
  return lines.join('\n');
}
