/**
 * A virtual device: the real core (store, batch sync, sync trigger) over its own SQLite file, with a
 * workload that sells, a connectivity state the scenario flips, and crashes that drop everything in memory
 * and reopen the file. Each life of the app is an incarnation; when it dies, its pending timers and
 * requests are cut off, so nothing a dead app started can touch the file or the metrics again.
 */
import { join } from 'node:path';
import type { CrashPoint } from '../core/crash-points.ts';
import type { DeviceDatabase } from '../core/device-database.ts';
import { ERR_REFERENCE_COLLISION } from '../core/errors.ts';
import type { CoreEvent, CoreObserver } from '../core/events.ts';
import type { SyncPolicy } from '../core/policy.ts';
import { type Clock, type Logger, type Random, type Transport, TransportError } from '../core/ports.ts';
import { createPosCore, type PosCore } from '../core/pos-core.ts';
import { chance, sample } from '../core/random.ts';
import {
  type SaleKeyLists,
  SYNC_STATUSES,
  type SyncStatus,
  type TransactionLocal,
} from '../core/transaction-local.ts';
import type { TransactionLocalService } from '../core/transaction-local-service.ts';
import { type CrashConfig, DeviceCrashed } from './crashes.ts';
import type { DeviceClock } from './device-clock.ts';
import type { DeviceFileOptions, DeviceFilePool } from './device-file-pool.ts';
import { RowSlots } from './row-slots.ts';
import type { SimClock } from './sim-clock.ts';
import { type PlannedSale, withIdentity } from './workload.ts';

export interface DeviceIdentity {
  readonly index: number;
  readonly deviceId: string;
  readonly branchCode: string;
  readonly group: string;
}

/** What the device tells the runner; every callback is optional and must not throw. */
export interface DeviceListener {
  /** A core event of a live incarnation (traces and metrics). */
  onCoreEvent?(device: VirtualDevice, event: CoreEvent): void;
  onCrash?(device: VirtualDevice, point: CrashPoint): void;
  onRestart?(device: VirtualDevice): void;
  /** createTransaction threw (e.g. the reference collided with an existing sale on this device). */
  onLocalFailure?(device: VirtualDevice, reference: string, error: string): void;
  /** A sale arrived while the app was down: the cashier could not ring it up on this till. */
  onSaleWhileDown?(device: VirtualDevice): void;
  /** Something a live incarnation threw that is neither a transport failure nor a crash: a bug. */
  onUnexpectedError?(device: VirtualDevice, error: unknown): void;
}

export interface VirtualDeviceOptions {
  readonly identity: DeviceIdentity;
  /** The run's devices folder; the file is `<dir>/<deviceId>.sqlite`. */
  readonly directory: string;
  readonly pool: DeviceFilePool;
  /** How the device file is opened (the scenario's sqliteSynchronous and sqliteJournal). */
  readonly file: DeviceFileOptions;
  readonly simClock: SimClock;
  readonly deviceClock: DeviceClock;
  /** The device's core stream (offline ids, jitter). */
  readonly random: Random;
  /** The device's crash stream. */
  readonly crashRandom: Random;
  /** The device's way to the backend, client-side conditions included (it checks `isOnline` itself). */
  readonly transport: Transport;
  readonly policy: SyncPolicy;
  /** The app's request timeout on the device's clock (scenario ms). */
  readonly requestTimeoutMs: number;
  readonly crashes: CrashConfig;
  readonly listener: DeviceListener;
  readonly logger?: Logger;
}

interface Incarnation {
  alive: boolean;
  readonly core: PosCore;
}

const NEVER = new Promise<never>(() => {});

export class VirtualDevice {
  readonly identity: DeviceIdentity;
  readonly path: string;
  private readonly options: VirtualDeviceOptions;
  private incarnation: Incarnation | null = null;
  private online = true;
  private restarts = 0;
  /** Each row's sync status (its index in SYNC_STATUSES), kept from core events: gauges without SQLite. */
  private readonly statuses = new RowSlots();
  private readonly counts: Record<SyncStatus, number> = { pending: 0, syncing: 0, synced: 0, failed: 0 };

  constructor(options: VirtualDeviceOptions) {
    this.options = options;
    this.identity = options.identity;
    this.path = join(options.directory, `${options.identity.deviceId}.sqlite`);
  }

