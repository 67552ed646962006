/**
 * runSimulation: builds the fleet, runs the fault phase (the scenario with its faults), then the heal phase
 * (faults off, every device online, syncing until nothing is left or a deadline passes), then checks every
 * device's rows against the server's ledger. In virtual time the same config and seed give the same result,
 * byte for byte, but for the wall-clock fields.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreObserver } from '../core/events.ts';
import { policyFromConfig } from '../core/policy.ts';
import type { Logger } from '../core/ports.ts';
import { createRandom } from '../core/random.ts';
import { createRealClock } from '../core/real-clock.ts';
import type { SyncStatus, TransactionLocal } from '../core/transaction-local.ts';
import {
  type BackendConnection,
  connectRealtimeFake,
  connectTarget,
  connectVirtual,
} from './backend-connection.ts';
import { createCatalog } from './catalog.ts';
import { type CheckResult, checkInvariants } from './checker.ts';
import { buildTimeline, drawListenerEvents, selects } from './connectivity.ts';
import { NO_CRASHES } from './crashes.ts';
import { type DeviceListener, VirtualDevice } from './device.ts';
import { createDeviceClock } from './device-clock.ts';
import { DeviceFilePool } from './device-file-pool.ts';
import { deviceClockFor, deviceIdentity, shardIndices } from './fleet.ts';
import type { LedgerSource } from './ledger/ledger-source.ts';
import { MetricsRecorder, type MetricsSnapshot } from './metrics.ts';
import { summariseMetrics } from './metrics-summary.ts';
import { type NetworkConditions, withConditions } from './network/conditions.ts';
import type { SimClock } from './sim-clock.ts';
import { type ResolvedSimulation, resolveSimulation, type SimulationConfig } from './simulation-config.ts';
import { buildSummary, type Summary } from './summary.ts';
import { TraceRecorder } from './trace.ts';
import { VirtualClock } from './virtual-clock.ts';
import { createDeviceWorkload } from './workload.ts';

export type Phase = 'setup' | 'fault' | 'heal' | 'check' | 'done';

export interface Progress {
  readonly phase: Phase;
  /** Scenario time since the start, ms. */
  readonly simulatedMs: number;
  readonly durationMs: number;
  readonly devices: number;
  readonly devicesOnline: number;
  readonly salesCreated: number;
  /** Rows pending or syncing across the fleet. */
  readonly backlog: number;
  readonly requests: number;
  /** Requests that did not get a 2xx, plus offline skips. */
  readonly errors: number;
}

export interface RunOptions {
  readonly scenario: string;
  readonly seed: string;
  /** The run folder: `devices/` (one SQLite file per device) and `server.sqlite` go here. */
  readonly outDir: string;
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** Real time (HTTP), with scenario time compressed by `speed`. Implied by a target backend. */
  readonly realtime?: { readonly speed: number } | null;
  /** Where the target backend's rows can be read; ignored for the fake backend (its ledger is at hand). */
  readonly ledgerSource?: LedgerSource | null;
  /** The target's bearer token, read from its environment variable by the caller. */
  readonly token?: string;
  /** Stop early (Ctrl-C): no heal phase, a partial result marked interrupted. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  /** Device files open at once; default from the open-files limit. */
  readonly maxOpenDevices?: number;
  readonly logger?: Logger;
}

export interface SimulationResult {
  readonly summary: Summary;
  readonly metrics: MetricsSnapshot;
  readonly check: CheckResult;
  readonly config: ResolvedSimulation;
  /** Unexpected errors (bugs), with the device they happened on; at most a few are kept. */
  readonly harnessErrors: readonly { readonly deviceId: string; readonly error: string }[];
}

const HEAL_CHECK_MS = 5_000;
const MINUTE_MS = 60_000;
const MAX_KEPT_ERRORS = 20;

