/**
 * The loads of benchmark 3, shared by its syncsim child (which runs them) and the report (which prints each
 * as the `syncsim run` command a user would type for the same load). Two shapes:
 *
 * - backlog: every device trades offline, then reconnects and drains its backlog in full batches (the
 *   hardened policy's 100 rows): the offline-first sync this harness exists for. The sales are made before
 *   the measured window, so it measures sending, not selling. Judged against the target with the server's
 *   ledger in memory (the fastest server); shown again with the ledger in a file, as `syncsim serve` keeps it.
 * - trickle: every device sells faster than its requests can carry, online all along, so each request
 *   carries the one or two rows made since the last. Every request then costs the generator a sale's
 *   SQLite work too (benchmark 5), on the core the server leaves it: shown, not judged.
 */

import { type ChildFlags, choiceFlag, numberFlag } from './child-args.ts';

export const LOAD_KINDS = ['backlog', 'trickle'] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface LoadShape {
  readonly kind: LoadKind;
  /** The server's ledger (lib/serve-process.ts): in memory, the hardest case for the generator, or a file. */
  readonly ledger: 'memory' | 'file';
  /** Devices, and so connections: each device has at most one request in flight (single-flight). */
  readonly devices: number;
  /** Scenario ms per wall ms. */
  readonly speed: number;
  /** backlog: sales per device made offline; trickle: sales per device per wall second. */
  readonly sales: number;
  /** backlog: scenario hours offline (selling), then as many online; trickle: scenario hours online. */
  readonly hours: number;
}

/** What the load generator runs: the shape without the server's side. */
export type GeneratorLoad = Omit<LoadShape, 'ledger'>;

/** The trickle runs one scenario hour per wall second: salesPerHour reads as sales per wall second. */
export const TRICKLE_SPEED = 3_600;

/** The loads of benchmark 3 at the given sizes: the judged one (a backlog, in-memory ledger) first. */
export function loadShapes(sizes: {
  readonly devices: number;
  readonly backlog: { readonly sales: number; readonly hours: number; readonly speed: number };
  readonly trickle: { readonly rate: number; readonly seconds: number };
}): LoadShape[] {
  const backlog = { kind: 'backlog', devices: sizes.devices, ...sizes.backlog } as const;
  return [
    { ...backlog, ledger: 'memory' },
    { ...backlog, ledger: 'file' },
    {
      kind: 'trickle',
      ledger: 'memory',
      devices: sizes.devices,
      speed: TRICKLE_SPEED,
      sales: sizes.trickle.rate,
      hours: (sizes.trickle.seconds * TRICKLE_SPEED) / 3_600,
    },
  ];
}

/** steady-day starts at 06:00 local time: hour h of the run is local hour 6 + h. */
const FIRST_LOCAL_HOUR = 6;

function hourlyFor(hours: number): number[] {
  const hourly = new Array<number>(24).fill(0);
  for (let h = 0; h < Math.min(hours, 24); h++) hourly[(FIRST_LOCAL_HOUR + h) % 24] = 1;
  return hourly;
}

/**
 * steady-day with these --set overrides. The backend (the target URL, one connection per device) is set by
 * the caller: `--target` on the command line, whose default pool size is the device count up to 256.
 */
export function loadOverrides(shape: GeneratorLoad): string[] {
  const common = [
    `devices.count=${shape.devices}`,
    'network={"timeoutMs":15000}',
    'policy.preset=hardened',
    'heal.enabled=false',
  ];
  if (shape.kind === 'trickle') {
    return [
      ...common,
      `duration=${shape.hours}h`,
      // A scenario hour lasts 3600 / speed wall seconds.
      `workload.salesPerHour=${shape.sales * (3_600 / shape.speed)}`,
      `workload.hourly=${JSON.stringify(new Array<number>(24).fill(1))}`,
    ];
  }
  return [
    ...common,
    `duration=${shape.hours * 2}h`,
    `workload.salesPerHour=${shape.sales / shape.hours}`,
    `workload.hourly=${JSON.stringify(hourlyFor(shape.hours))}`,
    `connectivity=${JSON.stringify({ schedules: [{ kind: 'offline', atMs: 0, durationMs: shape.hours * 3_600_000 }] })}`,
  ];
}

/** The same run from the command line. */
export function loadCommand(shape: GeneratorLoad, url: string): string {
  const sets = loadOverrides(shape)
    .map((set) => `--set '${set}'`)
    .join(' ');
  return `syncsim run steady-day ${sets} --target ${url} --speed ${shape.speed}`;
}

export interface MinuteRequests {
  readonly minute: number;
  readonly requests: number;
}

/** The flags of a child that generates one of these loads (http-syncsim.ts, http-floor.ts), besides --out. */
export const GENERATOR_FLAGS = ['url', 'kind', 'devices', 'sales', 'hours', 'speed', 'seed'] as const;

/** The load a child was given, from its GENERATOR_FLAGS. */
export function generatorLoadOf(flags: ChildFlags): GeneratorLoad {
  return {
    kind: choiceFlag(flags, 'kind', LOAD_KINDS),
    devices: numberFlag(flags, 'devices'),
    sales: numberFlag(flags, 'sales'),
    hours: numberFlag(flags, 'hours'),
    speed: numberFlag(flags, 'speed'),
  };
}

/** A generator child's arguments for a load against a server (GENERATOR_FLAGS, seed 1). */
export function generatorArgs(shape: GeneratorLoad, url: string): string[] {
  return [
    '--url',
    url,
    '--kind',
    shape.kind,
    '--devices',
    String(shape.devices),
    '--sales',
    String(shape.sales),
    '--hours',
    String(shape.hours),
    '--speed',
    String(shape.speed),
    '--seed',
    '1',
  ];
}

/** The scenario minute the load starts: a backlog's reconnection (a sale made at the very start may go out
 * before the offline schedule applies, and must not stretch the window), a trickle's start. */
export function loadStartMinute(shape: GeneratorLoad): number {
  return shape.kind === 'backlog' ? shape.hours * 60 : 0;
}

/**
 * Wall seconds syncsim's side spends before its load starts: a backlog's offline hours at the run's speed, none
 * for a trickle. autocannon waits as long before its own load, so that both meet a server that has been
 * idle for the same time: V8's memory reducer shrinks an idle process's young generation after a few seconds,
 * and the server then starts its load collecting twice as often per request (bench/PROFILING.md, fourteenth
 * session).
 */
export function idleSecondsBefore(shape: GeneratorLoad): number {
  return (loadStartMinute(shape) * 60) / shape.speed;
}

/**
 * Requests per wall second over the minutes of the run from `fromMinute` on that had requests, without the
 * first and the last (a minute partly before the load started or after it ended); all of them when there are
 * fewer than three.
 * From the run's per-minute timeline: exact to the request, and a scenario minute is a short wall time
 * (100 ms at speed 600).
 */
export function requestRate(
  timeline: readonly MinuteRequests[],
  speed: number,
  fromMinute = 0,
): { perSecond: number; requests: number; seconds: number } {
  const busy = timeline.filter((row) => row.requests > 0 && row.minute >= fromMinute);
  if (busy.length === 0) return { perSecond: 0, requests: 0, seconds: 0 };
  const first = busy[0]!.minute;
  const last = busy[busy.length - 1]!.minute;
  const [from, to] = last - first >= 2 ? [first + 1, last - 1] : [first, last];
  const requests = busy
    .filter((row) => row.minute >= from && row.minute <= to)
    .reduce((sum, row) => sum + row.requests, 0);
  const seconds = ((to - from + 1) * 60) / speed;
  return { perSecond: requests / seconds, requests, seconds };
}
