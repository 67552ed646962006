/**
 * VirtualDevice crashes and restarts, driven directly on a VirtualClock against a real in-process fake
 * backend: a dead incarnation never touches the file or the listener again (its late answers included), the
 * file stays intact, the app comes back after restartAfterMs, and start-up recovery does what the policy says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CRASH_POINTS, type CrashPoint } from '../../src/core/crash-points.ts';
import type { CoreEvent } from '../../src/core/events.ts';
import { HARDENED_POLICY, SEED_POLICY, type SyncPolicy } from '../../src/core/policy.ts';
import type { Random } from '../../src/core/ports.ts';
import { createRandom } from '../../src/core/random.ts';
import { type Backend, buildBackend } from '../../src/fake-backend/app.ts';
import { createCatalog } from '../../src/sim/catalog.ts';
import { VirtualDevice } from '../../src/sim/device.ts';
import { createDeviceClock } from '../../src/sim/device-clock.ts';
import { type DeviceFileOptions, DeviceFilePool, deviceFileOptions } from '../../src/sim/device-file-pool.ts';
import { deviceIdentity } from '../../src/sim/fleet.ts';
import { createInProcessTransport } from '../../src/sim/network/in-process-transport.ts';
import { VirtualClock } from '../../src/sim/virtual-clock.ts';
import { generateSale, type PlannedSale, resolveWorkloadConfig } from '../../src/sim/workload.ts';
import {
  type HoldingTransport,
  holdingTransport,
  integrityOf,
  readDeviceFile,
  type TempDir,
  tempDir,
} from './helpers.ts';

const EPOCH = Date.parse('2026-03-02T12:00:00+07:00');
const RESTART_AFTER_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const CATALOG = await createCatalog('device-test');
const WORKLOAD = resolveWorkloadConfig();

/** A crash stream that says "crash" on the draws listed (0-based, counting only draws at armed points). */
function crashOnDraws(...crashing: number[]): Random {
  let draw = 0;
  return { next: () => (crashing.includes(draw++) ? 0 : 0.999) };
}

interface Harness {
  readonly clock: VirtualClock;
  readonly backend: Backend;
  readonly transport: HoldingTransport;
  readonly device: VirtualDevice;
  /** Core events the listener heard, with the virtual time. */
  readonly events: { readonly atMs: number; readonly event: CoreEvent }[];
  readonly crashes: { readonly atMs: number; readonly point: CrashPoint }[];
  readonly restarts: number[];
  readonly whileDown: number[];
  readonly unexpected: unknown[];
  /** Runs `action` at virtual time `atMs` (inside the clock's loop). */
  at(atMs: number, action: () => void): void;
  runUntil(atMs: number): Promise<void>;
  sale(): PlannedSale[];
}

const JOURNALS = ['memory', 'wal'] as const;

let dir: TempDir;
let backends: Backend[] = [];
let devices: VirtualDevice[] = [];
beforeEach(() => {
  dir = tempDir('syncsim-device-');
});
afterEach(async () => {
  for (const device of devices) device.shutdown();
  await Promise.all(backends.map((backend) => backend.close()));
  devices = [];
  backends = [];
  dir.remove();
});

async function harness(options: {
  policy: SyncPolicy;
  points: readonly CrashPoint[];
  crashRandom: Random;
  journal?: DeviceFileOptions['journal'];
}): Promise<Harness> {
  const clock = new VirtualClock(EPOCH);
  const backend = await buildBackend({ seed: 3, storage: { file: ':memory:' } }, { clock: clock.taskClock });
  backends.push(backend);
  const transport = holdingTransport(createInProcessTransport(backend, clock, clock));
  const salesRandom = createRandom('device-test', 'sales');
  const h: Harness = {
    clock,
    backend,
    transport,
    events: [],
    crashes: [],
    restarts: [],
    whileDown: [],
    unexpected: [],
    device: new VirtualDevice({
      identity: deviceIdentity(0, { count: 1, branches: 1, groups: [] }),
      directory: dir.path,
      pool: new DeviceFilePool(4),
      file: deviceFileOptions({ sqliteSynchronous: 'off', sqliteJournal: options.journal ?? 'memory' }, 1),
      simClock: clock,
      deviceClock: createDeviceClock(clock),
      random: createRandom('device-test', 'device', 0),
      crashRandom: options.crashRandom,
      transport,
      policy: options.policy,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      crashes: {
        probability: 0.5,
        points: options.points,
        restartAfterMs: { kind: 'fixed', value: RESTART_AFTER_MS },
      },
      listener: {
        onCoreEvent: (_device, event) => h.events.push({ atMs: clock.monotonic(), event }),
        onCrash: (_device, point) => h.crashes.push({ atMs: clock.monotonic(), point }),
        onRestart: () => h.restarts.push(clock.monotonic()),
        onSaleWhileDown: () => h.whileDown.push(clock.monotonic()),
        onUnexpectedError: (_device, error) => h.unexpected.push(error),
      },
    }),
    at(atMs, action) {
      clock.schedule(atMs - clock.monotonic(), action);
    },
    runUntil: (atMs) => clock.run({ until: atMs }),
    sale: () => [{ draft: generateSale(salesRandom, CATALOG, WORKLOAD, 1), poison: null }],
  };
  devices.push(h.device);
  return h;
}

/** Through the device's own connection while it is up: a file the harness holds exclusively has no other reader. */
async function statuses(h: Harness): Promise<string[]> {
  return (await h.device.rows()).map((row) => row.syncStatus);
}

