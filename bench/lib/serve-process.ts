/**
 * `syncsim serve` in a process of its own, so that the HTTP benchmark measures the load generator alone:
 * the server's CPU time is not taken from the process being measured. A fresh server (and ledger) per
 * measurement, so that neither side inherits the other's rows, indexes or warm JIT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { REPO_ROOT, syncsimNodeFlags } from './child-process.ts';
import { processCpuMs } from './process-cpu.ts';

export interface ServeProcess {
  readonly url: string;
  /** The server's counters (requests, rowsReceived, rowsStored, rowsDuplicate...), from its admin API. */
  counters(): Promise<ServerCounters>;
  stop(): Promise<void>;
}

export interface ServerCounters {
  readonly requests: number;
  readonly rowsReceived: number;
  readonly rowsStored: number;
  readonly rowsDuplicate: number;
  /**
   * CPU time (user + system, ms) the server used from listening to this read: what the load made it do, its
   * start-up left out. Null where /proc cannot tell.
   */
  readonly cpuMs: number | null;
}

/** Where the server keeps its ledger: in memory (the fastest server: the hardest case for a load generator), or in a file as `syncsim serve` does by default (WAL, synchronous=NORMAL). */
export type ServeLedger = 'memory' | 'file';

/** The arguments of `syncsim serve`; a file ledger at `file` (a placeholder when only shown). */
function serveArgs(ledger: ServeLedger, file = '<tmp dir>/ledger.sqlite'): string[] {
  const db = ledger === 'memory' ? ':memory:' : file;
  return ['serve', '--port', '0', '--db', db, '--admin', '--log-level', 'warn'];
}

/**
 * The command, as a user would type it from the repository root: with the node flags of syncsim's shebang,
 * as `syncsim serve` / `npx syncsim serve` start it (`node bin/syncsim.js` alone would skip them).
 */
export function serveCommand(ledger: ServeLedger): string {
  return ['node', ...syncsimNodeFlags(), 'bin/syncsim.js', ...serveArgs(ledger)].join(' ');
}

function numberField(json: unknown, field: string): number {
  const value = typeof json === 'object' && json !== null ? Reflect.get(json, field) : undefined;
  if (typeof value !== 'number') throw new Error(`server counters: ${field} is missing`);
  return value;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startServe(ledger: ServeLedger, timeoutMs = 30_000): Promise<ServeProcess> {
  // A file ledger lives in a folder of its own, removed when the server stops.
  const folder = ledger === 'file' ? mkdtempSync(join(tmpdir(), 'syncsim-bench-serve-')) : null;
  const args = serveArgs(ledger, folder === null ? undefined : join(folder, 'ledger.sqlite'));
  const child = spawn(
    process.execPath,
    [...syncsimNodeFlags(), join(REPO_ROOT, 'bin', 'syncsim.js'), ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const removeFolder = (): void => {
    if (folder !== null) rmSync(folder, { recursive: true, force: true });
  };
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-5_000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`syncsim serve did not print its URL within ${timeoutMs / 1000} s: ${stderr}`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      removeFolder();
      reject(new Error(`syncsim serve exited (${code}) before listening: ${stderr}`));
    });
  });
  const pid = child.pid;
  const cpuNow = (): number | null => (pid === undefined ? null : processCpuMs(pid));
  const cpuAtListen = cpuNow();
  return {
    url,
    async counters() {
      const response = await request(`${url}/__syncsim/counters`, {
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const json: unknown = await response.body.json();
      const cpu = cpuNow();
      return {
        requests: numberField(json, 'requests'),
        rowsReceived: numberField(json, 'rowsReceived'),
        rowsStored: numberField(json, 'rowsStored'),
        rowsDuplicate: numberField(json, 'rowsDuplicate'),
        cpuMs: cpu === null || cpuAtListen === null ? null : cpu - cpuAtListen,
      };
    },
    async stop() {
      // SIGTERM: serve finishes requests in flight and closes its database, then exits.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
      removeFolder();
    },
  };
}
