/**
 * Shared helpers for the simulator's tests (the only copy; the fake backend's own helpers are imported from
 * test/fake-backend/helpers.ts): run folders, device files read straight from disk, a scripted loopback
 * server, a port nobody listens on, and a transport that counts and holds requests.
 */
import { readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Transport, TransportReply } from '../../src/core/ports.ts';
import { type RunOptions, runSimulation, type SimulationResult } from '../../src/sim/runner.ts';
import type { SimulationConfig } from '../../src/sim/simulation-config.ts';
import { type TempDir, tempDir } from '../fake-backend/helpers.ts';

export { type TempDir, tempDir };

/** What a clean, checked run's invariants are: every count 0 (rejected included). */
export const CLEAN_INVARIANTS = {
  checked: true,
  lost: 0,
  duplicated: 0,
  phantom: 0,
  mismatched: 0,
  unsound: 0,
  stuck: 0,
  collided: 0,
  rejected: 0,
} as const;

/** A device row as it is on disk (snake_case columns of `transaction_local`). */
export interface DiskRow {
  readonly id: number;
  readonly offline_id: string;
  readonly offline_reference: string;
  readonly device_id: string;
  readonly grand_total: number;
  readonly status: string;
  readonly sync_status: string;
  readonly server_id: number | null;
  readonly transaction_code: string | null;
  readonly created_at_device: number;
  readonly items_json: string;
  readonly sync_attempts: number;
  readonly last_error: string | null;
  readonly claimed_at: number | null;
  readonly synced_at: number | null;
}

/** Every row of one device file, in insertion order, read without the simulator's code. */
export function readDeviceFile(path: string): DiskRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM transaction_local ORDER BY id').all() as DiskRow[];
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check` of a file, opened on its own connection. */
export function integrityOf(path: string): string {
  const db = new Database(path, { fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** The device files of a run folder, by device id. */
export function deviceFiles(outDir: string): Map<string, string> {
  const folder = join(outDir, 'devices');
  const files = new Map<string, string>();
  for (const name of readdirSync(folder).sort()) {
    if (name.endsWith('.sqlite')) files.set(name.slice(0, -'.sqlite'.length), join(folder, name));
  }
  return files;
}

export type RunWithoutDir = Omit<RunOptions, 'outDir' | 'scenario' | 'seed'> & {
  readonly seed?: string;
  readonly scenario?: string;
};

/**
 * Runs a simulation in a fresh temp folder; `inspect` may read the folder (device files, server.sqlite)
 * before it is removed.
 */
export async function runInTemp<T = undefined>(
  config: SimulationConfig,
  options: RunWithoutDir = {},
  inspect?: (outDir: string, result: SimulationResult) => T,
): Promise<{ result: SimulationResult; inspected: T | undefined }> {
  const dir = tempDir('syncsim-sim-');
  try {
    const result = await runSimulation(config, {
      ...options,
      scenario: options.scenario ?? 'test',
      seed: options.seed ?? 'test-seed',
      outDir: dir.path,
    });
    return { result, inspected: inspect?.(dir.path, result) };
  } finally {
    dir.remove();
  }
}

/** A port nobody listens on: bound by us, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface ScriptedServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Cuts every connection (a reply left hanging included) and stops listening. */
  close(): Promise<void>;
}

/** A loopback HTTP server whose every reply the test writes: `handler` gets the request with its body read. */
export async function scriptedServer(
  handler: (request: RecordedRequest, response: ServerResponse) => void,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      handler(recorded, response);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A transport in front of another that counts the requests that reached it. */
export function countingTransport(inner: Transport): Transport & { readonly calls: number } {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    postBatch(body: string): Promise<TransportReply> {
      calls++;
      return inner.postBatch(body);
    },
  };
}

export interface HeldRequest {
  readonly body: string;
  /** Lets the request through to the inner transport now; the caller then gets its outcome. */
  release(): void;
}

export interface HoldingTransport extends Transport {
  /** Requests waiting for release(), oldest first (released ones stay listed). */
  readonly held: HeldRequest[];
  /** While true (the default) requests wait for the test; while false they go straight through. */
  holding: boolean;
}

/** A transport that can hold requests until the test releases them (a slow network the test controls). */
export function holdingTransport(inner: Transport): HoldingTransport {
  const gate: HoldingTransport = {
    held: [],
    holding: true,
    postBatch(body: string): Promise<TransportReply> {
      if (!gate.holding) return inner.postBatch(body);
      return new Promise<TransportReply>((resolve, reject) => {
        gate.held.push({ body, release: () => void inner.postBatch(body).then(resolve, reject) });
      });
    },
  };
  return gate;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Polls `condition` every few milliseconds until it holds; throws after `timeoutMs` of wall time. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
