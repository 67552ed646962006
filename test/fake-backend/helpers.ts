/**
 * Shared test helpers for the fake backend (the only copy): valid batches, a manual clock whose sleeps the
 * test wakes one at a time, a real loopback server with an undici client, temp files, raw sockets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import type { Clock } from '../../src/core/ports.ts';
import type { BatchSyncRequest, SyncTransaction } from '../../src/core/protocol.ts';
import { type Backend, buildBackend } from '../../src/fake-backend/app.ts';
import type { BackendOptionsInput } from '../../src/fake-backend/options.ts';

// ---------------------------------------------------------------------------------------------------------
// Batches

/** A deterministic UUID v4 from a number. */
export function uuidFor(n: number): string {
  const hex = n.toString(16).padStart(12, '0').slice(-12);
  return `00000000-0000-4000-8000-${hex}`;
}

export interface SaleSpec {
  readonly device?: string;
  readonly index?: number;
  readonly reference?: string;
  readonly items?: number;
}

/** A consistent sale: `items` lines of 2 × 15000.5, 10% tax, a 1.25 discount. */
export function makeTransaction(spec: SaleSpec = {}): SyncTransaction {
  const device = spec.device ?? 'DEVICE001';
  const index = spec.index ?? 1;
  const lines = spec.items ?? 1;
  const items = Array.from({ length: lines }, (_, i) => ({
    product_id: i + 1,
    product_name: `Kopi ${i + 1}`,
    quantity: 2,
    price: 15000.5,
    subtotal: 30001,
  }));
  const subtotalMinor = 3_000_100 * lines;
  const taxMinor = Math.round(subtotalMinor / 10);
  const discountMinor = 125;
  return {
    offline_id: uuidFor(hashDevice(device) * 1_000_000 + index),
    offline_reference: spec.reference ?? `${device}-${1_732_530_000_000 + index}`,
    device_id: device,
    branch_code: 'BRN-MST-OSK00001',
    id_user_apps: 1,
    grand_total: (subtotalMinor - discountMinor + taxMinor) / 100,
    subtotal: subtotalMinor / 100,
    discount_total: discountMinor / 100,
    tax_total: taxMinor / 100,
    status: 'paid',
    payment_status: 'paid',
    payment_method: 'CASH',
    created_at_device: new Date(1_732_530_000_000 + index).toISOString(),
    items,
  };
}

function hashDevice(device: string): number {
  let h = 7;
  for (const ch of device) h = (h * 31 + ch.charCodeAt(0)) % 100_000;
  return h;
}

export function makeBatch(transactions: readonly SyncTransaction[], device = 'DEVICE001'): BatchSyncRequest {
  return { transactions: [...transactions], device_id: device, synced_at: '2024-11-25T10:00:00.000Z' };
}

/** `count` consistent sales of one device, indexes from `first`. */
export function makeSales(count: number, device = 'DEVICE001', first = 1): SyncTransaction[] {
  return Array.from({ length: count }, (_, i) => makeTransaction({ device, index: first + i }));
}

export function batchBody(transactions: readonly SyncTransaction[], device = 'DEVICE001'): string {
  return JSON.stringify(makeBatch(transactions, device));
}

// ---------------------------------------------------------------------------------------------------------
// A manual clock

export interface ManualClock extends Clock {
  /** Sleepers not yet woken. */
  readonly pending: number;
  /** Moves time to the earliest sleeper and wakes it (ties in sleep order). False when nobody sleeps. */
  wakeNext(): boolean;
}

export const MANUAL_EPOCH = Date.parse('2025-01-01T00:00:00.000Z');

export function createManualClock(epoch = MANUAL_EPOCH): ManualClock {
  let time = 0;
  let seq = 0;
  const sleepers: { at: number; seq: number; wake: () => void }[] = [];
  return {
    now: () => epoch + time,
    monotonic: () => time,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        sleepers.push({ at: time + Math.max(0, ms), seq: seq++, wake: resolve });
      }),
    get pending() {
      return sleepers.length;
    },
    wakeNext() {
      if (sleepers.length === 0) return false;
      sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = sleepers.shift()!;
      time = Math.max(time, next.at);
      next.wake();
      return true;
    },
  };
}

