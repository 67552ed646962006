/**
 * The clock a device's core sees. Its wall time is the simulation's time plus a fixed offset, a drift that
 * grows with elapsed time (a cheap quartz crystal is off by tens of ppm), and jumps: the user or NTP setting
 * the time, possibly backwards, which is what makes `DEVICE-ms` references collide. Timers and monotonic time
 * come straight from the simulation clock, as a device's timers run on its monotonic clock, not its wall clock.
 *
 * Keep one DeviceClock per device for the whole run: the hardware clock survives an app crash and restart.
 */
import Type from 'typebox';
import Value from 'typebox/value';
import type { Clock } from '../core/ports.ts';

/** A hundred years: any clock a till could show stays a valid date (a date past year 275,760 is not one). */
const MAX_CLOCK_SHIFT_MS = 100 * 365.25 * 24 * 3_600_000;

export const ClockJumpSchema = Type.Object(
  {
    /** Simulation elapsed time (ms since the run started) at which the jump happens. */
    atMs: Type.Number({ minimum: 0 }),
    /** How far the wall clock moves; negative goes back (e.g. -3_600_000 for one hour). */
    byMs: Type.Number({ minimum: -MAX_CLOCK_SHIFT_MS, maximum: MAX_CLOCK_SHIFT_MS }),
  },
  { additionalProperties: false },
);

export const DeviceClockConfigSchema = Type.Object(
  {
    /** Constant error of the device's wall clock against true time, in ms. */
    offsetMs: Type.Optional(
      Type.Number({ minimum: -MAX_CLOCK_SHIFT_MS, maximum: MAX_CLOCK_SHIFT_MS, default: 0 }),
    ),
    /** Rate error in parts per million of elapsed time: +100 gains 8.64 s a day. */
    driftPpm: Type.Optional(Type.Number({ minimum: -100_000, maximum: 100_000, default: 0 })),
    /** Scheduled wall-clock jumps; applied in order of `atMs`. */
    jumps: Type.Optional(Type.Array(ClockJumpSchema, { default: [] })),
  },
  { additionalProperties: false, default: {} },
);

export type ClockJump = Type.Static<typeof ClockJumpSchema>;
export type DeviceClockConfigInput = Type.Static<typeof DeviceClockConfigSchema>;
export interface DeviceClockConfig {
  readonly offsetMs: number;
  readonly driftPpm: number;
  readonly jumps: readonly ClockJump[];
}

export const DEFAULT_DEVICE_CLOCK_CONFIG: DeviceClockConfig = Object.freeze({
  offsetMs: 0,
  driftPpm: 0,
  jumps: Object.freeze([]) as readonly ClockJump[],
});

/** Fills in the schema's defaults (the input is not modified). Validation is the scenario loader's job. */
export function resolveDeviceClockConfig(input: DeviceClockConfigInput = {}): DeviceClockConfig {
  return Value.Default(DeviceClockConfigSchema, structuredClone(input)) as DeviceClockConfig;
}

/**
 * How far the device's wall clock is from the simulation's at `elapsedMs`, counting only scheduled jumps.
 * Pure, so the checker and reports can tell a sale's true time from its stamp.
 */
export function wallClockErrorAt(config: DeviceClockConfig, elapsedMs: number): number {
  let error = config.offsetMs + (config.driftPpm * elapsedMs) / 1_000_000;
  for (const jump of config.jumps) if (jump.atMs <= elapsedMs) error += jump.byMs;
  return error;
}

export interface DeviceClock extends Clock {
  /** Moves the wall clock by `byMs` now (on cue from a scenario step); negative goes back. */
  jump(byMs: number): void;
  /** The current error of the wall clock against the simulation's time, in ms (jumps on cue included). */
  errorMs(): number;
}

/**
 * A device clock over `sim` (the VirtualClock, or a RealClock in real-time runs). `sim.monotonic()` is taken
 * as the time elapsed since the run started: it is what drift grows with and what jumps are scheduled on.
 */
export function createDeviceClock(
  sim: Clock,
  config: DeviceClockConfig = DEFAULT_DEVICE_CLOCK_CONFIG,
): DeviceClock {
  // Sorted once; a cursor walks them because simulation time never goes back.
  const jumps = [...config.jumps].sort((a, b) => a.atMs - b.atMs);
  let nextJump = 0;
  let jumpedMs = 0;
  const errorMs = (): number => {
    const elapsed = sim.monotonic();
    while (nextJump < jumps.length && (jumps[nextJump] as ClockJump).atMs <= elapsed) {
      jumpedMs += (jumps[nextJump] as ClockJump).byMs;
      nextJump++;
    }
    return config.offsetMs + (config.driftPpm * elapsed) / 1_000_000 + jumpedMs;
  };
  return {
    now: () => Math.floor(sim.now() + errorMs()),
    monotonic: () => sim.monotonic(),
    sleep: (ms) => sim.sleep(ms),
    jump(byMs) {
      if (!Number.isFinite(byMs)) throw new RangeError(`clock jump must be finite, got ${byMs}`);
      jumpedMs += byMs;
    },
    errorMs,
  };
}
