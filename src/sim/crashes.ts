/**
 * Device crashes: at which named points of a sync a device may die, how often, and how long it stays down.
 * A crash is real in the sense that matters: the device's in-memory state is dropped (its core objects are
 * abandoned, its open SQLite transaction is rolled back, its file is closed) and a new core reopens the file.
 */
import Type from 'typebox';
import { CRASH_POINTS, type CrashPoint } from '../core/crash-points.ts';
import { type Distribution, DistributionSchema } from '../core/random.ts';
import { DeviceSelectorSchema } from './connectivity.ts';

export const CrashConfigSchema = Type.Object(
  {
    /** Probability of dying each time a sync reaches one of `points`. */
    probability: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    points: Type.Optional(
      Type.Array(Type.Union(CRASH_POINTS.map((point) => Type.Literal(point))), {
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    /** How long the device stays down before the app starts again, ms. */
    restartAfterMs: Type.Optional(DistributionSchema),
    appliesTo: Type.Optional(DeviceSelectorSchema),
  },
  { additionalProperties: false },
);

export type CrashConfigInput = Type.Static<typeof CrashConfigSchema>;

export interface CrashConfig {
  readonly probability: number;
  readonly points: readonly CrashPoint[];
  readonly restartAfterMs: Distribution;
}

export const NO_CRASHES: CrashConfig = {
  probability: 0,
  points: CRASH_POINTS,
  restartAfterMs: { kind: 'fixed', value: 5_000 },
};

export function resolveCrashConfig(input: CrashConfigInput | undefined): CrashConfig {
  if (input === undefined) return NO_CRASHES;
  return {
    probability: input.probability,
    points: input.points ?? CRASH_POINTS,
    restartAfterMs: input.restartAfterMs ?? NO_CRASHES.restartAfterMs,
  };
}

/** Thrown at a crash point to unwind the dying device's sync. Only the simulator ever sees it. */
export class DeviceCrashed extends Error {
  readonly point: CrashPoint;

  constructor(deviceId: string, point: CrashPoint) {
    super(`device ${deviceId} crashed at ${point}`);
    this.name = 'DeviceCrashed';
    this.point = point;
  }
}
