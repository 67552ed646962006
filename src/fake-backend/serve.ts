/**
 * The fake backend as a real server (`syncsim serve`): listen on a host and port (loopback by default), print
 * the URL, and on SIGINT/SIGTERM stop taking requests, let the ones in flight finish, then close the database.
 * Nothing committed is lost: every commit is a finished SQLite transaction before its answer is sent, and a
 * request still running when the database closes fails instead of committing.
 */
import { readFileSync } from 'node:fs';
import { messageOf } from '../core/errors.ts';
import type { Clock } from '../core/ports.ts';
import { createRealClock } from '../core/real-clock.ts';
import { type Backend, buildBackend } from './app.ts';
import {
  FaultPlanUnreadableError,
  InvalidFaultPlanError,
  InvalidOptionsError,
  ListenError,
} from './errors.ts';
import {
  type BackendOptionsInput,
  type CapacityModelInput,
  type CommitMode,
  DEFAULT_DB_FILE,
  type DedupeKey,
  type DedupeMode,
  type FaultPlan,
  type LogLevel,
  validateFaultsFile,
} from './options.ts';

/** `syncsim serve` flags, one field per flag. */
export interface ServeOptions {
  /** --host: loopback unless told otherwise. */
  readonly host: string;
  /** --port: 0 picks a free port (the printed URL says which). */
  readonly port: number;
  /** --db FILE: the SQLite ledger (WAL); `:memory:` keeps nothing. */
  readonly db: string;
  /** --dedupe unique | check-then-insert | none */
  readonly dedupe: DedupeMode;
  /** --faults FILE.json: a FaultPlan (see validateFaultsFile). */
  readonly faults?: string | undefined;
  /** --token-env NAME: require `Authorization: Bearer $NAME`. */
  readonly tokenEnv?: string | undefined;
  /** --admin: mount `/__syncsim/`. */
  readonly admin: boolean;
  // Not flags (yet); for callers that want more than the defaults.
  readonly dedupeKey?: DedupeKey | undefined;
  readonly commit?: CommitMode | undefined;
  readonly checkGapMs?: number | undefined;
  readonly seed?: string | number | undefined;
  readonly capacity?: CapacityModelInput | undefined;
  readonly bodyLimit?: number | undefined;
  readonly maxRows?: number | null | undefined;
  /** pino level; quiet (`warn`) by default. */
  readonly logLevel?: LogLevel | undefined;
  /** Real-clock speed factor for service times and delays (default 1). */
  readonly speed?: number | undefined;
}

export const DEFAULT_SERVE_OPTIONS: ServeOptions = Object.freeze({
  host: '127.0.0.1',
  port: 8787,
  db: DEFAULT_DB_FILE,
  dedupe: 'unique',
  admin: false,
});

/** What serve reads from outside: the environment (for the token) and files (for the fault plan). */
export interface ServeIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

const processIo: ServeIo = { env: process.env, readFile: (path) => readFileSync(path, 'utf8') };

export { validateFaultsFile };

function readFaults(path: string, io: ServeIo): FaultPlan {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (error) {
    throw new FaultPlanUnreadableError(path, messageOf(error), { cause: error });
  }
  const result = validateFaultsFile(text, path);
  if (!result.ok) throw new InvalidFaultPlanError(path, result.errors);
  return result.value;
}

function readToken(name: string, io: ServeIo): string {
  const token = io.env[name];
  if (token === undefined || token === '') {
    throw new InvalidOptionsError([
      `--token-env ${name}: the environment variable ${name} is not set or empty`,
    ]);
  }
  // A header value loses its outer spaces on the way and cannot hold a control character: no client could
  // ever send such a token.
  if (token !== token.trim() || !/^[\x21-\x7e\x80-\xff ]+$/.test(token))
    throw new InvalidOptionsError([
      `--token-env ${name}: the token has leading or trailing spaces or a control character: no client could send it`,
    ]);
  return token;
}

