/**
 * Connectivity timelines: when each device goes offline and back online during the fault phase, computed up
 * front from the scenario's schedules, so the runner only has to replay a sorted list. Pure: the same specs,
 * seed and device give the same timeline, and one device's timeline does not depend on the other devices.
 *
 * Every schedule yields offline intervals; a device is offline when any schedule says so (the union), and
 * the timeline has a change only where the state actually flips. Each change also says how many times the
 * app's connectivity listener fires for it, because real listeners fire two or three times per change, which
 * is what starts concurrent syncs in the spec's design.
 */
import Type from 'typebox';
import Value from 'typebox/value';
import type { Random } from '../core/ports.ts';
import { createRandom, DistributionSchema, exponential, randomInt, sample } from '../core/random.ts';

const HOUR_MS = 3_600_000;

type Defaulted<T> = T extends readonly (infer U)[]
  ? readonly Defaulted<U>[]
  : T extends object
    ? { readonly [K in keyof T]-?: Defaulted<T[K]> }
    : T;

// ---------------------------------------------------------------------------------------------------------
// Schemas

export const DeviceSelectorSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('all') }, { additionalProperties: false }),
    Type.Object(
      { kind: Type.Literal('group'), groups: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { kind: Type.Literal('branch'), branches: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { kind: Type.Literal('devices'), indices: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }) },
      { additionalProperties: false },
    ),
  ],
  { default: { kind: 'all' } },
);

/** Which devices a schedule applies to (default: all). */
const AppliesTo = Type.Optional(DeviceSelectorSchema);
/** Where a window ends; null is the end of the fault phase. */
const EndMs = Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { default: null }));

/** Offline from `atMs` for `durationMs` (ms of fault-phase time). A whole-branch outage at a fixed time is this with a branch selector. */
export const OfflineWindowSpecSchema = Type.Object(
  {
    kind: Type.Literal('offline'),
    atMs: Type.Number({ minimum: 0 }),
    durationMs: Type.Number({ exclusiveMinimum: 0 }),
    appliesTo: AppliesTo,
  },
  { additionalProperties: false },
);

/**
 * From `fromMs` to `toMs`, in cycles of `periodMs`: online for the first `dutyCycle` of each period, offline
 * for the rest. `phase: 'random'` shifts each device's cycles by its own draw, so a fleet does not flap in
 * lock-step; 'aligned' (default) flaps them together, the thundering-herd case.
 */
export const FlappingSpecSchema = Type.Object(
  {
    kind: Type.Literal('flapping'),
    /** At least a second: changes fall on whole milliseconds, and a shorter cycle cannot keep its duty cycle. */
    periodMs: Type.Number({ minimum: 1_000 }),
    dutyCycle: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    fromMs: Type.Optional(Type.Number({ minimum: 0, default: 0 })),
    toMs: EndMs,
    phase: Type.Optional(
      Type.Union([Type.Literal('aligned'), Type.Literal('random')], { default: 'aligned' }),
    ),
    appliesTo: AppliesTo,
  },
  { additionalProperties: false },
);

const randomOutageFields = {
  /** Outages per hour of online time (a Poisson process: the gaps between outages are exponential). */
  ratePerHour: Type.Number({ exclusiveMinimum: 0, maximum: 3600 }),
  /** How long each outage lasts, ms. */
  duration: DistributionSchema,
  /** Outages start in [fromMs, toMs); one that starts in time may last past toMs. */
  fromMs: Type.Optional(Type.Number({ minimum: 0, default: 0 })),
  toMs: EndMs,
  appliesTo: AppliesTo,
};

/** Outages at random times, drawn for each device on its own. */
export const RandomOutageSpecSchema = Type.Object(
  { kind: Type.Literal('random'), ...randomOutageFields },
  { additionalProperties: false },
);

/** Outages at random times drawn once per branch: every selected device of a branch goes down together. */
export const BranchOutageSpecSchema = Type.Object(
  { kind: Type.Literal('branch-outage'), ...randomOutageFields },
  { additionalProperties: false },
);

