/**
 * The plain progress line (not a terminal, or CI): what a log of a long run shows, the generator's busy share
 * included in real time so that a generator at its limit is seen while it runs, not only in the report.
 */
import { describe, expect, it } from 'vitest';
import type { Console } from '../../src/cli/console.ts';
import { createProgressDisplay } from '../../src/cli/progress.ts';
import type { Progress } from '../../src/sim/runner.ts';

function logConsole(): { console: Console; lines: string[] } {
  const lines: string[] = [];
  return { console: { out: () => {}, err: (text) => lines.push(text), interactive: false }, lines };
}

const PROGRESS: Progress = {
  phase: 'check',
  simulatedMs: 3_723_000,
  durationMs: 7_200_000,
  devices: 40,
  devicesOnline: 38,
  salesCreated: 1_234,
  backlog: 17,
  requests: 900,
  errors: 3,
  generatorBusyPercent: null,
};

describe('the plain progress line', () => {
  it('gives the phase, scenario time, sales, backlog, devices online, requests and errors', () => {
    const { console, lines } = logConsole();
    createProgressDisplay(console, true).update(PROGRESS);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[syncsim\] check 1h02m03s of 2h00m00s \| sales 1234 \| backlog 17 \| online 38\/40 \| req 900 \(\d+\/s\) \| errors 3$/,
    );
  });

  it("adds the generator's busy share in real time", () => {
    const { console, lines } = logConsole();
    createProgressDisplay(console, true).update({ ...PROGRESS, generatorBusyPercent: 97 });
    expect(lines[0]).toMatch(/\| errors 3 \| generator busy 97%$/);
  });

  it('writes nothing when disabled', () => {
    const { console, lines } = logConsole();
    createProgressDisplay(console, false).update(PROGRESS);
    expect(lines).toEqual([]);
  });
});
