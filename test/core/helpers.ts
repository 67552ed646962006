/**
 * Shared test doubles for the device core: a manual clock, a scripted transport in front of a
 * de-duplicating server model, a sale factory, a temp-dir helper and a device harness that can crash and
 * restart a core over the same SQLite file. Nothing here belongs in src/: the simulator has its own clock,
 * network and fake backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Value from 'typebox/value';
import { afterEach, beforeEach } from 'vitest';
import type { SyncRunReport } from '../../src/core/batch-sync-service.ts';
import type { CrashHook, CrashPoint } from '../../src/core/crash-points.ts';
import type { CoreEvent } from '../../src/core/events.ts';
import type { SyncReason } from '../../src/core/offline-sync-service.ts';
import type { SyncPolicy } from '../../src/core/policy.ts';
import type { Clock, Transport, TransportFailure, TransportReply } from '../../src/core/ports.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, TransportError } from '../../src/core/ports.ts';
import { createPosCore, type PosCore } from '../../src/core/pos-core.ts';
import type { BatchSyncRequest, SyncResult, SyncTransaction } from '../../src/core/protocol.ts';
import { BatchSyncRequestSchema } from '../../src/core/protocol.ts';
import { createRandom } from '../../src/core/random.ts';
import type { NewTransaction, TransactionLocal } from '../../src/core/transaction-local.ts';
import type { SyncStatistics } from '../../src/core/transaction-local-service.ts';

/** 2024-11-25T10:20:00.000Z: a fixed start for every device clock. */
export const EPOCH = 1_732_530_000_000;

/** Lets every queued microtask (and the chains they start) run: one macrotask turn, no timers involved. */
export function settle(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told. Monotonic time starts at 0 and moves with advance(); the device's wall
 * clock moves with it and can also be set (backwards too) on its own, like a user fixing the time.
 */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(wallStart = EPOCH) {
    this.wall = wallStart;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.mono + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Sleeps not yet due. */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** Sets the device's wall clock, leaving monotonic time alone. */
  setWall(epochMs: number): void {
    this.wall = epochMs;
  }

  /** Moves the wall clock by delta (negative: back in time), leaving monotonic time alone. */
  shiftWall(deltaMs: number): void {
    this.wall += deltaMs;
  }

  /**
   * Moves time forward by ms, waking due sleeps one at a time in order (time, then call order) and letting
   * each one's continuation run before the next.
   */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      await settle();
      let next: Sleeper | undefined;
      for (const sleeper of this.sleepers) {
        if (sleeper.at > target) continue;
        if (next === undefined || sleeper.at < next.at || (sleeper.at === next.at && sleeper.seq < next.seq))
          next = sleeper;
      }
      if (next === undefined) break;
      const due = next;
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== due);
      this.wall += due.at - this.mono;
      this.mono = due.at;
      due.resolve();
    }
    this.wall += target - this.mono;
    this.mono = target;
    await settle();
  }
}

/** Typed failures, for failNext and friends. */
export const failures = {
  offline: (): TransportFailure => ({ kind: 'offline' }),
  reset: (): TransportFailure => ({ kind: 'reset', detail: 'ECONNRESET' }),
  timeout: (): TransportFailure => ({ kind: 'timeout', phase: 'headers' }),
  http: (status: number, retryAfterMs: number | null = null, body = ''): TransportFailure => ({
    kind: 'http',
    status,
    body,
    retryAfterMs,
  }),
} as const;

/** One sale as the server stored it. */
export interface StoredSale {
  readonly serverId: number;
  readonly transactionCode: string;
  readonly transaction: SyncTransaction;
}

/**
 * The spec's backend as a model: a map keyed by offline_reference (its unique index). A reference it already
 * holds is answered `success: true, duplicate: true` with the stored server id, and not stored again.
 */
export class ServerModel {
  readonly byReference = new Map<string, StoredSale>();
  /** Every request that reached the server (committed), in order. */
  readonly requests: BatchSyncRequest[] = [];
  /** Inserts per reference: more than 1 would be a duplicate row on the server. */
  readonly inserts = new Map<string, number>();
  /** Requests that broke the wire schema, with the reason. */
  readonly invalid: string[] = [];
  /** Row-level rejection: a reason makes that row's result `success: false` (nothing stored). */
  rejectRow: ((transaction: SyncTransaction) => string | null) | null = null;
  private nextId = 1;