export const ConnectivitySpecSchema = Type.Union([
  OfflineWindowSpecSchema,
  FlappingSpecSchema,
  RandomOutageSpecSchema,
  BranchOutageSpecSchema,
]);

/** How many times the listener fires for one change: a uniform integer range or a distribution (rounded). */
export const ListenerEventsSchema = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('range'),
        min: Type.Integer({ minimum: 0, maximum: 100 }),
        max: Type.Integer({ minimum: 0, maximum: 100 }),
      },
      { additionalProperties: false },
    ),
    DistributionSchema,
  ],
  { default: { kind: 'range', min: 2, max: 3 } },
);

export const ConnectivityConfigSchema = Type.Object(
  {
    schedules: Type.Optional(Type.Array(ConnectivitySpecSchema, { default: [] })),
    listenerEvents: Type.Optional(ListenerEventsSchema),
  },
  { additionalProperties: false, default: {} },
);

export type DeviceSelector = Defaulted<Type.Static<typeof DeviceSelectorSchema>>;
export type ConnectivitySpecInput = Type.Static<typeof ConnectivitySpecSchema>;
export type ConnectivitySpec = Defaulted<ConnectivitySpecInput>;
export type OfflineWindowSpec = Defaulted<Type.Static<typeof OfflineWindowSpecSchema>>;
export type FlappingSpec = Defaulted<Type.Static<typeof FlappingSpecSchema>>;
export type RandomOutageSpec = Defaulted<Type.Static<typeof RandomOutageSpecSchema>>;
export type BranchOutageSpec = Defaulted<Type.Static<typeof BranchOutageSpecSchema>>;
export type ListenerEvents = Defaulted<Type.Static<typeof ListenerEventsSchema>>;
export type ConnectivityConfigInput = Type.Static<typeof ConnectivityConfigSchema>;
export type ConnectivityConfig = Defaulted<ConnectivityConfigInput>;

/** Fills in the schema's defaults (the input is not modified) and checks what the schema cannot say. */
export function resolveConnectivityConfig(input: ConnectivityConfigInput = {}): ConnectivityConfig {
  const config = Value.Default(ConnectivityConfigSchema, structuredClone(input)) as ConnectivityConfig;
  const events = config.listenerEvents;
  if (events.kind === 'range' && events.max < events.min) {
    throw new RangeError(`listenerEvents.max (${events.max}) is below listenerEvents.min (${events.min})`);
  }
  return config;
}

// ---------------------------------------------------------------------------------------------------------
// Timelines

/** What the schedules need to know about a device. */
export interface DeviceDescriptor {
  readonly index: number;
  readonly group: string;
  readonly branchCode: string;
}

export interface ConnectivityChange {
  /** Fault-phase time, whole ms. */
  readonly atMs: number;
  readonly online: boolean;
  /** How many times the connectivity listener fires for this change (0 = the app missed it). */
  readonly events: number;
}

/** An offline interval [startMs, endMs). */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

export interface TimelineOptions {
  readonly seed: string | number;
  /** Length of the fault phase: changes at or after it are left out (the heal phase brings everyone online). */
  readonly durationMs: number;
}

export function selects(selector: DeviceSelector, device: DeviceDescriptor): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'group':
      return selector.groups.includes(device.group);
    case 'branch':
      return selector.branches.includes(device.branchCode);
    case 'devices':
      return selector.indices.includes(device.index);
  }
}

