/** The loads of benchmark 3 and how their request rate is read from a run's timeline. Pure, plus the loader. */
import { describe, expect, it } from 'vitest';
import { idleSecondsBefore, loadOverrides, loadShapes, requestRate } from '../../bench/lib/http-load.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';

describe('requestRate', () => {
  it('counts the minutes between the first and the last that had requests, gaps included, in wall seconds', () => {
    const timeline = [
      { minute: 0, requests: 0 },
      { minute: 10, requests: 3 },
      { minute: 11, requests: 20 },
      { minute: 12, requests: 0 },
      { minute: 13, requests: 22 },
      { minute: 14, requests: 5 },
      { minute: 15, requests: 0 },
    ];
    // Minutes 11-13 (10 and 14 are partial); at speed 600 a scenario minute lasts 0.1 wall s.
    expect(requestRate(timeline, 600)).toEqual({ perSecond: 42 / 0.3, requests: 42, seconds: 0.3 });
  });

  it('counts from the minute the load starts: a request before it does not stretch the window', () => {
    const timeline = [
      { minute: 0, requests: 1 },
      { minute: 180, requests: 5 },
      { minute: 181, requests: 9 },
      { minute: 182, requests: 2 },
    ];
    expect(requestRate(timeline, 600, 180)).toEqual({ perSecond: 90, requests: 9, seconds: 0.1 });
    expect(requestRate(timeline, 600).seconds).toBeCloseTo(18.1);
  });

  it('uses every busy minute when there are fewer than three, and reports nothing for an idle run', () => {
    expect(requestRate([{ minute: 4, requests: 6 }], 60)).toEqual({ perSecond: 6, requests: 6, seconds: 1 });
    expect(requestRate([{ minute: 4, requests: 0 }], 60)).toEqual({ perSecond: 0, requests: 0, seconds: 0 });
  });
});

describe('idleSecondsBefore', () => {
  it("is a backlog's offline hours in wall seconds at the run's speed, and nothing for a trickle", () => {
    const [backlog, , trickle] = loadShapes({
      devices: 8,
      backlog: { sales: 300, hours: 3, speed: 600 },
      trickle: { rate: 20, seconds: 2 },
    });
    // 3 scenario hours at 600 scenario ms per wall ms.
    expect(idleSecondsBefore(backlog!)).toBe(18);
    expect(idleSecondsBefore({ ...backlog!, hours: 1, speed: 3_600 })).toBe(1);
    expect(idleSecondsBefore(trickle!)).toBe(0);
  });
});

describe('loadOverrides', () => {
  const [backlog, backlogToFile, trickle] = loadShapes({
    devices: 8,
    backlog: { sales: 300, hours: 3, speed: 600 },
    trickle: { rate: 20, seconds: 2 },
  });

  it('makes a backlog load: offline and selling for its hours, then online with no sales for as long', async () => {
    expect(backlog).toMatchObject({ kind: 'backlog', ledger: 'memory' });
    expect(backlogToFile).toEqual({ ...backlog, ledger: 'file' });
    const { scenario } = await loadScenario('steady-day', loadOverrides(backlog!));
    expect(scenario.devices.count).toBe(8);
    expect(scenario.duration).toBe('6h');
    expect(scenario.workload?.salesPerHour).toBe(100);
    // steady-day opens at 06:00: the selling hours are local 06, 07 and 08.
    expect(scenario.workload?.hourly?.flatMap((weight, hour) => (weight > 0 ? [hour] : []))).toEqual([
      6, 7, 8,
    ]);
    expect(scenario.connectivity?.schedules).toEqual([
      { kind: 'offline', atMs: 0, durationMs: 3 * 3_600_000 },
    ]);
    expect(scenario.policy?.preset).toBe('hardened');
  });

  it('makes a trickle load: online all along, selling its rate per wall second at one hour per second', async () => {
    expect(trickle).toMatchObject({ kind: 'trickle', speed: 3_600, hours: 2, sales: 20 });
    const { scenario } = await loadScenario('steady-day', loadOverrides(trickle!));
    expect(scenario.duration).toBe('2h');
    expect(scenario.workload?.salesPerHour).toBe(20);
    expect(scenario.workload?.hourly?.every((weight) => weight === 1)).toBe(true);
  });
});
