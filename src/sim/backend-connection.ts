/**
 * Where a run's requests go and where its ledger comes from, by mode:
 * - virtual: the fake backend in-process through inject, on the virtual clock (its task view);
 * - realtime with the fake backend: the same backend listening on loopback, reached over real HTTP;
 * - a target URL: any backend over HTTP, its ledger from a source the user names (or none: not checked).
 */
import { join } from 'node:path';
import type { Clock, Transport } from '../core/ports.ts';
import { createRealClock } from '../core/real-clock.ts';
import { type Backend, buildBackend } from '../fake-backend/app.ts';
import { type BackendOptionsInput, MEMORY_DB } from '../fake-backend/options.ts';
import type { LedgerSource } from './ledger/ledger-source.ts';
import { type LedgerRow, ledgerRowFromKept } from './ledger-row.ts';
import { createHttpTarget, type HttpTarget } from './network/http-transport.ts';
import { createInProcessTransport } from './network/in-process-transport.ts';
import type { FakeBackendConfig, TargetBackendConfig } from './simulation-config.ts';
import type { VirtualClock } from './virtual-clock.ts';

export interface BackendConnection {
  /** One line for the report: what was tested against. */
  readonly description: string;
  readonly transport: Transport;
  /** True when the client-side timeout must be applied around the transport (in-process has no socket). */
  readonly enforceTimeout: boolean;
  /** Descriptors it holds open at most (an HTTP pool's sockets); 0 in process. */
  readonly sockets: number;
  /** The heal phase: the fake backend's faults go off; a real backend is what it is. */
  heal(): void;
  /** The server's rows (of the given devices, when the source can filter); null when there is no ledger. */
  readLedger(deviceIds: ReadonlySet<string> | null): Promise<readonly LedgerRow[] | null>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly seed: string;
  readonly outDir: string;
  /** Keep the server's ledger in memory instead of `server.sqlite` in the run folder. */
  readonly memoryLedger?: boolean;
  /** SQLite's synchronous for the fake backend's ledger, unless its storage options say otherwise. */
  readonly synchronous?: 'normal' | 'off';
  readonly ledgerSource?: LedgerSource | null;
  /** The bearer token for a target, already read from its environment variable. */
  readonly token?: string;
  /** A target's headers whose values came from the environment (backend.headerEnv). */
  readonly secretHeaders?: Readonly<Record<string, string>>;
  /**
   * The client's timeout (the scenario's network.timeoutMs). Over HTTP undici enforces it (headers and body
   * timeouts, wall-clock ms); in-process, the network conditions apply it on the virtual clock.
   */
  readonly timeoutMs?: number;
  /** Scenario ms per wall ms in real time (a target's Retry-After is wall time); 1 by default. */
  readonly speed?: number;
}

function describeFake(config: FakeBackendConfig, where: string): string {
  const storage = config.storage ?? {};
  return `fake backend ${where} (dedupe ${storage.dedupe ?? 'unique'} on ${storage.key ?? 'offline_reference'}, commit per ${storage.commit ?? 'batch'})`;
}

/** The in-process ledger's page cache, KiB. */
export const LEDGER_CACHE_KIB = 2048;

/**
 * The in-process fake backend's options: the scenario's, with a fresh ledger in the run folder that only this
 * process opens (exclusive locking: no lock calls per transaction) unless the scenario's storage says otherwise.
 */
export function inProcessBackendOptions(
  config: FakeBackendConfig,
  options: Pick<ConnectOptions, 'seed' | 'outDir' | 'memoryLedger' | 'synchronous'>,
): BackendOptionsInput {
  const { kind: _kind, ...fake } = config;
  return {
    ...fake,
    seed: options.seed,
    storage: {
      ...fake.storage,
      file: options.memoryLedger ? MEMORY_DB : join(options.outDir, 'server.sqlite'),
      synchronous: fake.storage?.synchronous ?? options.synchronous,
      locking: fake.storage?.locking ?? 'exclusive',
      // The default ~16 MB cache was memory every run (and every shard) held to its end, for no speed: rows
      // are appended, and read back once by the check (bench/PROFILING.md, sixth session).
      cacheKib: fake.storage?.cacheKib ?? LEDGER_CACHE_KIB,
      fresh: true,
    },
    logLevel: 'silent',
  };
}