/** Lets the event loop run for a while: inject and fastify need a few macrotask turns to reach a handler. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs requests to completion on a manual clock: lets them run until they all sleep or finish, then wakes
 * the earliest sleeper, and so on. Deterministic: one sleeper at a time, in (time, sleep order).
 */
export async function runAll<T>(clock: ManualClock, work: readonly Promise<T>[]): Promise<T[]> {
  let done = 0;
  for (const promise of work) {
    promise.then(
      () => done++,
      () => done++,
    );
  }
  let idle = 0;
  for (;;) {
    await settle();
    if (done === work.length) break;
    if (clock.wakeNext()) idle = 0;
    else if (++idle > 200) throw new Error(`runAll: ${work.length - done} requests neither finish nor sleep`);
  }
  return Promise.all(work);
}

// ---------------------------------------------------------------------------------------------------------
// Backends, servers, files

/** An in-memory backend on a manual clock unless the options say otherwise. */
export async function memoryBackend(
  options: BackendOptionsInput = {},
  clock: Clock = createManualClock(),
): Promise<Backend> {
  return buildBackend({ ...options, storage: { file: ':memory:', ...options.storage } }, { clock });
}

export interface Loopback {
  readonly url: string;
  readonly backend: Backend;
  readonly client: Client;
  /** Closes the client and the backend (server and database). */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0, with an undici client whose timeouts are short (undici's default is 300 s). */
export async function startLoopback(backend: Backend, timeoutMs = 10_000): Promise<Loopback> {
  const url = await backend.app.listen({ host: '127.0.0.1', port: 0 });
  const client = new Client(url, {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  return {
    url,
    backend,
    client,
    async close() {
      await client.destroy();
      await backend.close();
    },
  };
}

export type HttpResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Record<string, unknown>;
      readonly body: string;
    }
  | {
      readonly kind: 'error';
      readonly phase: 'headers' | 'body';
      readonly status: number | null;
      readonly code: string;
    };

/** POSTs a body and reports a socket failure instead of throwing, noting whether it came before or after the headers. */
export async function postOverHttp(
  client: Client,
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<HttpResult> {
  let status: number | null = null;
  try {
    const response = await client.request({ path, method: 'POST', body, headers });
    status = response.statusCode;
    try {
      const text = await response.body.text();
      return { kind: 'response', status, headers: response.headers, body: text };
    } catch (error) {
      return { kind: 'error', phase: 'body', status, code: codeOf(error) };
    }
  } catch (error) {
    return { kind: 'error', phase: 'headers', status, code: codeOf(error) };
  }
}

function codeOf(error: unknown): string {
  const code = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : String(error);
}

/** Opens a raw TCP connection, writes `text`, waits for `holdMs`, then destroys it (a client gone mid-body). */
export async function writeAndAbort(url: string, text: string, holdMs = 50): Promise<void> {
  const { hostname, port } = new URL(url);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(text, () => {
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, holdMs);
      });
    });
    socket.on('error', reject);
  });
}

/** Writes raw bytes to the server and returns everything it answers until it closes the connection. */
export async function rawExchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise<string>((resolve, reject) => {
    let answer = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(prefix = 'syncsim-backend-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export const BATCH_PATH = '/api/v1/pos/offline/batch-sync';

export interface ParsedResult {
  readonly offline_reference?: string;
  readonly success: boolean;
  readonly duplicate?: boolean;
  readonly server_id?: number | null;
  readonly error?: string | null;
}

/** The results of a 200 answer. */
export function resultsOf(body: string): ParsedResult[] {
  const parsed: { data: { results: ParsedResult[] } } = JSON.parse(body);
  return parsed.data.results;
}