/** Sorts and merges overlapping or touching intervals, so that no change would be redundant; drops empty ones. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .filter((i) => i.endMs > i.startMs)
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && interval.startMs <= last.endMs) {
      if (interval.endMs > last.endMs)
        merged[merged.length - 1] = { startMs: last.startMs, endMs: interval.endMs };
    } else {
      merged.push(interval);
    }
  }
  return merged;
}

function span(startMs: number, endMs: number): Interval {
  return { startMs: Math.round(startMs), endMs: Math.round(endMs) };
}

function flappingIntervals(spec: FlappingSpec, random: Random, durationMs: number): Interval[] {
  const from = spec.fromMs;
  const to = Math.min(spec.toMs ?? durationMs, durationMs);
  const period = spec.periodMs;
  const onlineMs = spec.dutyCycle * period;
  if (onlineMs >= period || to <= from) return [];
  const phase = spec.phase === 'random' ? random.next() * period : 0;
  const intervals: Interval[] = [];
  // Start one period early so a shifted cycle that straddles `from` is covered too.
  for (let cycle = from + phase - period; cycle < to; cycle += period) {
    const start = Math.max(from, cycle + onlineMs);
    const end = Math.min(to, cycle + period);
    if (end > start) intervals.push(span(start, end));
  }
  return intervals;
}

function poissonOutages(
  spec: RandomOutageSpec | BranchOutageSpec,
  random: Random,
  durationMs: number,
): Interval[] {
  const to = Math.min(spec.toMs ?? durationMs, durationMs);
  const meanGapMs = HOUR_MS / spec.ratePerHour;
  const intervals: Interval[] = [];
  let t = spec.fromMs;
  for (;;) {
    t += exponential(random, meanGapMs);
    if (t >= to) break;
    const length = sample(spec.duration, random);
    intervals.push(span(t, t + length));
    // The next gap is online time: it starts when this outage ends.
    t += length;
  }
  return intervals;
}

/**
 * The offline intervals one schedule gives one device (empty when it does not apply). Random draws come from
 * a stream keyed by (seed, schedule index, device index), or branch code for branch outages, so adding a
 * schedule or a device does not move anyone else's outages.
 */
export function offlineIntervals(
  spec: ConnectivitySpec,
  specIndex: number,
  device: DeviceDescriptor,
  options: TimelineOptions,
): Interval[] {
  if (!selects(spec.appliesTo, device)) return [];
  const deviceStream = (): Random =>
    createRandom(options.seed, 'connectivity', specIndex, 'device', device.index);
  switch (spec.kind) {
    case 'offline':
      return [span(spec.atMs, spec.atMs + spec.durationMs)];
    case 'flapping':
      return flappingIntervals(spec, deviceStream(), options.durationMs);
    case 'random':
      return poissonOutages(spec, deviceStream(), options.durationMs);
    case 'branch-outage':
      return poissonOutages(
        spec,
        createRandom(options.seed, 'connectivity', specIndex, 'branch', device.branchCode),
        options.durationMs,
      );
  }
}

export function drawListenerEvents(events: ListenerEvents, random: Random): number {
  if (events.kind === 'range') return randomInt(random, events.min, events.max);
  return Math.max(0, Math.round(sample(events, random)));
}

/**
 * The device's connectivity changes over the fault phase, sorted, starting from online at 0. An outage that
 * covers time 0 gives a change to offline at 0.
 */
export function buildTimeline(
  device: DeviceDescriptor,
  config: ConnectivityConfig,
  options: TimelineOptions,
): ConnectivityChange[] {
  const intervals: Interval[] = [];
  config.schedules.forEach((spec, specIndex) => {
    for (const interval of offlineIntervals(spec, specIndex, device, options)) intervals.push(interval);
  });
  const eventsRandom = createRandom(options.seed, 'connectivity', 'events', device.index);
  const changes: ConnectivityChange[] = [];
  const change = (atMs: number, online: boolean): void => {
    changes.push({ atMs, online, events: drawListenerEvents(config.listenerEvents, eventsRandom) });
  };
  for (const interval of mergeIntervals(intervals)) {
    const start = Math.max(0, interval.startMs);
    if (start >= options.durationMs || interval.endMs <= 0) continue;
    change(start, false);
    if (interval.endMs < options.durationMs) change(interval.endMs, true);
  }
  return changes;
}

/** Timelines for a fleet, in the order of `devices`. */
export function buildTimelines(
  devices: readonly DeviceDescriptor[],
  config: ConnectivityConfig,
  options: TimelineOptions,
): ConnectivityChange[][] {
  return devices.map((device) => buildTimeline(device, config, options));
}

/** Whether the device is online at `atMs` according to its timeline (a change takes effect at its time). */
export function isOnlineAt(timeline: readonly ConnectivityChange[], atMs: number): boolean {
  let online = true;
  for (const change of timeline) {
    if (change.atMs > atMs) break;
    online = change.online;
  }
  return online;
}