  validate(body: string): BatchSyncRequest | string {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return 'body is not JSON';
    }
    if (!Value.Check(BatchSyncRequestSchema, json)) {
      const first = [...Value.Errors(BatchSyncRequestSchema, json)][0];
      return `${first?.instancePath ?? ''} ${first?.message ?? 'invalid'}`;
    }
    return json;
  }

  commit(request: BatchSyncRequest): SyncResult[] {
    this.requests.push(request);
    return request.transactions.map((transaction) => {
      const base = { offline_id: transaction.offline_id, offline_reference: transaction.offline_reference };
      const reason = this.rejectRow?.(transaction) ?? null;
      if (reason !== null) {
        return {
          ...base,
          success: false,
          duplicate: false,
          server_id: null,
          transaction_code: null,
          error: reason,
        };
      }
      const existing = this.byReference.get(transaction.offline_reference);
      if (existing !== undefined) {
        return {
          ...base,
          success: true,
          duplicate: true,
          server_id: existing.serverId,
          transaction_code: existing.transactionCode,
          error: null,
        };
      }
      const serverId = this.nextId++;
      const stored = { serverId, transactionCode: `TRX-${String(serverId).padStart(6, '0')}`, transaction };
      this.byReference.set(transaction.offline_reference, stored);
      this.inserts.set(
        transaction.offline_reference,
        (this.inserts.get(transaction.offline_reference) ?? 0) + 1,
      );
      return {
        ...base,
        success: true,
        duplicate: false,
        server_id: serverId,
        transaction_code: stored.transactionCode,
        error: null,
      };
    });
  }

  /** How many committed requests carried this reference. */
  timesReceived(reference: string): number {
    let count = 0;
    for (const request of this.requests) {
      for (const transaction of request.transactions)
        if (transaction.offline_reference === reference) count++;
    }
    return count;
  }
}

export type FaultTiming =
  /** The request never reaches the server (dropped, refused, offline, or an error status before any work). */
  | 'before-server'
  /** The server commits, then the answer is lost (reset, timeout). */
  | 'after-server';

/**
 * A Transport in front of a ServerModel. By default every request is committed and answered at once (in
 * microtasks); it can be told to fail the next requests before or after the commit, to be offline, to answer
 * 413 above a size (or for an oversize row), to reject whole batches carrying a poison row with 400, to hold requests until released,
 * to take latency on the manual clock, or to reshape the response body.
 */
export class ScriptedTransport implements Transport {
  readonly server: ServerModel;
  offline = false;
  /** More rows than this in one request: 413. */
  maxRows: number | null = null;
  /** offline_references whose presence makes the whole batch a 400. */
  readonly poison = new Set<string>();
  /** More rows than this in one request: the server stores them, but too slowly, and the client times out. */
  slowAbove: number | null = null;
  /** offline_references too large to send: any batch carrying one is a 413, even alone. */
  readonly oversize = new Set<string>();
  /** The status a poisoned batch gets: 400 or 422. */
  poisonStatus = 400;
  /** Builds the response body from the server's results (e.g. to omit fields or rows). */
  reshape: ((results: SyncResult[], request: BatchSyncRequest) => unknown) | null = null;
  latencyMs = 0;
  /** Calls to postBatch, bodies in order. */
  readonly bodies: string[] = [];
  inFlight = 0;
  /** Scripted faults that fired, by timing. */
  readonly fired = { 'before-server': 0, 'after-server': 0 };
  private readonly clock: ManualClock | null;
  /** Scripted outcomes of the next requests, in order; null lets one through. */
  private faults: ({ failure: TransportFailure; timing: FaultTiming } | null)[] = [];
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  constructor(options: { server?: ServerModel; clock?: ManualClock } = {}) {
    this.server = options.server ?? new ServerModel();
    this.clock = options.clock ?? null;
  }

