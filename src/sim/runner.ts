/**
 * runSimulation: builds the fleet, runs the fault phase (the scenario with its faults), then the heal phase
 * (network and backend faults off, the client's timeout kept, device crashes as configured, every device
 * online, syncing until nothing is left or a deadline passes), then checks every
 * device's rows against the server's ledger. In virtual time the same config and seed give the same result,
 * byte for byte, but for the wall-clock fields.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSyncsimError } from '../core/errors.ts';
import { policyFromConfig, type SyncPolicy } from '../core/policy.ts';
import type { Logger } from '../core/ports.ts';
import { createRealClock, type RealClock } from '../core/real-clock.ts';
import {
  type BackendConnection,
  type ConnectOptions,
  connectRealtimeFake,
  connectTarget,
  connectVirtual,
} from './backend-connection.ts';
import { createCatalog } from './catalog.ts';
import { type CheckResult, InvariantCheck } from './checker.ts';
import { DeviceFleet, type HarnessError, requestTimeoutInScenario } from './device-fleet.ts';
import { ERR_RUN_STORAGE } from './errors.ts';
import { deviceIdentity, shardIndices } from './fleet.ts';
import { GeneratorMeter } from './generator-meter.ts';
import { holdsAny, type LedgerSource } from './ledger/ledger-source.ts';
import { parseLedgerSpec, resolveLedgerMapping } from './ledger/ledger-spec.ts';
import { openLedgerSource } from './ledger/open-ledger-source.ts';
import type { LedgerRow } from './ledger-row.ts';
import { MetricsRecorder, type MetricsSnapshot } from './metrics.ts';
import { summariseMetrics } from './metrics-summary.ts';
import type { SimClock } from './sim-clock.ts';
import {
  type ResolvedSimulation,
  resolveSimulation,
  type SimulationConfig,
  type TargetBackendConfig,
} from './simulation-config.ts';
import { buildSummary, type Summary } from './summary.ts';
import { TraceRecorder } from './trace.ts';
import { VirtualClock } from './virtual-clock.ts';

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
  /** Real time: the share (%) of the last wall second the generator's thread was busy; null before, and in virtual time. */
  readonly generatorBusyPercent: number | null;
}

export interface RunOptions {
  readonly scenario: string;
  readonly seed: string;
  /** The run folder: `devices/` (one SQLite file per device) and `server.sqlite` go here. */
  readonly outDir: string;
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** Real time (HTTP), with scenario time compressed by `speed`. Implied by a target backend. */
  readonly realtime?: { readonly speed: number } | null;
  /**
   * Where the target backend's rows can be read; ignored for the fake backend (its ledger is at hand). By
   * default the source the target's `ledger` names (with its `ledgerMapping` and the token), opened here.
   */
  readonly ledgerSource?: LedgerSource | null;
  /** The target's bearer token, read from its environment variable by the caller. */
  readonly token?: string;
  /** The target's headers read from the environment (backend.headerEnv), by the caller. */
  readonly secretHeaders?: Readonly<Record<string, string>>;
  /** Stop early (Ctrl-C): no heal phase, a partial result marked interrupted. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  /** Device files open at once; default from the open-files limit. */
  readonly maxOpenDevices?: number;
  /** Fleets sharing this process's open-files limit (`--workers` shard threads); 1 by default. */
  readonly fleetsInProcess?: number;
  readonly logger?: Logger;
  /** Something the user should know before the run goes on (e.g. a ledger that already holds its devices' rows). */
  readonly onWarning?: (message: string) => void;
}

export interface SimulationResult {
  readonly summary: Summary;
  readonly metrics: MetricsSnapshot;
  readonly check: CheckResult;
  readonly config: ResolvedSimulation;
  /** Unexpected errors (bugs), with the device they happened on; at most a few are kept. */
  readonly harnessErrors: readonly HarnessError[];
}

const HEAL_CHECK_MS = 5_000;
const MINUTE_MS = 60_000;