export async function runSimulation(
  config: SimulationConfig,
  options: RunOptions,
): Promise<SimulationResult> {
  const wallStart = performance.now(); // wallSeconds only: never feeds the simulation
  const sim = resolveSimulation(config);
  const shard = options.shard ?? null;
  const target = sim.backend.kind === 'target' ? sim.backend : null;
  const realtime = options.realtime ?? (target !== null ? { speed: 1 } : null);
  const mode = realtime === null ? 'virtual' : 'realtime';
  const devicesDir = join(options.outDir, 'devices');
  mkdirSync(devicesDir, { recursive: true });

  const virtualClock = realtime === null ? new VirtualClock(sim.startEpochMs) : null;
  const clock: SimClock = virtualClock ?? createRealClock(realtime?.speed ?? 1);
  const indices = shardIndices(sim.devices.count, shard);
  const connectOptions = {
    seed: options.seed,
    outDir: options.outDir,
    ledgerSource: options.ledgerSource ?? null,
    token: options.token,
    connections: Math.min(256, Math.max(1, indices.length)),
  };
  const fake = sim.backend.kind === 'fake' ? sim.backend : null;
  const connection: BackendConnection =
    fake === null
      ? await connectTarget(target ?? { kind: 'target', url: '' }, clock, connectOptions)
      : virtualClock !== null
        ? await connectVirtual(fake, virtualClock, connectOptions)
        : await connectRealtimeFake(fake, clock, connectOptions);

  const metrics = new MetricsRecorder({ originMs: 0 });
  const traces = new TraceRecorder({ metrics });
  const policy = policyFromConfig(sim.policy);
  const pool = new DeviceFilePool(options.maxOpenDevices);
  const catalog = createCatalog(options.seed, sim.catalog);
  const harnessErrors: { deviceId: string; error: string }[] = [];
  let harnessErrorCount = 0;
  let salesWhileDown = 0;
  let phase: Phase = 'setup';
  let conditions: NetworkConditions = sim.network;
  const elapsed = () => clock.monotonic();

  // One trace observer per device life: batch ids restart with the process.
  const observers = new Map<VirtualDevice, CoreObserver>();
  const observe = (device: VirtualDevice): void => {
    observers.set(
      device,
      traces.observer(device.deviceId, { now: elapsed, isOnline: () => device.isOnline }),
    );
  };
  const listener: DeviceListener = {
    onCoreEvent: (device, event) => observers.get(device)?.onEvent(event),
    onCrash: (device, point) => traces.recordCrash(device.deviceId, elapsed(), point),
    onRestart: observe,
    onLocalFailure: (device, reference, error) =>
      traces.recordLocalFailure(device.deviceId, elapsed(), reference, error),
    onSaleWhileDown: () => {
      salesWhileDown++;
    },
    onUnexpectedError: (device, error) => {
      harnessErrorCount++;
      if (harnessErrors.length < MAX_KEPT_ERRORS) {
        harnessErrors.push({
          deviceId: device.deviceId,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
      options.logger?.error(
        { deviceId: device.deviceId, error: String(error) },
        'unexpected error in a device',
      );
    },
  };

  const devices = indices.map((index) => {
    const identity = deviceIdentity(index, sim.devices);
    let device: VirtualDevice | null = null;
    const transport = withConditions(connection.transport, {
      clock,
      random: createRandom(options.seed, 'network', index),
      isOnline: () => device?.isOnline ?? false,
      conditions: () => conditions,
      enforceTimeout: connection.enforceTimeout,
    });
    device = new VirtualDevice({
      identity,
      directory: devicesDir,
      pool,
      simClock: clock,
      deviceClock: createDeviceClock(clock, deviceClockFor(identity, sim.deviceClocks)),
      random: createRandom(options.seed, 'device', index),
      crashRandom: createRandom(options.seed, 'crash', index),
      transport,
      policy,
      crashes: selects(sim.crashes.appliesTo, identity) ? sim.crashes.config : NO_CRASHES,
      listener,
      logger: options.logger,
    });
    observe(device);
    return device;
  });

  const backlogOf = () => {
    const backlog: Record<SyncStatus, number> = { pending: 0, syncing: 0, synced: 0, failed: 0 };
    let online = 0;
    for (const device of devices) {
      const counts = device.backlog();
      backlog.pending += counts.pending;
      backlog.syncing += counts.syncing;
      backlog.synced += counts.synced;
      backlog.failed += counts.failed;
      if (device.isOnline) online++;
    }
    return { backlog, online };
  };
  const progress = (): void => {
    if (!options.onProgress) return;
    const { backlog, online } = backlogOf();
    const counters = metrics.current;
    options.onProgress({
      phase,
      simulatedMs: elapsed(),
      durationMs: sim.durationMs,
      devices: devices.length,
      devicesOnline: online,
      salesCreated: counters.salesCreated,
      backlog: backlog.pending + backlog.syncing,
      requests: counters.requests + counters.offlineSkips,
      errors: counters.requests - counters.ok + counters.offlineSkips,
    });
  };
  const sampleGauges = (): void => {
    const { backlog, online } = backlogOf();
    metrics.recordGauges(elapsed(), { devicesOnline: online, backlog });
  };

  let interrupted = false;
  let healRan = false;
  let converged: boolean | null = null;
  let healStartMs = 0;
  let rows: TransactionLocal[] = [];
  try {
    // Everything that will happen in the fault phase is scheduled up front; sales schedule their successor.
    const listenerRandom = (index: number) => createRandom(options.seed, 'listener', index);
    devices.forEach((device) => {
      const { index } = device.identity;
      for (const change of buildTimeline(device.identity, sim.connectivity, {
        seed: options.seed,
        durationMs: sim.durationMs,
      })) {
        clock.schedule(change.atMs, () => device.setConnectivity(change.online, change.events));
      }
      const workload = createDeviceWorkload({
        seed: options.seed,
        deviceIndex: index,
        catalog,
        config: sim.workload,
        startEpochMs: sim.startEpochMs,
      });
      const scheduleNext = (afterMs: number): void => {
        const arrival = workload.nextArrival(afterMs);
        if (arrival === null || arrival.atMs >= sim.durationMs) return;
        clock.schedule(arrival.atMs - elapsed(), () => {
          if (phase !== 'fault') return;
          void device.sell(arrival.sales);
          scheduleNext(arrival.atMs);
        });
      };
      scheduleNext(0);
      void listenerRandom; // per-device listener draws in the heal phase use the same derivation
    });
    const everyMinute = (): void => {
      sampleGauges();
      if (virtualClock !== null) progress();
      clock.schedule(MINUTE_MS, everyMinute);
    };
    clock.schedule(MINUTE_MS, everyMinute);
    if (virtualClock === null) {
      const everySecond = (): void => {
        progress();
        clock.schedule(1_000 * (realtime?.speed ?? 1), everySecond);
      };
      clock.schedule(1_000 * (realtime?.speed ?? 1), everySecond);
    }

    await Promise.all(devices.map((device) => device.start()));
    phase = 'fault';
    progress();
    const aborted = () => options.signal?.aborted === true;
    await advance(clock, virtualClock, { untilMs: sim.durationMs, stop: aborted });
    interrupted = aborted();

    if (!interrupted && sim.heal.enabled) {
      phase = 'heal';
      healRan = true;
      healStartMs = elapsed();
      conditions = {};
      connection.heal();
      for (const device of devices) {
        if (!device.isOnline)
          device.setConnectivity(
            true,
            drawListenerEvents(sim.connectivity.listenerEvents, listenerRandom(device.identity.index)),
          );
      }
      progress();
      const settled = () => devices.every((device) => device.isUp && device.unsettled === 0);
      converged = settled();
      const check = (): void => {
        converged = settled();
        if (!converged) clock.schedule(HEAL_CHECK_MS, check);
      };
      if (!converged) clock.schedule(HEAL_CHECK_MS, check);
      await advance(clock, virtualClock, {
        untilMs: healStartMs + sim.heal.maxMs,
        stop: () => converged === true || aborted(),
      });
      interrupted = aborted();
    }

    phase = 'check';
    sampleGauges();
    progress();
    for (const device of devices) rows = rows.concat(await device.rows());
  } finally {
    for (const device of devices) device.shutdown();
  }

  const deviceIds = shard === null ? null : new Set(devices.map((device) => device.deviceId));
  let ledger: readonly import('./ledger-row.ts').LedgerRow[] | null;
  try {
    ledger = await connection.readLedger(deviceIds);
  } finally {
    await connection.close();
  }
  const check = checkInvariants({
    rows,
    localFailures: traces.localFailures(),
    ledger,
    deviceIds: deviceIds ?? undefined,
    traceOf: (offlineId) => traces.traceOf(offlineId),
  });
  const snapshot = metrics.snapshot();
  const overrides: Record<string, unknown> = { ...sim.policy };
  delete overrides.preset;
  const summary = buildSummary({
    scenario: options.scenario,
    seed: options.seed,
    policy: sim.policy.preset ?? 'seed',
    policyOverrides: overrides,
    mode,
    devices: devices.length,
    shard,
    backend: connection.description,
    wallSeconds: (performance.now() - wallStart) / 1000,
    simulatedMs: elapsed(),
    interrupted,
    heal: { ran: healRan, converged: healRan ? converged : null, ms: healRan ? elapsed() - healStartMs : 0 },
    metrics: summariseMetrics(snapshot),
    check,
    salesWhileDown,
    harnessErrors: harnessErrorCount,
  });
  phase = 'done';
  return { summary, metrics: snapshot, check, config: sim, harnessErrors };
}

/** Lets scenario time pass until `untilMs` (elapsed) or until `stop` says so. */
async function advance(
  clock: SimClock,
  virtualClock: VirtualClock | null,
  options: { untilMs: number; stop: () => boolean },
): Promise<void> {
  if (virtualClock !== null) {
    await virtualClock.run({ until: options.untilMs, shouldStop: options.stop });
    return;
  }
  // Real time: poll, so that Ctrl-C and convergence are noticed within a fraction of a second.
  while (clock.monotonic() < options.untilMs && !options.stop()) {
    await clock.sleep(
      Math.min(250 * ((clock as { speed?: number }).speed ?? 1), options.untilMs - clock.monotonic()),
    );
  }
}