  /** The next `times` requests fail with this failure, before or after the server commits. */
  failNext(failure: TransportFailure, timing: FaultTiming = 'before-server', times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ failure, timing });
  }

  /** The next `times` requests go through untouched (to aim a later failNext at a later request). */
  passNext(times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(null);
  }

  get scriptedFaults(): number {
    return this.faults.length;
  }

  /** Network and server back to normal: no scripted faults, online, no size limit, nothing held. */
  heal(): void {
    this.faults = [];
    this.offline = false;
    this.maxRows = null;
    this.release();
  }

  /** Requests from now on wait (before reaching the server) until release(). */
  hold(): void {
    if (this.gate !== null) return;
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
  }

  /** The transactions of every request made, parsed. */
  get sentRequests(): BatchSyncRequest[] {
    return this.bodies.map((body) => JSON.parse(body) as BatchSyncRequest);
  }

  async postBatch(body: string): Promise<TransportReply> {
    this.bodies.push(body);
    this.inFlight++;
    try {
      if (this.offline) throw new TransportError(failures.offline());
      if (this.latencyMs > 0 && this.clock !== null) await this.clock.sleep(this.latencyMs);
      if (this.gate !== null) await this.gate;
      await Promise.resolve();
      const fault = this.faults.shift();
      if (fault?.timing === 'before-server') {
        this.fired['before-server']++;
        throw new TransportError(fault.failure);
      }
      const request = this.server.validate(body);
      if (typeof request === 'string') {
        this.server.invalid.push(request);
        throw new TransportError(failures.http(400, null, request));
      }
      const tooLarge = request.transactions.some((tx) => this.oversize.has(tx.offline_reference));
      if (tooLarge || (this.maxRows !== null && request.transactions.length > this.maxRows)) {
        throw new TransportError(failures.http(413, null, 'payload too large'));
      }
      const poisoned = request.transactions.find((tx) => this.poison.has(tx.offline_reference));
      if (poisoned !== undefined) {
        throw new TransportError(
          failures.http(
            this.poisonStatus,
            null,
            `transactions: ${poisoned.offline_reference} has an unknown product`,
          ),
        );
      }
      const results = this.server.commit(request);
      if (this.slowAbove !== null && request.transactions.length > this.slowAbove)
        throw new TransportError({ kind: 'timeout', phase: 'headers' });
      if (fault?.timing === 'after-server') {
        this.fired['after-server']++;
        throw new TransportError(fault.failure);
      }
      const payload = this.reshape?.(results, request) ?? { success: true, data: { results } };
      return { status: 200, body: JSON.stringify(payload) };
    } finally {
      this.inFlight--;
    }
  }
}

/** A sale with two items; `n` varies the amounts so every sale differs. Amounts in minor units. */
export function makeSale(n = 1, overrides: Partial<NewTransaction> = {}): NewTransaction {
  const price = 1_500_000 + n * 7;
  const itemSubtotal = price * 2;
  const second = 12_345 + n;
  const subtotal = itemSubtotal + second;
  const discountTotal = n % 3 === 0 ? 1_001 : 0;
  const taxTotal = Math.round(subtotal / 10);
  return {
    deviceId: 'DEVICE001',
    branchCode: 'BR-01',
    idUserApps: 42,
    grandTotal: subtotal - discountTotal + taxTotal,
    subtotal,
    discountTotal,
    taxTotal,
    status: 'completed',
    paymentStatus: 'paid',
    paymentMethod: 'CASH',
    items: [
      { productId: 1, productName: 'Kopi Susu', quantity: 2, price, subtotal: itemSubtotal },
      { productId: 2, productName: 'Roti Bakar', quantity: 1, price: second, subtotal: second },
    ],
    ...overrides,
  };
}

export interface TempDir {
  /** The current test's directory (fresh per test). */
  readonly path: string;
  /** A path inside it. */
  file(name: string): string;
  /** Runs fn after the test, before the directory is removed (newest first). */
  defer(fn: () => void): void;
}

/** A fresh directory under os.tmpdir() per test, removed afterwards with everything deferred run first. */
export function useTempDir(): TempDir {
  let current: string | null = null;
  let deferred: (() => void)[] = [];
  beforeEach(() => {
    current = mkdtempSync(join(tmpdir(), 'syncsim-core-'));
    deferred = [];
  });
  afterEach(() => {
    for (const fn of deferred.reverse()) fn();
    deferred = [];
    if (current !== null) rmSync(current, { recursive: true, force: true });
    current = null;
  });
  return {
    get path(): string {
      if (current === null) throw new Error('useTempDir: no test is running');
      return current;
    },
    file(name: string): string {
      return join(this.path, name);
    },
    defer(fn: () => void): void {
      deferred.push(fn);
    },
  };
}

/** Thrown by the crash hook: the device dies here. */
export class SimulatedCrash extends Error {
  readonly point: CrashPoint | 'dead';

  constructor(point: CrashPoint | 'dead') {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrash';
    this.point = point;
  }
}

/**
 * Kills one boot of a device at an armed crash point. Once dead, every later crash point and every access
 * to that boot's database throws too, so nothing the dead process still had queued can touch the file.
 */
class CrashSwitch implements CrashHook {
  armed: CrashPoint | null = null;
  dead = false;

  reached(point: CrashPoint): void {
    if (this.dead) throw new SimulatedCrash('dead');
    if (point !== this.armed) return;
    this.armed = null;
    this.dead = true;
    throw new SimulatedCrash(point);
  }
}

export interface RunRecord {
  readonly boot: number;
  readonly reason: SyncReason;
  readonly report: SyncRunReport | null;
  readonly error: unknown;
}

export interface TestDeviceOptions {
  readonly file: string;
  readonly policy: SyncPolicy;
  readonly deviceId?: string;
  readonly clock?: ManualClock;
  readonly transport?: ScriptedTransport;
  readonly seed?: string | number;
}

