/**
 * The server's CPU time, read off /proc/PID/stat by the HTTP benchmark: the fields are counted after the
 * command name, whatever that name holds, and the figure agrees with what the process says of itself.
 */
import { describe, expect, it } from 'vitest';
import {
  busyShare,
  cpuMsFromStat,
  cpuMsPerRequest,
  ownCpuMs,
  processCpuMs,
} from '../../bench/lib/process-cpu.ts';

/** A /proc/PID/stat line: pid, (comm), state, then fields 4..; utime and stime at 14 and 15. */
function statLine(comm: string, utime: number, stime: number): string {
  const fields = [
    'S',
    ...Array.from({ length: 10 }, (_, i) => String(i + 1)),
    String(utime),
    String(stime),
    '7',
    '8',
  ];
  return `4242 (${comm}) ${fields.join(' ')} 20 0 1 0\n`;
}

describe('cpuMsFromStat', () => {
  it('adds user and system ticks, 10 ms each', () => {
    expect(cpuMsFromStat(statLine('node', 150, 25))).toBe(1750);
  });

  it('counts fields after the last parenthesis, so a command name with spaces and parentheses cannot shift them', () => {
    expect(cpuMsFromStat(statLine('node (serve) x', 3, 4))).toBe(70);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => cpuMsFromStat('no parentheses here')).toThrow(/no command name/);
    expect(() => cpuMsFromStat('1 (node) S 1 2')).toThrow(/utime/);
  });
});

describe.runIf(process.platform === 'linux')('processCpuMs', () => {
  it("reads this process's CPU time as node itself counts it, to the kernel's 10 ms tick", () => {
    // Burn some CPU so that the figure is not just start-up.
    const until = process.cpuUsage().user + 50_000;
    while (process.cpuUsage().user < until) {
      /* spin */
    }
    const before = processCpuMs(process.pid);
    const usage = process.cpuUsage();
    const after = processCpuMs(process.pid);
    const ownMs = (usage.user + usage.system) / 1000;
    expect(before).not.toBeNull();
    expect(after).not.toBeNull();
    expect(ownMs).toBeGreaterThanOrEqual((before as number) - 20);
    expect(ownMs).toBeLessThanOrEqual((after as number) + 20);
  });

  it('gives null for a process that does not exist', () => {
    expect(processCpuMs(2 ** 31 - 1)).toBeNull();
  });
});

describe('busyShare', () => {
  it('is the share of one core spent at a rate, each event costing its CPU ms', () => {
    expect(busyShare(400, 2.5)).toBe(1);
    expect(busyShare(300, 2.5)).toBe(0.75);
    expect(busyShare(300, null)).toBeNull();
  });
});

describe('cpuMsPerRequest', () => {
  /** Readings as [scenario ms, requests so far, CPU ms so far]. */
  const readings = (rows: readonly [number, number, number][]) =>
    rows.map(([atMs, requests, cpuMs]) => ({ atMs, requests, cpuMs }));

  it('divides the CPU between the first reading of the load and the last that still saw requests go out', () => {
    const drain = readings([
      [0, 0, 100], // selling offline: not the load
      [60_000, 3, 900], // offline skips counted as requests before the load: still not the load
      [120_000, 3, 1_000], // the load starts
      [180_000, 103, 1_300],
      [240_000, 203, 1_600],
      [300_000, 203, 2_400], // reading every row back after the load: not the load
    ]);
    expect(cpuMsPerRequest(drain, 120_000)).toBe(3);
  });

  it('gives null without two readings inside the load, or without a request between them', () => {
    expect(cpuMsPerRequest([], 0)).toBeNull();
    expect(
      cpuMsPerRequest(
        readings([
          [0, 0, 10],
          [60_000, 5, 20],
        ]),
        120_000,
      ),
    ).toBeNull();
    expect(
      cpuMsPerRequest(
        readings([
          [0, 4, 10],
          [60_000, 4, 20],
        ]),
        0,
      ),
    ).toBeNull();
  });
});

describe('ownCpuMs', () => {
  it('grows with the CPU this process burns', () => {
    const before = ownCpuMs();
    const until = process.cpuUsage().user + 20_000;
    while (process.cpuUsage().user < until) {
      /* spin */
    }
    expect(ownCpuMs() - before).toBeGreaterThanOrEqual(20);
  });
});