/** Maps serve flags to backend options, reading the faults file and the token variable. */
export function backendOptionsForServe(options: ServeOptions, io: ServeIo = processIo): BackendOptionsInput {
  const input: BackendOptionsInput = {
    storage: {
      file: options.db,
      dedupe: options.dedupe,
      ...(options.dedupeKey === undefined ? {} : { key: options.dedupeKey }),
      ...(options.commit === undefined ? {} : { commit: options.commit }),
      ...(options.checkGapMs === undefined ? {} : { checkGapMs: options.checkGapMs }),
    },
    admin: options.admin,
    logLevel: options.logLevel ?? 'warn',
    limits: {
      ...(options.bodyLimit === undefined ? {} : { bodyBytes: options.bodyLimit }),
      ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
    },
  };
  if (options.seed !== undefined) input.seed = options.seed;
  if (options.capacity !== undefined) input.capacity = options.capacity;
  if (options.faults !== undefined) input.faults = readFaults(options.faults, io);
  if (options.tokenEnv !== undefined) input.token = readToken(options.tokenEnv, io);
  return input;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  readonly backend: Backend;
  /** Stops accepting, waits for requests in flight, closes the database. */
  close(): Promise<void>;
  /** Cuts every open connection now (answers in flight are lost; commits are not). */
  closeConnections(): void;
}

export async function startServer(
  partial: Partial<ServeOptions> = {},
  io: ServeIo = processIo,
  given?: Clock,
): Promise<RunningServer> {
  const options: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...partial };
  // A clock of its own is disposed on close: a handler still sleeping (a slow-response fault) must not keep
  // the process alive after the server has stopped.
  const own = given === undefined ? createRealClock(options.speed ?? 1) : null;
  const clock = given ?? (own as Clock);
  const close = async (): Promise<void> => {
    try {
      await backend.close();
    } finally {
      own?.dispose();
    }
  };
  const backend = await buildBackend(backendOptionsForServe(options, io), { clock }).catch(
    (error: unknown) => {
      own?.dispose();
      throw error;
    },
  );
  let url: string;
  try {
    url = await backend.app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await close();
    throw new ListenError(options.host, options.port, messageOf(error));
  }
  return {
    url,
    backend,
    close,
    closeConnections: () => backend.app.server.closeAllConnections(),
  };
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Where signals come from: `process` by default, an EventEmitter in tests. */
export interface SignalSource {
  once(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

export interface RunIo extends Partial<ServeIo> {
  readonly signals?: SignalSource;
  /** Where the URL and the shutdown notice go (default: stdout). */
  readonly print?: (line: string) => void;
  /** Called once listening, e.g. to tell a parent process. */
  readonly onListening?: (server: RunningServer) => void;
}

function nextSignal(signals: SignalSource): { promise: Promise<StopSignal>; cancel: () => void } {
  const listeners = new Map<StopSignal, () => void>();
  const cancel = (): void => {
    for (const [signal, listener] of listeners) signals.off(signal, listener);
  };
  const promise = new Promise<StopSignal>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const listener = (): void => {
        cancel();
        resolve(signal);
      };
      listeners.set(signal, listener);
      signals.once(signal, listener);
    }
  });
  return { promise, cancel };
}

/**
 * Serves until SIGINT or SIGTERM, then shuts down gracefully and resolves with the signal. A second signal
 * during the shutdown cuts the connections still open. It never calls process.exit: the CLI decides.
 */
export async function runUntilSignal(
  partial: Partial<ServeOptions> = {},
  io: RunIo = {},
): Promise<StopSignal> {
  const print = io.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const signals = io.signals ?? process;
  const server = await startServer(partial, { ...processIo, ...io });
  print(`syncsim backend listening on ${server.url}`);
  io.onListening?.(server);
  const signal = await nextSignal(signals).promise;
  print(`syncsim backend: ${signal}, finishing requests in flight`);
  const again = nextSignal(signals);
  void again.promise.then(() => server.closeConnections());
  try {
    await server.close();
  } finally {
    again.cancel();
  }
  print('syncsim backend stopped; database closed');
  return signal;
}