export async function runSimulation(
  config: SimulationConfig,
  options: RunOptions,
): Promise<SimulationResult> {
  const wallStart = performance.now(); // wallSeconds only: never feeds the simulation
  const sim = resolveSimulation(config);
  const shard = options.shard ?? null;
  const target = sim.backend.kind === 'target' ? sim.backend : null;
  const realtime = options.realtime ?? (target !== null ? { speed: 1 } : null);
  const devicesDir = join(options.outDir, 'devices');
  // A run folder holds one run: an earlier run's device files would be read as this run's.
  rmSync(devicesDir, { recursive: true, force: true });
  mkdirSync(devicesDir, { recursive: true });

  // Opened before anything else, so a wrong ledger fails the run before any device starts.
  const ledgerSource =
    options.ledgerSource !== undefined ? options.ledgerSource : await openTargetLedger(target, options.token);
  const indices = shardIndices(sim.devices.count, shard);
  const first = indices[0];
  if (target !== null && ledgerSource !== null && first !== undefined) {
    await warnOfEarlierRows(ledgerSource, deviceIdentity(first, sim.devices).deviceId, options).catch(
      async (error: unknown) => {
        await ledgerSource.close();
        throw error;
      },
    );
  }
  const { clock, virtualClock, realClock, disposeClock } = makeClock(sim.startEpochMs, realtime);
  // A shard checks its own devices against the ledger: server rows of other devices are out of its scope.
  const deviceIds =
    shard === null ? null : new Set(indices.map((index) => deviceIdentity(index, sim.devices).deviceId));
  const connection = await connect(sim, clock, virtualClock, {
    seed: options.seed,
    outDir: options.outDir,
    ledgerSource,
    token: options.token,
    secretHeaders: options.secretHeaders,
    timeoutMs: sim.network.timeoutMs,
    speed: realtime?.speed,
    synchronous: sim.sqliteSynchronous,
    connections: Math.min(256, Math.max(1, indices.length)),
  }).catch(async (error: unknown) => {
    disposeClock();
    await ledgerSource?.close();
    throw error;
  });

  const metrics = new MetricsRecorder({ originMs: 0 });
  const meter = realClock === null ? null : new GeneratorMeter(metrics, realClock);
  const traces = new TraceRecorder({ metrics });
  const policy = policyFromConfig(sim.policy);
  let fleet: DeviceFleet | null = null;
  let phases: PhaseOutcome;
  let check: CheckResult;
  try {
    fleet = new DeviceFleet({
      sim,
      seed: options.seed,
      indices,
      directory: devicesDir,
      clock,
      transport: connection.transport,
      enforceTimeout: connection.enforceTimeout,
      policy,
      traces,
      catalog: await createCatalog(options.seed, sim.catalog),
      speed: realtime?.speed ?? 1,
      maxOpenDevices: options.maxOpenDevices,
      fleetsInProcess: options.fleetsInProcess,
      sockets: connection.sockets,
      logger: options.logger,
    });
    phases = await runPhases(fleet, {
      sim,
      clock,
      virtualClock,
      connection,
      metrics,
      meter,
      options,
      realtime,
      policy,
    });
    meter?.stop(); // the load is over: the check that follows blocks the loop by design
    if (fleet.storageFailure !== null)
      throw new ERR_RUN_STORAGE(fleet.storageFailure.deviceId, fleet.storageFailure.problem);
    const checking = new InvariantCheck({
      localFailures: traces.localFailures(),
      ledger: await readLedgerOrWarn(connection, deviceIds, options, ledgerSource),
      deviceIds: deviceIds ?? undefined,
      traceOf: (offlineId) => traces.traceOf(offlineId),
    });
    // Two passes over the device files, one device at a time: the run never holds every row.
    await fleet.eachDeviceSaleKeys((keys) => checking.count(keys));
    await fleet.eachDeviceRows((rows) => checking.check(rows));
    fleet.shutdown();
    check = checking.finish();
  } finally {
    fleet?.shutdown();
    await connection.close();
    disposeClock();
  }

  const snapshot = metrics.snapshot();
  const { preset = 'seed', ...overrides } = sim.policy;
  const summary = buildSummary({
    scenario: options.scenario,
    seed: options.seed,
    policy: preset,
    policyOverrides: overrides,
    mode: realtime === null ? 'virtual' : 'realtime',
    devices: fleet.devices.length,
    shard,
    backend: connection.description,
    wallSeconds: (performance.now() - wallStart) / 1000,
    simulatedMs: phases.simulatedMs,
    interrupted: phases.interrupted,
    heal: phases.heal,
    metrics: summariseMetrics(snapshot),
    check,
    salesWhileDown: fleet.salesWhileDown,
    harnessErrors: fleet.harnessErrorTotal,
  });
  return { summary, metrics: snapshot, check, config: sim, harnessErrors: fleet.harnessErrors };
}