describe('VirtualDevice: a crash while a request is in flight', () => {
  it('the dead incarnation never writes again: its late answers are ignored and nothing reaches the listener', async () => {
    // Two syncs at once (the spec has no guard): the first is in flight when the second crashes the app.
    const h = await harness({ policy: SEED_POLICY, points: ['after-send'], crashRandom: crashOnDraws(1) });
    await h.device.start();
    h.at(1_000, () => void h.device.sell(h.sale()));
    h.at(2_000, () => void h.device.sell(h.sale()));
    await h.runUntil(2_000);
    expect(h.crashes).toEqual([{ atMs: 2_000, point: 'after-send' }]);
    expect(h.device.isUp).toBe(false);
    expect(h.transport.held).toHaveLength(2);
    const heard = h.events.length;
    expect(await statuses(h)).toEqual(['syncing', 'syncing']);

    // Both requests now reach the server, which stores the rows and answers 200: nobody is left to hear it.
    h.at(3_000, () => {
      for (const request of h.transport.held) request.release();
    });
    await h.runUntil(10_000);
    expect(h.backend.ledger.count()).toBe(2);
    expect(await statuses(h)).toEqual(['syncing', 'syncing']);
    expect(h.events).toHaveLength(heard);
    expect(h.unexpected).toEqual([]);
    expect(integrityOf(h.device.path)).toBe('ok');

    // A sale while the app is down is not rung up on this till.
    h.at(11_000, () => void h.device.sell(h.sale()));
    await h.runUntil(12_000);
    expect(h.whileDown).toEqual([11_000]);
    expect(readDeviceFile(h.device.path)).toHaveLength(2);
  });

  it('restarts exactly restartAfterMs after the crash, with the counts rebuilt from the file', async () => {
    const h = await harness({ policy: SEED_POLICY, points: ['after-send'], crashRandom: crashOnDraws(0) });
    h.transport.holding = false;
    await h.device.start();
    h.at(1_000, () => void h.device.sell(h.sale()));
    await h.runUntil(1_000 + RESTART_AFTER_MS - 1);
    expect(h.crashes.map((crash) => crash.atMs)).toEqual([1_000]);
    expect(h.device.isUp).toBe(false);
    expect(h.device.restartCount).toBe(0);
    expect(h.restarts).toEqual([]);

    await h.runUntil(1_000 + RESTART_AFTER_MS);
    expect(h.restarts).toEqual([1_000 + RESTART_AFTER_MS]);
    expect(h.device.restartCount).toBe(1);
    expect(h.device.isUp).toBe(true);
    expect(h.device.backlog()).toEqual({ pending: 0, syncing: 1, synced: 0, failed: 0 });

    // The new incarnation sells and syncs as usual.
    h.at(40_000, () => void h.device.sell(h.sale()));
    await h.runUntil(41_000);
    expect(await statuses(h)).toEqual(['syncing', 'synced']);
    expect(h.device.backlog()).toEqual({ pending: 0, syncing: 1, synced: 1, failed: 0 });
    expect(h.unexpected).toEqual([]);
  });
});

const CRASH_CASES = CRASH_POINTS.flatMap((point) => JOURNALS.map((journal) => [point, journal] as const));

describe.each(CRASH_CASES)(
  'VirtualDevice: a crash at %s (%s journal), then the restart',
  (point, journal) => {
    /** Three sales made offline; the device comes online, syncs them in one batch and dies at `point`. */
    async function crashInSync(policy: SyncPolicy): Promise<Harness> {
      const h = await harness({ policy, points: [point], crashRandom: crashOnDraws(0), journal });
      h.transport.holding = false;
      h.device.setConnectivity(false, 1);
      await h.device.start();
      for (const atMs of [1_000, 2_000, 3_000]) h.at(atMs, () => void h.device.sell(h.sale()));
      h.at(10_000, () => h.device.setConnectivity(true, 1));
      await h.runUntil(10_000);
      expect(h.crashes).toEqual([{ atMs: 10_000, point }]);
      expect(h.device.isUp).toBe(false);
      // Whatever the point, the dead app's claim is on disk and nothing it was applying committed.
      expect(await statuses(h)).toEqual(['syncing', 'syncing', 'syncing']);
      expect(integrityOf(h.device.path)).toBe('ok');
      return h;
    }

    it('seed: the rows the dead app claimed stay syncing after the restart and later syncs', async () => {
      const h = await crashInSync(SEED_POLICY);
      h.at(60_000, () => void h.device.syncNow());
      await h.runUntil(3_600_000);
      expect(h.device.restartCount).toBe(1);
      expect(await statuses(h)).toEqual(['syncing', 'syncing', 'syncing']);
      expect(h.device.backlog()).toMatchObject({ syncing: 3, synced: 0 });
      expect(h.backend.ledger.count()).toBe(point === 'after-claim' ? 0 : 3);
      expect(h.unexpected).toEqual([]);
    });

    it('hardened: start-up recovery puts them back to pending and they sync, stored once', async () => {
      const h = await crashInSync(HARDENED_POLICY);
      await h.runUntil(10_000 + RESTART_AFTER_MS + 60_000);
      expect(h.restarts).toEqual([10_000 + RESTART_AFTER_MS]);
      expect(await statuses(h)).toEqual(['synced', 'synced', 'synced']);
      expect(h.device.backlog()).toMatchObject({ pending: 0, syncing: 0, synced: 3 });
      expect(h.backend.ledger.count()).toBe(3);
      h.device.shutdown();
      expect(integrityOf(h.device.path)).toBe('ok');
      // The recovery was the restart's: the rows went back to pending one request timeout after it (the dead
      // app's request could be answered until then).
      const released = h.events.find((entry) => entry.event.type === 'rows-released');
      expect(released?.atMs).toBe(10_000 + RESTART_AFTER_MS + REQUEST_TIMEOUT_MS);
      expect(h.unexpected).toEqual([]);
    });
  },
);
