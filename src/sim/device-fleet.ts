/**
 * The fleet of one run: builds every device of the shard (its clock, seeded streams, transport with
 * client-side conditions, crash settings), schedules what the scenario says will happen to each (sales,
 * connectivity changes), and answers for the whole fleet (backlog, settled, rows).
 */
import { isStorageFailure, messageOf } from '../core/errors.ts';
import type { CoreObserver } from '../core/events.ts';
import type { SyncPolicy } from '../core/policy.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, type Logger, type Transport } from '../core/ports.ts';
import { createRandom } from '../core/random.ts';
import type { SaleKeyLists, SyncStatus, TransactionLocal } from '../core/transaction-local.ts';
import type { Product } from './catalog.ts';
import { buildTimeline, drawListenerEvents, selects } from './connectivity.ts';
import { NO_CRASHES } from './crashes.ts';
import { type DeviceListener, VirtualDevice } from './device.ts';
import { createDeviceClock } from './device-clock.ts';
import { DeviceFilePool, deviceFileOptions, maxOpenDevices, openFileLimit } from './device-file-pool.ts';
import { deviceClockFor, deviceIdentity } from './fleet.ts';
import { type NetworkConditions, withConditions } from './network/conditions.ts';
import type { SimClock } from './sim-clock.ts';
import type { ResolvedSimulation } from './simulation-config.ts';
import type { TraceRecorder } from './trace.ts';
import { createDeviceWorkload } from './workload.ts';

const MAX_KEPT_ERRORS = 20;

export interface FleetOptions {
  readonly sim: ResolvedSimulation;
  readonly seed: string;
  readonly indices: readonly number[];
  readonly directory: string;
  readonly clock: SimClock;
  readonly transport: Transport;
  /** Apply the client's timeout around the transport (in-process: no socket to time out). */
  readonly enforceTimeout: boolean;
  readonly policy: SyncPolicy;
  readonly traces: TraceRecorder;
  readonly catalog: readonly Product[];
  /** Scenario ms per wall ms in real time (1 in virtual time): network durations and latencies are wall ms. */
  readonly speed: number;
  readonly maxOpenDevices?: number;
  /** Fleets sharing this process's descriptors (the shard threads of `--workers`); 1 by default. */
  readonly fleetsInProcess?: number;
  /** Descriptors the backend connection holds (an HTTP pool's sockets); 0 in process. */
  readonly sockets?: number;
  readonly logger?: Logger;
}

export interface HarnessError {
  readonly deviceId: string;
  readonly error: string;
}

/** The app's request timeout on the scenario's clock: the network's is wall time, as undici's is. */
export function requestTimeoutInScenario(sim: ResolvedSimulation, speed: number): number {
  return (sim.network.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) * speed;
}

export class DeviceFleet {
  readonly devices: readonly VirtualDevice[];
  readonly harnessErrors: HarnessError[] = [];
  private harnessErrorCount = 0;
  private whileDown = 0;
  private conditions: NetworkConditions;
  private selling = true;
  private readonly options: FleetOptions;
  /** One trace observer per device life: batch ids restart with the process. */
  private readonly observers = new Map<VirtualDevice, CoreObserver>();

  constructor(options: FleetOptions) {
    this.options = options;
    this.conditions = options.sim.network;
    const { sim, seed, clock, traces } = options;
    const pool = new DeviceFilePool(
      options.maxOpenDevices ??
        maxOpenDevices(openFileLimit(), sim.sqliteJournal, {
          fleets: options.fleetsInProcess,
          sockets: options.sockets,
        }),
    );
    // The whole fleet's count, not the shard's: a shard's devices get the cache they have in one process, so N
    // shards hold one fleet's budget between them rather than N.
    const file = deviceFileOptions(sim, sim.devices.count);
    const elapsed = () => clock.monotonic();
    const listener: DeviceListener = {
      onCoreEvent: (device, event) => this.observers.get(device)?.onEvent(event),
      onCrash: (device, point) => traces.recordCrash(device.deviceId, elapsed(), point),
      onRestart: (device) => this.observe(device),
      onLocalFailure: (device, reference, error) =>
        traces.recordLocalFailure(device.deviceId, elapsed(), reference, error),
      onSaleWhileDown: () => {
        this.whileDown++;
      },
      onUnexpectedError: (device, error) => this.recordHarnessError(device, error),
    };
    this.devices = options.indices.map((index) => {
      const identity = deviceIdentity(index, sim.devices);
      const holder: { device: VirtualDevice | null } = { device: null };
      const device = new VirtualDevice({
        identity,
        directory: options.directory,
        pool,
        file,
        simClock: clock,
        deviceClock: createDeviceClock(clock, deviceClockFor(identity, sim.deviceClocks)),
        random: createRandom(seed, 'device', index),
        crashRandom: createRandom(seed, 'crash', index),
        transport: withConditions(options.transport, {
          clock,
          random: createRandom(seed, 'network', index),
          isOnline: () => holder.device?.isOnline ?? false,
          conditions: () => this.conditions,
          enforceTimeout: options.enforceTimeout,
          speed: options.speed,
        }),
        policy: options.policy,
        requestTimeoutMs: requestTimeoutInScenario(sim, options.speed ?? 1),
        crashes: selects(sim.crashes.appliesTo, identity) ? sim.crashes.config : NO_CRASHES,
        listener,
        logger: options.logger,
      });
      holder.device = device;
      this.observe(device);
      return device;
    });
  }

