import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import {
  createDeviceClock,
  DEFAULT_DEVICE_CLOCK_CONFIG,
  DeviceClockConfigSchema,
  resolveDeviceClockConfig,
  wallClockErrorAt,
} from '../../src/sim/device-clock.ts';
import { VirtualClock } from '../../src/sim/virtual-clock.ts';

const START = Date.UTC(2025, 0, 6, 1, 0, 0);
const HOUR = 3_600_000;

/** Advances the virtual clock to `elapsedMs` and reads the device clock there. */
async function readAt(clock: VirtualClock, elapsedMs: number, read: () => number): Promise<number> {
  let value = Number.NaN;
  clock.schedule(elapsedMs - clock.monotonic(), () => {
    value = read();
  });
  await clock.run();
  return value;
}

describe('device clock config', () => {
  it('has defaults that the schema accepts', () => {
    const config = resolveDeviceClockConfig();
    expect(config).toEqual(DEFAULT_DEVICE_CLOCK_CONFIG);
    expect(Compile(DeviceClockConfigSchema).Check(config)).toBe(true);
  });

  it('keeps given fields, fills the rest, and does not modify the input', () => {
    const input = { driftPpm: 50 };
    expect(resolveDeviceClockConfig(input)).toEqual({ offsetMs: 0, driftPpm: 50, jumps: [] });
    expect(input).toEqual({ driftPpm: 50 });
  });

  it('rejects unknown fields and bad jumps, with paths', () => {
    const validator = Compile(DeviceClockConfigSchema);
    expect(validator.Check({ offset: 5 })).toBe(false);
    const errors = [...validator.Errors({ jumps: [{ atMs: -1, byMs: 5 }] })];
    expect(errors.map((e) => e.instancePath)).toContain('/jumps/0/atMs');
  });
});

describe('createDeviceClock', () => {
  it('is the simulation clock when there is no error', async () => {
    const sim = new VirtualClock(START);
    const device = createDeviceClock(sim);
    expect(device.now()).toBe(START);
    expect(await readAt(sim, 1234, () => device.now())).toBe(START + 1234);
    expect(device.monotonic()).toBe(1234);
  });

  it('adds the offset and a drift proportional to elapsed time', async () => {
    const sim = new VirtualClock(START);
    const device = createDeviceClock(sim, resolveDeviceClockConfig({ offsetMs: -2000, driftPpm: 100 }));
    expect(device.now()).toBe(START - 2000);
    // 100 ppm of 10 hours is 3.6 s.
    expect(await readAt(sim, 10 * HOUR, () => device.now())).toBe(START + 10 * HOUR - 2000 + 3600);
    expect(device.errorMs()).toBe(1600);
  });

  it('jumps back at the scheduled times, in time order whatever the list order', async () => {
    const sim = new VirtualClock(START);
    const config = resolveDeviceClockConfig({
      jumps: [
        { atMs: 2 * HOUR, byMs: 30_000 },
        { atMs: HOUR, byMs: -HOUR },
      ],
    });
    const device = createDeviceClock(sim, config);
    expect(await readAt(sim, HOUR - 1, () => device.now())).toBe(START + HOUR - 1);
    // The wall clock goes back: a sale one ms later is stamped an hour earlier.
    expect(await readAt(sim, HOUR, () => device.now())).toBe(START);
    expect(await readAt(sim, 2 * HOUR, () => device.now())).toBe(START + HOUR + 30_000);
    expect(wallClockErrorAt(config, HOUR - 1)).toBe(0);
    expect(wallClockErrorAt(config, HOUR)).toBe(-HOUR);
    expect(wallClockErrorAt(config, 2 * HOUR)).toBe(-HOUR + 30_000);
  });

  it('jumps on cue, on top of the scheduled error', async () => {
    const sim = new VirtualClock(START);
    const device = createDeviceClock(sim, resolveDeviceClockConfig({ offsetMs: 500 }));
    const stamps = await readAt(sim, 1000, () => {
      const before = device.now();
      device.jump(-60_000);
      return before - device.now();
    });
    expect(stamps).toBe(60_000);
    expect(device.errorMs()).toBe(500 - 60_000);
    expect(() => device.jump(Number.NaN)).toThrow(RangeError);
  });

  it('keeps timers on monotonic time: a sleep across a backwards jump lasts its length', async () => {
    const sim = new VirtualClock(START);
    const device = createDeviceClock(sim, resolveDeviceClockConfig({ jumps: [{ atMs: 500, byMs: -HOUR }] }));
    let wokeAt = -1;
    void device.sleep(1000).then(() => {
      wokeAt = device.monotonic();
    });
    await sim.run();
    expect(wokeAt).toBe(1000);
    expect(device.now()).toBe(START + 1000 - HOUR);
  });

  it('gives whole milliseconds even with fractional drift', async () => {
    const sim = new VirtualClock(START);
    const device = createDeviceClock(sim, resolveDeviceClockConfig({ driftPpm: 33.3 }));
    const value = await readAt(sim, 12_345.6, () => device.now());
    expect(Number.isInteger(value)).toBe(true);
  });
});