function fakeBackend(config: FakeBackendConfig, clock: Clock, options: ConnectOptions): Promise<Backend> {
  return buildBackend(inProcessBackendOptions(config, options), { clock });
}

function fakeLedger(backend: Backend) {
  return async (deviceIds: ReadonlySet<string> | null): Promise<LedgerRow[]> => {
    const rows: LedgerRow[] = [];
    for (const kept of backend.ledger.keptRows()) {
      // kept[3] is the row's device id: rows of other devices are skipped before they are built.
      if (deviceIds === null || deviceIds.has(kept[3])) rows.push(ledgerRowFromKept(kept));
    }
    return rows;
  };
}

/** Virtual time: the fake backend in-process. */
export async function connectVirtual(
  config: FakeBackendConfig,
  clock: VirtualClock,
  options: ConnectOptions,
): Promise<BackendConnection> {
  const backend = await fakeBackend(config, clock.taskClock, options);
  return {
    description: describeFake(config, 'in-process'),
    transport: createInProcessTransport(backend, clock, clock),
    enforceTimeout: true,
    sockets: 0,
    heal: () => backend.setFaultPlan({ phases: [] }),
    readLedger: fakeLedger(backend),
    close: () => backend.close(),
  };
}

/** Real time against the fake backend: it listens on loopback and the fleet talks HTTP to it. */
export async function connectRealtimeFake(
  config: FakeBackendConfig,
  clock: Clock,
  options: ConnectOptions & { readonly connections: number },
): Promise<BackendConnection> {
  const backend = await fakeBackend(config, clock, options);
  let target: HttpTarget | null = null;
  try {
    const url = await backend.app.listen({ host: '127.0.0.1', port: 0 });
    target = createHttpTarget({
      url,
      path: backend.options.path,
      clock,
      connections: options.connections,
      headersTimeoutMs: options.timeoutMs,
      bodyTimeoutMs: options.timeoutMs,
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  const http = target;
  return {
    description: describeFake(config, `over HTTP at ${http.origin}`),
    transport: http.transport,
    enforceTimeout: false,
    // Both ends of every connection are in this process.
    sockets: 2 * options.connections,
    heal: () => backend.setFaultPlan({ phases: [] }),
    readLedger: fakeLedger(backend),
    close: async () => {
      await http.close();
      await backend.close();
    },
  };
}

/** A backend at a URL. Probes it first, so an unreachable target fails before any device starts. */
export async function connectTarget(
  config: TargetBackendConfig,
  options: ConnectOptions & { readonly connections: number },
): Promise<BackendConnection> {
  const target = createHttpTarget({
    url: config.url,
    path: config.path,
    // A real backend keeps wall time: its HTTP-dates and Retry-After seconds are the wall clock's.
    clock: createRealClock(),
    retryAfterScale: options.speed ?? 1,
    connections: config.connections ?? options.connections,
    headers: { ...config.headers, ...options.secretHeaders },
    token: options.token,
    headersTimeoutMs: options.timeoutMs,
    bodyTimeoutMs: options.timeoutMs,
  });
  try {
    await target.probe();
  } catch (error) {
    await target.close();
    throw error;
  }
  const source = options.ledgerSource ?? null;
  return {
    description: `${target.origin}${target.path}`,
    transport: target.transport,
    enforceTimeout: false,
    sockets: config.connections ?? options.connections,
    heal: () => {},
    readLedger: async (deviceIds) => {
      if (source === null) return null;
      const rows: LedgerRow[] = [];
      for await (const row of source.read(deviceIds === null ? undefined : { deviceIds })) rows.push(row);
      return rows;
    },
    close: async () => {
      await target.close();
      await source?.close();
    },
  };
}
