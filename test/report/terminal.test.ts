import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTerminal } from '../../src/report/terminal.ts';
import { type SmallRun, smallRun } from './fixture.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun();
});
afterAll(() => run.cleanup());

describe('terminal summary', () => {
  it('is a short plain-text table with the essentials', () => {
    const text = renderTerminal(run.result, { dir: 'reports/x' });
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(18);
    expect(text).not.toContain('\u001b[');
    const { summary } = run.result;
    expect(lines[0]).toBe('FAIL  lost-ack  seed report-1');
    expect(text).toContain(
      `${summary.sales.created} created, ${summary.sales.synced} synced, ${summary.invariants.stuck} stuck`,
    );
    expect(text).toMatch(/error rate \d+(\.\d+)?%/);
    expect(text).toMatch(/request p50 [\d.,]+ ms, p99 /);
    expect(text).toMatch(/time-to-sync p50 .+, p99 /);
    expect(text).toContain(`stuck ${summary.invariants.stuck}`);
    expect(text).toContain('2 of 3 passed');
    expect(text).toContain('FAIL invariants.stuck == 0  (actual');
    expect(text.trimEnd().endsWith('reports/x')).toBe(true);
  });

  it('says when the target refused every request it answered (a token missing or wrong), and only then', () => {
    const { summary } = run.result;
    const refused = (byStatus: Record<string, number>, ok = 0) =>
      renderTerminal({
        ...run.result,
        summary: { ...summary, requests: { ...summary.requests, ok, byStatus } },
      });
    const hint = 'The target refused every request it answered (401/403)';
    expect(refused({ '401': 12 })).toContain(hint);
    expect(refused({ '401': 3, '403': 1 })).toContain(hint);
    expect(refused({ '401': 3, '500': 1 })).not.toContain(hint);
    expect(refused({ '200': 5, '401': 3 }, 5)).not.toContain(hint);
    expect(refused({})).not.toContain(hint);
    expect(renderTerminal(run.result)).not.toContain(hint);
  });

  it('says of an interrupted run that its sales in flight count as stuck, and only of one', () => {
    const note =
      'interrupted, the heal phase skipped or cut short: sales in flight then count as stuck (or lost)';
    const interrupted = { ...run.result, summary: { ...run.result.summary, interrupted: true } };
    expect(renderTerminal(interrupted)).toContain(note);
    expect(renderTerminal(run.result)).not.toContain(note);
  });

  it('colours only when asked', () => {
    expect(renderTerminal(run.result, { color: true })).toContain('\u001b[31m');
  });

  it('says "not checked" for invariants without a ledger', () => {
    const { summary } = run.result;
    const text = renderTerminal({
      ...run.result,
      summary: { ...summary, invariants: { ...summary.invariants, checked: false, lost: null } },
    });
    expect(text).toContain('lost not checked');
    expect(text).toContain('(server ledger not read)');
  });
});