  get deviceId(): string {
    return this.identity.deviceId;
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** What the app's listener last heard: false when it missed the change back to online. */
  get appBelievesOnline(): boolean {
    return this.incarnation?.alive === true && this.incarnation.core.sync.isOnline;
  }

  get isUp(): boolean {
    return this.incarnation?.alive === true;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Sales by sync status, as the core's events have reported them. */
  backlog(): Readonly<Record<SyncStatus, number>> {
    return this.counts;
  }

  /** Outstanding work: rows not yet synced or failed. */
  get unsettled(): number {
    return this.counts.pending + this.counts.syncing;
  }

  /** Starts the app: opens the file, runs start-up recovery, and reports connectivity once (as plugins do). */
  async start(): Promise<void> {
    const incarnation = this.createIncarnation();
    this.incarnation = incarnation;
    // After a crash the file is the truth: writes the dead app rolled back never happened.
    if (this.restarts > 0) await this.guard(incarnation, () => this.rebuildStatuses(incarnation));
    await this.guard(incarnation, () => incarnation.core.sync.initialize());
    if (incarnation.alive && this.online) incarnation.core.sync.onConnectivityChanged(true);
  }

  /** The network changed; the app's listener fires `events` times (0: it missed the change). */
  setConnectivity(online: boolean, events: number): void {
    this.online = online;
    const incarnation = this.incarnation;
    if (incarnation === null || !incarnation.alive) return;
    for (let i = 0; i < events; i++) incarnation.core.sync.onConnectivityChanged(online);
  }

  /** One arrival: one sale, or two in the same millisecond for a double tap. */
  async sell(sales: readonly PlannedSale[]): Promise<void> {
    const incarnation = this.incarnation;
    if (incarnation === null || !incarnation.alive) {
      for (let i = 0; i < sales.length; i++) this.options.listener.onSaleWhileDown?.(this);
      return;
    }
    const { core } = incarnation;
    // Every sale of the arrival is recorded before any sync starts: a double tap is two taps in one instant.
    const recorded: Promise<boolean>[] = sales.map((sale) =>
      core.store.createTransaction(withIdentity(sale.draft, this.identity)).then(
        () => true,
        (error: unknown) => {
          if (error instanceof ERR_REFERENCE_COLLISION) {
            this.options.listener.onLocalFailure?.(this, String(error.args[0]), error.message);
          } else if (incarnation.alive) {
            this.options.listener.onUnexpectedError?.(this, error);
          }
          return false;
        },
      ),
    );
    const results = await Promise.all(recorded);
    if (!incarnation.alive) return;
    for (const ok of results) if (ok) core.sync.onTransactionCreated();
  }

  /** The user presses "sync now". */
  async syncNow(): Promise<void> {
    const incarnation = this.incarnation;
    if (incarnation === null || !incarnation.alive) return;
    await incarnation.core.sync.syncNow();
  }

  /** Every row of the device file (after the run; opens the file if the app is down). */
  rows(): Promise<TransactionLocal[]> {
    return this.read((store) => store.listTransactions());
  }

  /** The offline id and reference of every row, read as rows() reads. */
  saleKeys(): Promise<SaleKeyLists> {
    return this.read((store) => store.listSaleKeys());
  }

  private async read<T>(query: (store: TransactionLocalService) => Promise<T>): Promise<T> {
    const incarnation = this.incarnation;
    if (incarnation?.alive) return query(incarnation.core.store);
    const reader = this.createIncarnation();
    try {
      return await query(reader.core.store);
    } finally {
      reader.alive = false;
      this.disposeDatabase(reader.core.database);
    }
  }

  /** Shuts the app down for good (end of run): the file is closed cleanly. */
  shutdown(): void {
    const incarnation = this.incarnation;
    this.incarnation = null;
    if (incarnation === null) return;
    incarnation.alive = false;
    this.disposeDatabase(incarnation.core.database);
  }

  private createIncarnation(): Incarnation {
    const { options } = this;
    const holder: { incarnation: Incarnation | null } = { incarnation: null };
    const isAlive = () => holder.incarnation?.alive === true;
    const observer: CoreObserver = {
      onEvent: (event) => {
        if (!isAlive()) return;
        this.track(event);
        options.listener.onCoreEvent?.(this, event);
      },
    };
    const core = createPosCore({
      deviceId: this.identity.deviceId,
      database: options.pool.database(this.path, options.file),
      clock: incarnationClock(options.deviceClock, isAlive),
      random: options.random,
      transport: incarnationTransport(options.transport, isAlive),
      policy: options.policy,
      requestTimeoutMs: options.requestTimeoutMs,
      logger: options.logger,
      observer,
      crash: {
        reached: (point) => {
          if (!isAlive()) throw new DeviceCrashed(this.identity.deviceId, point);
          const { crashes } = options;
          if (
            crashes.probability > 0 &&
            crashes.points.includes(point) &&
            chance(options.crashRandom, crashes.probability)
          ) {
            this.crash(point);
            throw new DeviceCrashed(this.identity.deviceId, point);
          }
        },
      },
      onRunFinished: (_reason, _report, error) => {
        if (isAlive() && error !== null && !isExpected(error))
          options.listener.onUnexpectedError?.(this, error);
      },
    });
    const incarnation: Incarnation = { alive: true, core };
    holder.incarnation = incarnation;
    return incarnation;
  }

  /** Kills the current incarnation now and schedules the next one. */
  private crash(point: CrashPoint): void {
    const incarnation = this.incarnation;
    if (incarnation === null || !incarnation.alive) return;
    incarnation.alive = false;
    this.disposeDatabase(incarnation.core.database);
    this.options.listener.onCrash?.(this, point);
    const downFor = Math.max(0, sample(this.options.crashes.restartAfterMs, this.options.crashRandom));
    this.options.simClock.schedule(downFor, () => {
      if (this.incarnation !== incarnation) return;
      this.restarts++;
      this.options.listener.onRestart?.(this);
      void this.start();
    });
  }

  private async rebuildStatuses(incarnation: Incarnation): Promise<void> {
    const rows = await incarnation.core.store.listTransactions();
    this.statuses.clear();
    this.counts.pending = this.counts.syncing = this.counts.synced = this.counts.failed = 0;
    for (const row of rows) this.setStatus(row.id, row.syncStatus);
  }

  private disposeDatabase(database: DeviceDatabase): void {
    database.dispose();
    this.options.pool.release(database);
  }

  private async guard(incarnation: Incarnation, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (incarnation.alive && !isExpected(error)) this.options.listener.onUnexpectedError?.(this, error);
    }
  }

  private track(event: CoreEvent): void {
    switch (event.type) {
      case 'transaction-created':
        this.setStatus(event.rowId, 'pending');
        return;
      case 'rows-claimed':
        for (const id of event.rowIds) this.setStatus(id, 'syncing');
        return;
      case 'rows-released':
        for (const id of event.rowIds) this.setStatus(id, 'pending');
        return;
      case 'rows-applied':
        for (const outcome of event.outcomes) this.setStatus(outcome.rowId, outcome.status);
        return;
      default:
        return;
    }
  }

  private setStatus(rowId: number, status: SyncStatus): void {
    const before = this.statuses.get(rowId);
    if (before !== -1) this.counts[SYNC_STATUSES[before]!]--;
    this.statuses.set(rowId, SYNC_STATUSES.indexOf(status));
    this.counts[status]++;
  }
}

/** A crash we caused, or a transport failure escaping a policy without a catch (the spec's): not bugs. */
function isExpected(error: unknown): boolean {
  return error instanceof DeviceCrashed || error instanceof TransportError;
}

/** The device clock for one incarnation: its sleeps never wake a dead app. */
function incarnationClock(clock: Clock, isAlive: () => boolean): Clock {
  return {
    now: () => clock.now(),
    monotonic: () => clock.monotonic(),
    sleep: (ms) => clock.sleep(ms).then(() => (isAlive() ? undefined : NEVER)),
  };
}

/** The transport for one incarnation: a dead app never hears back (the request itself still goes out). */
function incarnationTransport(transport: Transport, isAlive: () => boolean): Transport {
  return {
    postBatch: (body) =>
      transport.postBatch(body).then(
        (reply) => (isAlive() ? reply : NEVER),
        (error: unknown) => (isAlive() ? Promise.reject(error) : NEVER),
      ),
  };
}