  get harnessErrorTotal(): number {
    return this.harnessErrorCount;
  }

  get salesWhileDown(): number {
    return this.whileDown;
  }

  /**
   * Schedules the fault phase up front, from `originMs` (the sim clock's time when the devices were up: 0 in
   * virtual time; in real time, starting a thousand apps takes a while and must not eat the scenario): every
   * connectivity change of every device, and each device's first sale (each sale schedules the next, so the
   * queue holds one per device).
   */
  scheduleFaultPhase(originMs: number): void {
    const { sim, seed, clock, catalog } = this.options;
    for (const device of this.devices) {
      const timeline = buildTimeline(device.identity, sim.connectivity, { seed, durationMs: sim.durationMs });
      for (const change of timeline)
        clock.schedule(originMs + change.atMs - clock.monotonic(), () =>
          device.setConnectivity(change.online, change.events),
        );
      const workload = createDeviceWorkload({
        seed,
        deviceIndex: device.identity.index,
        catalog,
        config: sim.workload,
        startEpochMs: sim.startEpochMs,
      });
      const scheduleNext = (afterMs: number): void => {
        const arrival = workload.nextArrival(afterMs);
        if (arrival === null || arrival.atMs >= sim.durationMs) return;
        clock.schedule(originMs + arrival.atMs - clock.monotonic(), () => {
          if (!this.selling) return;
          void device.sell(arrival.sales);
          scheduleNext(arrival.atMs);
        });
      };
      scheduleNext(0);
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.devices.map((device) => device.start()));
  }

  /**
   * The heal phase: no more sales, no client-side faults, every device online, and every app told so at least
   * once (a listener that missed the last change would otherwise never sync again, which is a fault of the
   * fault phase, not something the heal phase should keep).
   */
  heal(): void {
    const { sim, seed } = this.options;
    this.selling = false;
    // Faults off; the client's timeout is a setting of the app, not a fault, and stays what the scenario says.
    const { timeoutMs } = sim.network;
    this.conditions = timeoutMs === undefined ? {} : { timeoutMs };
    for (const device of this.devices) {
      if (device.isOnline && device.appBelievesOnline) continue;
      const drawn = drawListenerEvents(
        sim.connectivity.listenerEvents,
        createRandom(seed, 'heal', device.identity.index),
      );
      device.setConnectivity(true, Math.max(1, drawn));
    }
  }

  /** Nothing left to do: every device is up and has no pending or syncing row. */
  settled(): boolean {
    return this.devices.every((device) => device.isUp && device.unsettled === 0);
  }

  backlog(): { backlog: Record<SyncStatus, number>; online: number } {
    const backlog: Record<SyncStatus, number> = { pending: 0, syncing: 0, synced: 0, failed: 0 };
    let online = 0;
    for (const device of this.devices) {
      const counts = device.backlog();
      backlog.pending += counts.pending;
      backlog.syncing += counts.syncing;
      backlog.synced += counts.synced;
      backlog.failed += counts.failed;
      if (device.isOnline) online++;
    }
    return { backlog, online };
  }

  /** Every device's rows, one device at a time (never all of them in memory at once). */
  async eachDeviceRows(visit: (rows: readonly TransactionLocal[]) => void): Promise<void> {
    for (const device of this.devices) visit(await device.rows());
  }

  /** Every device's sale keys (offline id and reference), one device at a time. */
  async eachDeviceSaleKeys(visit: (keys: SaleKeyLists) => void): Promise<void> {
    for (const device of this.devices) visit(await device.saleKeys());
  }

  shutdown(): void {
    for (const device of this.devices) device.shutdown();
  }

  private observe(device: VirtualDevice): void {
    const elapsed = () => this.options.clock.monotonic();
    this.observers.set(
      device,
      this.options.traces.observer(device.deviceId, {
        now: elapsed,
        isOnline: () => device.isOnline,
        speed: this.options.speed,
      }),
    );
  }

  /** The first storage failure of a device (a full disk): the run must stop, not count it. */
  storageFailure: { readonly deviceId: string; readonly problem: string } | null = null;

  private recordHarnessError(device: VirtualDevice, error: unknown): void {
    if (isStorageFailure(error))
      this.storageFailure ??= { deviceId: device.deviceId, problem: messageOf(error) };
    this.harnessErrorCount++;
    if (this.harnessErrors.length < MAX_KEPT_ERRORS) {
      this.harnessErrors.push({
        deviceId: device.deviceId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    this.options.logger?.error(
      { deviceId: device.deviceId, error: String(error) },
      'unexpected error in a device',
    );
  }
}
