import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncTransaction } from '../../src/core/protocol.ts';
import {
  type RunningServer,
  runUntilSignal,
  type StopSignal,
  startServer,
} from '../../src/fake-backend/serve.ts';
import { BATCH_PATH, batchBody, makeSales, postOverHttp, type TempDir, tempDir } from './helpers.ts';

let dir: TempDir | null = null;
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.destroy();
  dir?.remove();
  dir = null;
});

function clientFor(url: string): Client {
  const client = new Client(url, { headersTimeout: 20_000, bodyTimeout: 20_000 });
  clients.push(client);
  return client;
}

function countRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM pos_transactions').get()!.n;
  } finally {
    db.close();
  }
}

/**
 * `syncsim serve` as a child process (fixtures/serve-child.ts) whose every request takes `serviceMs`, with one
 * batch of `sales` in its handler (the admin counters say so) when this returns.
 */
async function serveChild(file: string, serviceMs: number, sales: readonly SyncTransaction[]) {
  const fixture = fileURLToPath(new URL('./fixtures/serve-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, String(serviceMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
  });
  const inFlight = postOverHttp(clientFor(url), BATCH_PATH, batchBody([...sales]));
  const admin = clientFor(url);
  await expect
    .poll(
      async () => {
        const response = await admin.request({ path: '/__syncsim/counters', method: 'GET' });
        return (JSON.parse(await response.body.text()) as { inFlight: number }).inFlight;
      },
      { timeout: 20_000 },
    )
    .toBe(1);
  return { child, inFlight, exited, stdout: () => stdout };
}

describe('serve', () => {
  it('listens on loopback by default and answers over HTTP', async () => {
    dir = tempDir();
    const server = await startServer(
      { port: 0, db: dir.file('a.sqlite'), admin: true },
      { env: {}, readFile: () => '' },
    );
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const result = await postOverHttp(clientFor(server.url), BATCH_PATH, batchBody(makeSales(2)));
      expect(result).toMatchObject({ kind: 'response', status: 200 });
    } finally {
      await server.close();
    }
    expect(countRows(dir.file('a.sqlite'))).toBe(2);
  });

  it('requires the token from the named variable, and loads the faults file', async () => {
    dir = tempDir();
    const files: Record<string, string> = {
      'plan.json': '{"phases":[{"atMs":0,"http":[{"status":502,"rate":1}]}]}',
    };
    const server = await startServer(
      { port: 0, db: ':memory:', tokenEnv: 'SYNC_TOKEN', faults: 'plan.json' },
      { env: { SYNC_TOKEN: 'abc' }, readFile: (path) => files[path] ?? '' },
    );
    try {
      const client = clientFor(server.url);
      expect(await postOverHttp(client, BATCH_PATH, batchBody(makeSales(1)))).toMatchObject({ status: 401 });
      const authorised = { 'content-type': 'application/json', authorization: 'Bearer abc' };
      expect(await postOverHttp(client, BATCH_PATH, batchBody(makeSales(1)), authorised)).toMatchObject({
        status: 502,
      });
    } finally {
      await server.close();
    }
  });

  it('refuses a token no client could send: outer spaces, a control character', async () => {
    for (const token of ['abc ', ' abc', 'a\nb']) {
      await expect(
        startServer(
          { port: 0, db: ':memory:', tokenEnv: 'SYNC_TOKEN' },
          { env: { SYNC_TOKEN: token }, readFile: () => '' },
        ),
      ).rejects.toMatchObject({ message: expect.stringContaining('no client could send it') });
    }
  });

  it('explains a port it cannot take', async () => {
    const first = await startServer({ port: 0, db: ':memory:' }, { env: {}, readFile: () => '' });
    try {
      const port = Number(new URL(first.url).port);
      await expect(
        startServer({ port, db: ':memory:' }, { env: {}, readFile: () => '' }),
      ).rejects.toMatchObject({
        code: 'SYNCSIM_ERR_BACKEND_LISTEN',
        message: expect.stringContaining(`127.0.0.1:${port}`),
      });
    } finally {
      await first.close();
    }
  });

  it('on SIGTERM: the request in flight finishes, then the database closes with its rows', async () => {
    dir = tempDir();
    const file = dir.file('graceful.sqlite');
    const signals = new EventEmitter();
    const lines: string[] = [];
    let running: RunningServer | null = null;
    let stopped: Promise<StopSignal> | null = null;
    const listening = new Promise<RunningServer>((resolve) => {
      stopped = runUntilSignal(
        { port: 0, db: file, capacity: { requestTime: { kind: 'fixed', value: 2000 } } },
        {
          signals: { once: (e, l) => signals.once(e, l), off: (e, l) => signals.off(e, l) },
          print: (line) => lines.push(line),
          onListening: (server) => {
            running = server;
            resolve(server);
          },
        },
      );
    });
    const server = await listening;
    const inFlight = postOverHttp(clientFor(server.url), BATCH_PATH, batchBody(makeSales(3)));
    // A wide window (2 s of service) so that a loaded machine still sees the request in flight.
    await expect.poll(() => server.backend.counters().inFlight, { timeout: 20_000 }).toBe(1);
    signals.emit('SIGTERM');
    expect(await inFlight).toMatchObject({ kind: 'response', status: 200 });
    expect(await stopped).toBe('SIGTERM');
    expect(running!.backend.ledger.closed).toBe(true);
    expect(lines[0]).toBe(`syncsim backend listening on ${server.url}`);
    expect(lines.at(-1)).toBe('syncsim backend stopped; database closed');
    expect(countRows(file)).toBe(3);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it('as a process: SIGTERM with a request in flight loses nothing and exits cleanly', async () => {
    dir = tempDir();
    const file = dir.file('child.sqlite');
    const served = await serveChild(file, 800, makeSales(4));
    served.child.kill('SIGTERM');
    expect(await served.inFlight).toMatchObject({ kind: 'response', status: 200 });
    expect(await served.exited).toBe(0);
    expect(served.stdout()).toContain('exited on SIGTERM');
    // The last connection checkpointed and removed the write-ahead log (checked before anyone reopens the file).
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(countRows(file)).toBe(4);
  });

  it('as a process: a second SIGTERM cuts a request that would take an hour, and the process exits', async () => {
    dir = tempDir();
    const served = await serveChild(dir.file('hour.sqlite'), 3_600_000, makeSales(1));
    served.child.kill('SIGTERM');
    await expect.poll(served.stdout, { timeout: 10_000 }).toContain('finishing requests in flight');
    served.child.kill('SIGTERM');
    expect(await served.inFlight).toMatchObject({ kind: 'error' });
    // The handler's hour-long sleep no longer holds the process once the server has stopped.
    expect(await served.exited).toBe(0);
    expect(served.stdout()).toContain('exited on SIGTERM');
  }, 30_000);
});