/**
 * The server's rows for the check. A target's ledger that cannot be read at the end (the backend or its
 * database died with the run) leaves the ledger invariants not checked, with a warning: the run's
 * measurements and device-side checks are still worth a report, which is when a load test is most needed.
 */
async function readLedgerOrWarn(
  connection: BackendConnection,
  deviceIds: ReadonlySet<string> | null,
  options: RunOptions,
  source: LedgerSource | null,
): Promise<readonly LedgerRow[] | null> {
  // A ledger that stalls must not hold the run once the user stops it: closing the source ends the read.
  const stop = (): void => void source?.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await connection.readLedger(deviceIds);
  } catch (error) {
    if (options.signal?.aborted === true && source !== null) {
      options.onWarning?.('stopped while reading the ledger: the ledger invariants are not checked');
      return null;
    }
    // The ledger unreachable, or answering what is no ledger: the run's own result still stands.
    if (!isSyncsimError(error) || (error.kind !== 'unavailable' && error.kind !== 'protocol')) throw error;
    options.onWarning?.(`${error.message}: the ledger invariants are not checked`);
    return null;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Every run's devices have the same ids (POS-0000...) and, with the same seed, the same offline ids: a ledger
 * that already holds this fleet's rows makes an earlier run's sales read as this run's duplicates, mismatches
 * or phantoms. One device is asked (its first row ends the read): cheap, and any rerun has that device.
 */
async function warnOfEarlierRows(source: LedgerSource, deviceId: string, options: RunOptions): Promise<void> {
  if (options.onWarning === undefined) return;
  if (!(await holdsAny(source, { deviceIds: new Set([deviceId]) }))) return;
  options.onWarning(
    `the ledger ${source.description} already holds rows of ${deviceId}, from an earlier run: they will be ` +
      "checked as this run's (duplicated, mismatched or phantom sales). Check against a ledger that holds " +
      "no other run's rows (a fresh database, or syncsim serve's /__syncsim/reset).",
  );
}

function openTargetLedger(
  target: TargetBackendConfig | null,
  token: string | undefined,
): Promise<LedgerSource | null> {
  if (target?.ledger === undefined) return Promise.resolve(null);
  return openLedgerSource(parseLedgerSpec(target.ledger), {
    mapping: resolveLedgerMapping(target.ledgerMapping ?? {}, 'backend.ledgerMapping'),
    token,
  });
}

function connect(
  sim: ResolvedSimulation,
  clock: SimClock,
  virtualClock: VirtualClock | null,
  options: ConnectOptions & { readonly connections: number },
): Promise<BackendConnection> {
  if (sim.backend.kind === 'target') return connectTarget(sim.backend, options);
  if (virtualClock !== null) return connectVirtual(sim.backend, virtualClock, options);
  return connectRealtimeFake(sim.backend, clock, options);
}

interface PhaseOutcome {
  readonly interrupted: boolean;
  readonly heal: { readonly ran: boolean; readonly converged: boolean | null; readonly ms: number };
  /**
   * Scenario time from the fault phase's start: in real time the fleet's start (opening device files,
   * start-up recovery) takes wall time before it, which the scenario's time does not count.
   */
  readonly simulatedMs: number;
}

interface PhaseContext {
  readonly sim: ResolvedSimulation;
  readonly clock: SimClock;
  readonly virtualClock: VirtualClock | null;
  readonly connection: BackendConnection;
  readonly metrics: MetricsRecorder;
  /** Real time only. */
  readonly meter: GeneratorMeter | null;
  readonly options: RunOptions;
  readonly realtime: { readonly speed: number } | null;
  readonly policy: SyncPolicy;
}

/** The fault phase, then (unless interrupted or disabled) the heal phase, with gauges and progress. */
async function runPhases(fleet: DeviceFleet, context: PhaseContext): Promise<PhaseOutcome> {
  const { sim, clock, virtualClock, connection, metrics, options } = context;
  let phase: Phase = 'setup';
  const progress = (): void => {
    if (!options.onProgress) return;
    const { backlog, online } = fleet.backlog();
    const counters = metrics.current;
    options.onProgress({
      phase,
      simulatedMs: clock.monotonic(),
      durationMs: sim.durationMs,
      devices: fleet.devices.length,
      devicesOnline: online,
      salesCreated: counters.salesCreated,
      backlog: backlog.pending + backlog.syncing,
      requests: counters.requests + counters.offlineSkips,
      errors: counters.requests - counters.ok + counters.offlineSkips,
      generatorBusyPercent: context.meter?.lastBusyPercent ?? null,
    });
  };
  let spanFromMs = clock.monotonic();
  const sampleGauges = (): void => {
    const { backlog, online } = fleet.backlog();
    const atMs = clock.monotonic();
    metrics.recordGauges(atMs, { devicesOnline: online, backlog });
    const busy = context.meter?.takeSpan() ?? null;
    if (busy !== null) metrics.recordGeneratorSpan(spanFromMs, busy);
    spanFromMs = atMs;
  };
  const every = (periodMs: number, task: () => void): void => {
    const tick = (): void => {
      task();
      clock.schedule(periodMs, tick);
    };
    clock.schedule(periodMs, tick);
  };
  every(MINUTE_MS, sampleGauges);
  // Progress each simulated minute in virtual time, each wall second in real time.
  every(virtualClock !== null ? MINUTE_MS : 1_000 * (context.realtime?.speed ?? 1), progress);

  await fleet.start();
  context.meter?.start(); // stopped by the caller when the phases end
  spanFromMs = clock.monotonic();
  const faultStartMs = clock.monotonic();
  fleet.scheduleFaultPhase(faultStartMs);
  phase = 'fault';
  progress();
  const aborted = () => options.signal?.aborted === true;
  // A full disk stops the run as Ctrl-C does; the caller then refuses its result (ERR_RUN_STORAGE).
  const halted = () => aborted() || fleet.storageFailure !== null;
  await advance(clock, virtualClock, { untilMs: faultStartMs + sim.durationMs, stop: halted });
  if (halted() || !sim.heal.enabled) {
    phase = 'check';
    sampleGauges();
    progress();
    return {
      interrupted: aborted(),
      heal: { ran: false, converged: null, ms: 0 },
      simulatedMs: clock.monotonic() - faultStartMs,
    };
  }

  phase = 'heal';
  const healStartMs = clock.monotonic();
  // Start-up recovery holds a restarted device's last claims for one request timeout (wall time: `speed` times
  // longer on the scenario clock), then sends them: the heal gives them that long and another timeout to sync.
  const recoveryMs = context.policy.recoverSyncingOnStart
    ? 2 * requestTimeoutInScenario(sim, context.realtime?.speed ?? 1)
    : 0;
  connection.heal();
  fleet.heal();
  progress();
  let converged = fleet.settled();
  const check = (): void => {
    converged = fleet.settled();
    if (!converged) clock.schedule(HEAL_CHECK_MS, check);
  };
  if (!converged) clock.schedule(HEAL_CHECK_MS, check);
  await advance(clock, virtualClock, {
    untilMs: healStartMs + Math.max(sim.heal.maxMs, recoveryMs),
    stop: () => converged || halted(),
  });
  // Work that finished at the deadline's instant, after the last periodic look, counts: a fleet settled when
  // the heal ends has converged (with heal.maxDuration 0, there is no periodic look at all).
  converged ||= fleet.settled();
  phase = 'check';
  sampleGauges();
  progress();
  const endMs = clock.monotonic();
  // A heal cut short by Ctrl-C has no verdict: it neither converged nor ran out of time.
  const verdict = converged ? true : aborted() ? null : false;
  return {
    interrupted: aborted(),
    heal: { ran: true, converged: verdict, ms: endMs - healStartMs },
    simulatedMs: endMs - faultStartMs,
  };
}

/** Virtual time, or real time (whose pending timers are cancelled at the end so the process can exit). */
function makeClock(
  startEpochMs: number,
  realtime: { speed: number } | null,
): {
  clock: SimClock;
  virtualClock: VirtualClock | null;
  realClock: RealClock | null;
  disposeClock: () => void;
} {
  if (realtime === null) {
    const virtualClock = new VirtualClock(startEpochMs);
    return { clock: virtualClock, virtualClock, realClock: null, disposeClock: () => {} };
  }
  const realClock = createRealClock(realtime.speed);
  return { clock: realClock, virtualClock: null, realClock, disposeClock: () => realClock.dispose() };
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
