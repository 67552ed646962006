/**
 * Shared helpers for the CLI tests (the only copy): spawn `node bin/syncsim.js ...` as a user would (its own
 * temp working directory, `CI=true`, pipes rather than a TTY), with a timeout; wait for a line of output;
 * temp folders; JSON files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'bin', 'syncsim.js');

export interface Finished {
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  /** The working directory (reports/ lands here unless --out says otherwise). */
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Killed (SIGKILL) and failed after this long; a loaded 2-core machine needs room. */
  readonly timeoutMs?: number;
  /** Run under `ulimit -n` of this many open files. */
  readonly fileLimit?: number;
}

export interface Running {
  readonly child: ChildProcess;
  /** What the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the first match of `pattern` in the stream, once it is written. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  readonly finished: Promise<Finished>;
}

const DEFAULT_TIMEOUT_MS = 90_000;

/** A small steady-day in virtual time (8 devices, 3 hours around lunch): a second or two per run. */
export const SMALL_RUN: readonly string[] = [
  'run',
  'steady-day',
  '--devices',
  '8',
  '--duration',
  '3h',
  '--seed',
  '5',
  '--no-progress',
  '--set',
  'startAt=2026-03-02T11:00:00+07:00',
];

function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ...extra };
  // The test runner's own loader hooks must not leak into the CLI under test.
  delete env.NODE_OPTIONS;
  delete env.SYNCSIM_DEBUG;
  return env;
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Starts `syncsim ...args` and returns at once: for signals, servers and streaming output. */
export function startSyncsim(args: readonly string[], options: SpawnOptions): Running {
  const command =
    options.fileLimit === undefined
      ? [process.execPath, BIN, ...args]
      : [
          'bash',
          '-c',
          'ulimit -n "$0" && exec "$@"',
          String(options.fileLimit),
          process.execPath,
          BIN,
          ...args,
        ];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const finished = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `syncsim ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      notify();
      resolve({ code, signal, stdout, stderr });
    });
  });
  // A caller that only waits for output must not leave a rejection unhandled.
  finished.catch(() => {});

  const waitFor = (
    pattern: RegExp,
    stream: 'stdout' | 'stderr' = 'stdout',
    waitMs = timeoutMs,
  ): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
        if (match !== null) {
          done();
          resolve(match);
          return true;
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(
            new Error(
              `syncsim exited before writing ${pattern} to ${stream}\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
            ),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} on ${stream} after ${waitMs} ms\n${tail(stdout)}\n${tail(stderr)}`));
      }, waitMs);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = (): void => {
        check();
      };
      listeners.add(listener);
      check();
    });

  return { child, output: () => ({ stdout, stderr }), waitFor, finished };
}

/** Runs `syncsim ...args` to the end. */
export function syncsim(args: readonly string[], options: SpawnOptions): Promise<Finished> {
  return startSyncsim(args, options).finished;
}

/** The process's output, for assertion messages: a failing test says what the CLI printed. */
export function transcript(result: Finished): string {
  return `exit ${result.code ?? result.signal}\nstdout:\n${tail(result.stdout)}\nstderr:\n${tail(result.stderr)}`;
}

/** A stack trace line: a user must never see one. */
export const STACK_TRACE = /^\s+at .+\(.+:\d+:\d+\)$/m;

export function tempDir(prefix = 'syncsim-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The first line of a text. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