/**
 * One device: a PosCore over a file, with a manual clock and a scripted transport. crash points can be
 * armed; restart() drops the core (database.dispose()) and boots a new one over the same file, with a fresh
 * random stream (a new process does not replay the old one's offline ids).
 */
export class TestDevice {
  readonly file: string;
  readonly policy: SyncPolicy;
  readonly deviceId: string;
  readonly clock: ManualClock;
  readonly transport: ScriptedTransport;
  readonly server: ServerModel;
  readonly events: CoreEvent[] = [];
  readonly runs: RunRecord[] = [];
  /** Called with every core event as it happens (inside the core's call stack). */
  onEvent: ((event: CoreEvent) => void) | null = null;
  boot = 0;
  private readonly seed: string | number;
  private crash = new CrashSwitch();
  private current: PosCore | null = null;

  constructor(options: TestDeviceOptions) {
    this.file = options.file;
    this.policy = options.policy;
    this.deviceId = options.deviceId ?? 'DEVICE001';
    this.clock = options.clock ?? new ManualClock();
    this.transport = options.transport ?? new ScriptedTransport({ clock: this.clock });
    this.server = this.transport.server;
    this.seed = options.seed ?? 'test';
    this.current = this.build();
  }

  get core(): PosCore {
    if (this.current === null) throw new Error('TestDevice: disposed');
    return this.current;
  }

  /** True once an armed crash point fired in the current boot. */
  get crashed(): boolean {
    return this.crash.dead;
  }

  armCrash(point: CrashPoint | null): void {
    this.crash.armed = point;
  }

  /** App start: start-up recovery per policy, then the connectivity plugin reports `online`. */
  async start(online = true): Promise<void> {
    await this.core.sync.initialize();
    this.core.sync.onConnectivityChanged(online);
    await settle();
  }

  /**
   * Starts the app after a crash and waits out the request timeout, after which start-up recovery (hardened)
   * puts the dead app's last claims back and syncs them.
   */
  async startAndRecover(online = true): Promise<void> {
    await this.start(online);
    await this.clock.advance(DEFAULT_REQUEST_TIMEOUT_MS);
    await settle();
  }

  /** Drops the core as a dead process would and boots a new one over the same file (not started). */
  restart(): PosCore {
    this.current?.database.dispose();
    this.boot++;
    this.crash = new CrashSwitch();
    this.current = this.build();
    return this.current;
  }

  dispose(): void {
    this.current?.database.dispose();
    this.current = null;
  }

  /** A sale, as the POS makes it: store it, then tell the sync trigger. */
  async sale(n = 1, overrides: Partial<NewTransaction> = {}): Promise<TransactionLocal> {
    const row = await this.core.store.createTransaction(
      makeSale(n, { deviceId: this.deviceId, ...overrides }),
    );
    this.core.sync.onTransactionCreated();
    return row;
  }

  /** Sales stored without triggering a sync (made offline). */
  async sales(count: number, from = 1): Promise<TransactionLocal[]> {
    const rows: TransactionLocal[] = [];
    for (let i = 0; i < count; i++) {
      rows.push(await this.core.store.createTransaction(makeSale(from + i, { deviceId: this.deviceId })));
      this.clock.shiftWall(1);
    }
    return rows;
  }

  stats(): Promise<SyncStatistics> {
    return this.core.store.getStatistics();
  }

  rows(): Promise<TransactionLocal[]> {
    return this.core.store.listTransactions();
  }

  /** Runs the batch sync directly (no trigger), as the spec's caller would; rejects as the spec's does. */
  syncOnce(): Promise<SyncRunReport> {
    return this.core.batchSync.syncPendingTransactions(this.deviceId);
  }

  private build(): PosCore {
    const crash = this.crash;
    const boot = this.boot;
    return createPosCore({
      deviceId: this.deviceId,
      database: this.file,
      databaseOptions: {
        onAccess: () => {
          if (crash.dead) throw new SimulatedCrash('dead');
        },
      },
      clock: this.clock,
      random: createRandom(this.seed, this.deviceId, boot),
      transport: this.transport,
      policy: this.policy,
      crash,
      observer: {
        onEvent: (event) => {
          this.events.push(event);
          this.onEvent?.(event);
        },
      },
      onRunFinished: (reason, report, error) => this.runs.push({ boot, reason, report, error }),
    });
  }
}

/** Creates a TestDevice whose database is disposed after the test. */
export function createDevice(
  dir: TempDir,
  options: Omit<TestDeviceOptions, 'file'> & { file?: string },
): TestDevice {
  const device = new TestDevice({ ...options, file: options.file ?? dir.file('device.sqlite') });
  dir.defer(() => device.dispose());
  return device;
}

/** Offline references the server stored, sorted. */
export function storedReferences(server: ServerModel): string[] {
  return [...server.byReference.keys()].sort();
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
