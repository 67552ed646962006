import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  buildTimelines,
  type ConnectivityChange,
  type ConnectivityConfigInput,
  ConnectivityConfigSchema,
  type DeviceDescriptor,
  isOnlineAt,
  mergeIntervals,
  resolveConnectivityConfig,
} from '../../src/sim/connectivity.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const device: DeviceDescriptor = { index: 0, group: 'cashier', branchCode: 'BRN-A' };
const fleet: DeviceDescriptor[] = Array.from({ length: 8 }, (_, index) => ({
  index,
  group: index % 2 === 0 ? 'cashier' : 'kiosk',
  branchCode: index < 4 ? 'BRN-A' : 'BRN-B',
}));

function timeline(input: ConnectivityConfigInput, who = device, durationMs = 10 * HOUR, seed = 'seed') {
  return buildTimeline(who, resolveConnectivityConfig(input), { seed, durationMs });
}

/** Just the (time, state) pairs. */
function flips(changes: readonly ConnectivityChange[]): [number, boolean][] {
  return changes.map((c) => [c.atMs, c.online]);
}

/** Offline ms in [0, durationMs). */
function offlineMs(changes: readonly ConnectivityChange[], durationMs: number): number {
  let total = 0;
  let since: number | null = null;
  for (const change of changes) {
    if (!change.online) since = change.atMs;
    else if (since !== null) {
      total += change.atMs - since;
      since = null;
    }
  }
  return since === null ? total : total + durationMs - since;
}

/** A timeline is sorted, strictly alternating, starts by going offline and never repeats a state. */
function expectWellFormed(changes: readonly ConnectivityChange[], durationMs: number): void {
  let online = true;
  let last = -1;
  for (const change of changes) {
    expect(change.online).toBe(!online);
    expect(change.atMs).toBeGreaterThan(last);
    expect(change.atMs).toBeGreaterThanOrEqual(0);
    expect(change.atMs).toBeLessThan(durationMs);
    expect(Number.isInteger(change.atMs)).toBe(true);
    online = change.online;
    last = change.atMs;
  }
}

describe('connectivity config', () => {
  it('has defaults the schema accepts, including in every schedule', () => {
    const config = resolveConnectivityConfig({
      schedules: [
        { kind: 'flapping', periodMs: 1000 },
        { kind: 'random', ratePerHour: 1, duration: { kind: 'fixed', value: MIN } },
      ],
    });
    expect(config.listenerEvents).toEqual({ kind: 'range', min: 2, max: 3 });
    expect(config.schedules[0]).toEqual({
      kind: 'flapping',
      periodMs: 1000,
      dutyCycle: 0.5,
      fromMs: 0,
      toMs: null,
      phase: 'aligned',
      appliesTo: { kind: 'all' },
    });
    expect(Compile(ConnectivityConfigSchema).Check(config)).toBe(true);
    expect(resolveConnectivityConfig()).toEqual({
      schedules: [],
      listenerEvents: { kind: 'range', min: 2, max: 3 },
    });
  });

  it('rejects bad specs with a path, and an inverted events range', () => {
    const validator = Compile(ConnectivityConfigSchema);
    expect(validator.Check({ schedules: [{ kind: 'offline', atMs: 0, durationMs: 0 }] })).toBe(false);
    expect(validator.Check({ schedules: [{ kind: 'flapping', periodMs: 10, dutyCycle: 2 }] })).toBe(false);
    // A period under a second cannot keep its duty cycle on whole milliseconds (1 ms at 0.5 was never offline).
    expect(validator.Check({ schedules: [{ kind: 'flapping', periodMs: 999 }] })).toBe(false);
    expect(validator.Check({ schedules: [{ kind: 'flapping', periodMs: 1_000 }] })).toBe(true);
    expect(validator.Check({ schedules: [{ kind: 'meteor' }] })).toBe(false);
    const errors = [...validator.Errors({ schedules: [{ kind: 'offline', atMs: -5, durationMs: 10 }] })];
    expect(errors.some((e) => e.instancePath.startsWith('/schedules/0'))).toBe(true);
    expect(() => resolveConnectivityConfig({ listenerEvents: { kind: 'range', min: 3, max: 1 } })).toThrow(
      RangeError,
    );
  });
});

describe('schedule kinds', () => {
  it('offline windows', () => {
    const changes = timeline({
      schedules: [
        { kind: 'offline', atMs: 2 * HOUR, durationMs: 30 * MIN },
        { kind: 'offline', atMs: 5 * HOUR, durationMs: HOUR },
      ],
    });
    expect(flips(changes)).toEqual([
      [2 * HOUR, false],
      [2.5 * HOUR, true],
      [5 * HOUR, false],
      [6 * HOUR, true],
    ]);
  });

  it('a window at 0 starts offline; one past the end has no online change', () => {
    const changes = timeline({
      schedules: [
        { kind: 'offline', atMs: 0, durationMs: MIN },
        { kind: 'offline', atMs: 9 * HOUR, durationMs: 5 * HOUR },
        { kind: 'offline', atMs: 11 * HOUR, durationMs: HOUR },
      ],
    });
    expect(flips(changes)).toEqual([
      [0, false],
      [MIN, true],
      [9 * HOUR, false],
    ]);
  });

  it('flapping with a duty cycle, between from and to', () => {
    const changes = timeline({
      schedules: [
        { kind: 'flapping', periodMs: 10 * MIN, dutyCycle: 0.7, fromMs: HOUR, toMs: HOUR + 30 * MIN },
      ],
    });
    expect(flips(changes)).toEqual([
      [HOUR + 7 * MIN, false],
      [HOUR + 10 * MIN, true],
      [HOUR + 17 * MIN, false],
      [HOUR + 20 * MIN, true],
      [HOUR + 27 * MIN, false],
      [HOUR + 30 * MIN, true],
    ]);
    expect(timeline({ schedules: [{ kind: 'flapping', periodMs: MIN, dutyCycle: 1 }] })).toEqual([]);
    expect(flips(timeline({ schedules: [{ kind: 'flapping', periodMs: MIN, dutyCycle: 0 }] }))).toEqual([
      [0, false],
    ]);
  });

  it('flapping with a random phase: same share offline, devices out of step', () => {
    const config: ConnectivityConfigInput = {
      schedules: [{ kind: 'flapping', periodMs: 10 * MIN, dutyCycle: 0.5, phase: 'random' }],
    };
    const a = timeline(config, fleet[0]);
    const b = timeline(config, fleet[1]);
    expectWellFormed(a, 10 * HOUR);
    expect(a[0]?.atMs).not.toBe(b[0]?.atMs);
    expect(Math.abs(offlineMs(a, 10 * HOUR) - 5 * HOUR)).toBeLessThanOrEqual(5 * MIN);
  });

  it('random outages at the given rate with the given durations', () => {
    const durationMs = 1000 * HOUR;
    const changes = timeline(
      { schedules: [{ kind: 'random', ratePerHour: 2, duration: { kind: 'fixed', value: 3 * MIN } }] },
      device,
      durationMs,
    );
    expectWellFormed(changes, durationMs);
    const outages = changes.filter((c) => !c.online).length;
    // Online time is 90% of the run: about 1,800 outages of 3 minutes.
    expect(outages).toBeGreaterThan(1650);
    expect(outages).toBeLessThan(1950);
    for (let i = 0; i + 1 < changes.length; i += 2) {
      expect((changes[i + 1] as ConnectivityChange).atMs - (changes[i] as ConnectivityChange).atMs).toBe(
        3 * MIN,
      );
    }
  });

  it('random outages only start inside [from, to)', () => {
    const changes = timeline({
      schedules: [
        {
          kind: 'random',
          ratePerHour: 20,
          duration: { kind: 'uniform', min: MIN, max: 2 * MIN },
          fromMs: 2 * HOUR,
          toMs: 3 * HOUR,
        },
      ],
    });
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes.filter((c) => !c.online)) {
      expect(change.atMs).toBeGreaterThanOrEqual(2 * HOUR);
      expect(change.atMs).toBeLessThan(3 * HOUR);
    }
  });

  it('branch outages take down every device of a branch together, branches apart', () => {
    const config = resolveConnectivityConfig({
      schedules: [{ kind: 'branch-outage', ratePerHour: 1, duration: { kind: 'fixed', value: 10 * MIN } }],
    });
    const timelines = buildTimelines(fleet, config, { seed: 's', durationMs: 24 * HOUR });
    const a = timelines.slice(0, 4).map(flips);
    const b = timelines.slice(4).map(flips);
    for (const other of a) expect(other).toEqual(a[0]);
    for (const other of b) expect(other).toEqual(b[0]);
    expect(a[0]).not.toEqual(b[0]);
    expect(a[0]?.length).toBeGreaterThan(0);
  });
});

describe('merging and selection', () => {
  it('offline when any schedule says so, with no redundant change', () => {
    const changes = timeline({
      schedules: [
        { kind: 'offline', atMs: HOUR, durationMs: HOUR },
        { kind: 'offline', atMs: 90 * MIN, durationMs: HOUR },
        // Touching the previous one: one outage, not offline-online-offline at the same ms.
        { kind: 'offline', atMs: 150 * MIN, durationMs: 10 * MIN },
        { kind: 'offline', atMs: 70 * MIN, durationMs: 5 * MIN },
      ],
    });
    expect(flips(changes)).toEqual([
      [HOUR, false],
      [160 * MIN, true],
    ]);
  });

  it('merges flapping with a window', () => {
    const changes = timeline({
      schedules: [
        { kind: 'flapping', periodMs: 10 * MIN, dutyCycle: 0.5, toMs: 40 * MIN },
        { kind: 'offline', atMs: 12 * MIN, durationMs: 15 * MIN },
      ],
    });
    expect(flips(changes)).toEqual([
      [5 * MIN, false],
      [10 * MIN, true],
      [12 * MIN, false],
      [30 * MIN, true],
      [35 * MIN, false],
      [40 * MIN, true],
    ]);
  });

  it('mergeIntervals sorts, joins overlaps and touches, drops empty intervals', () => {
    expect(
      mergeIntervals([
        { startMs: 10, endMs: 20 },
        { startMs: 0, endMs: 5 },
        { startMs: 5, endMs: 7 },
        { startMs: 15, endMs: 18 },
        { startMs: 30, endMs: 30 },
      ]),
    ).toEqual([
      { startMs: 0, endMs: 7 },
      { startMs: 10, endMs: 20 },
    ]);
  });

  it('applies schedules to all devices, a group, a branch or given indices', () => {
    const config = resolveConnectivityConfig({
      schedules: [
        { kind: 'offline', atMs: 1 * HOUR, durationMs: MIN },
        { kind: 'offline', atMs: 2 * HOUR, durationMs: MIN, appliesTo: { kind: 'group', groups: ['kiosk'] } },
        {
          kind: 'offline',
          atMs: 3 * HOUR,
          durationMs: MIN,
          appliesTo: { kind: 'branch', branches: ['BRN-B'] },
        },
        { kind: 'offline', atMs: 4 * HOUR, durationMs: MIN, appliesTo: { kind: 'devices', indices: [2, 7] } },
      ],
    });
    const starts = buildTimelines(fleet, config, { seed: 1, durationMs: 10 * HOUR }).map((changes) =>
      changes.filter((c) => !c.online).map((c) => c.atMs / HOUR),
    );
    expect(starts).toEqual([[1], [1, 2], [1, 4], [1, 2], [1, 3], [1, 2, 3], [1, 3], [1, 2, 3, 4]]);
  });
});

describe('listener events and determinism', () => {
  it('draws 2-3 events per change by default, from a range or a distribution', () => {
    const schedules: ConnectivityConfigInput['schedules'] = [{ kind: 'flapping', periodMs: MIN }];
    const byDefault = timeline({ schedules });
    const counts = new Set(byDefault.map((c) => c.events));
    expect(counts).toEqual(new Set([2, 3]));
    const ranged = timeline({ schedules, listenerEvents: { kind: 'range', min: 0, max: 1 } });
    expect(new Set(ranged.map((c) => c.events))).toEqual(new Set([0, 1]));
    const fixed = timeline({ schedules, listenerEvents: { kind: 'fixed', value: 4 } });
    expect(fixed.every((c) => c.events === 4)).toBe(true);
    const distributed = timeline({ schedules, listenerEvents: { kind: 'exponential', mean: 2 } });
    expect(distributed.every((c) => Number.isInteger(c.events) && c.events >= 0)).toBe(true);
  });

  it('gives each device its own draws, and the same timeline for the same inputs', () => {
    const config: ConnectivityConfigInput = {
      schedules: [
        { kind: 'random', ratePerHour: 3, duration: { kind: 'lognormal', p50: MIN, p99: 20 * MIN } },
        {
          kind: 'flapping',
          periodMs: 7 * MIN,
          dutyCycle: 0.8,
          phase: 'random',
          fromMs: HOUR,
          toMs: 2 * HOUR,
        },
      ],
    };
    expect(timeline(config, fleet[3])).toEqual(timeline(config, fleet[3]));
    expect(timeline(config, fleet[3])).not.toEqual(timeline(config, fleet[4]));
    expect(timeline(config, fleet[3], 10 * HOUR, 'other')).not.toEqual(timeline(config, fleet[3]));
    // A device's timeline does not depend on which other devices are simulated (shards replay exactly).
    const resolved = resolveConnectivityConfig(config);
    const all = buildTimelines(fleet, resolved, { seed: 'seed', durationMs: 10 * HOUR });
    expect(all[5]).toEqual(timeline(config, fleet[5]));
  });

  it('is well formed and agrees with the union of schedules for arbitrary windows', () => {
    const windowArb = fc.record({
      atMs: fc.integer({ min: 0, max: 1000 }),
      durationMs: fc.integer({ min: 1, max: 300 }),
    });
    fc.assert(
      fc.property(
        fc.array(windowArb, { maxLength: 12 }),
        fc.integer({ min: 1, max: 1200 }),
        (windows, durationMs) => {
          const changes = timeline(
            { schedules: windows.map((w) => ({ kind: 'offline' as const, ...w })) },
            device,
            durationMs,
          );
          expectWellFormed(changes, durationMs);
          for (let t = 0; t < durationMs; t += 7) {
            const offline = windows.some((w) => t >= w.atMs && t < w.atMs + w.durationMs);
            expect(isOnlineAt(changes, t)).toBe(!offline);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
