/**
 * The backend connections of HTTP runs: the scenario's client timeout (network.timeoutMs) is the one the
 * HTTP client applies, against a target and against the fake backend served on loopback; and a target that
 * cannot be reached fails the run before any device starts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/core/ports.ts';
import {
  type BackendConnection,
  connectRealtimeFake,
  connectTarget,
  inProcessBackendOptions,
  LEDGER_CACHE_KIB,
} from '../../src/sim/backend-connection.ts';
import { runSimulation } from '../../src/sim/runner.ts';
import { batchBody, createManualClock, makeSales } from '../fake-backend/helpers.ts';
import {
  closedPort,
  rejectionOf,
  type ScriptedServer,
  scriptedServer,
  type TempDir,
  tempDir,
} from './helpers.ts';

const BODY = batchBody(makeSales(1, 'POS-0001'), 'POS-0001');
/** The scenario's timeout, far below undici's own default (30 s) so that the test can tell them apart. */
const TIMEOUT_MS = 500;
/** Well above TIMEOUT_MS for a loaded machine, well below 30 s. */
const GIVE_UP_BY_MS = 10_000;

let dir: TempDir;
let connection: BackendConnection | null = null;
let server: ScriptedServer | null = null;
afterEach(async () => {
  await connection?.close();
  await server?.close();
  connection = null;
  server = null;
  dir?.remove();
});

async function timedFailure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error = await rejectionOf(promise);
  return { error, ms: performance.now() - start };
}

describe('HTTP connections apply the scenario client timeout', () => {
  it('a target that never answers times out after network.timeoutMs, not undici default', async () => {
    dir = tempDir('syncsim-connection-');
    server = await scriptedServer((request, response) => {
      // Answer the probe; leave every batch hanging.
      if (request.method === 'GET') response.writeHead(404).end();
    });
    connection = await connectTarget(
      { kind: 'target', url: server.url },
      {
        seed: 's',
        outDir: dir.path,
        connections: 1,
        timeoutMs: TIMEOUT_MS,
      },
    );
    const { error, ms } = await timedFailure(connection.transport.postBatch(BODY));
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toEqual({ kind: 'timeout', phase: 'headers' });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(GIVE_UP_BY_MS);
  }, 40_000);

  it('so does the fake backend served on loopback for a real-time run', async () => {
    dir = tempDir('syncsim-connection-');
    // The backend sleeps on a clock only the test moves: its slow answer never comes by itself.
    const clock = createManualClock();
    connection = await connectRealtimeFake(
      {
        kind: 'fake',
        faults: {
          phases: [{ atMs: 0, slowResponse: { rate: 1, delayMs: { kind: 'fixed', value: 60_000 } } }],
        },
      },
      clock,
      { seed: 's', outDir: dir.path, memoryLedger: true, connections: 1, timeoutMs: TIMEOUT_MS },
    );
    const { error, ms } = await timedFailure(connection.transport.postBatch(BODY));
    expect((error as TransportError).failure).toEqual({ kind: 'timeout', phase: 'headers' });
    expect(ms).toBeLessThan(GIVE_UP_BY_MS);
    // The server committed before its slow answer; let it answer so that close() has nothing to wait for.
    expect(await connection.readLedger(null)).toHaveLength(1);
    while (clock.wakeNext()) await new Promise<void>((resolve) => setImmediate(resolve));
  }, 40_000);
});

describe('runSimulation over HTTP', () => {
  it('hands network.timeoutMs to the HTTP client: a target that never answers gives timeouts', async () => {
    dir = tempDir('syncsim-connection-');
    server = await scriptedServer((request, response) => {
      if (request.method === 'GET') response.writeHead(404).end();
    });
    const start = performance.now();
    const result = await runSimulation(
      {
        devices: { count: 3 },
        duration: '10m',
        startAt: '2026-03-02T12:00:00+07:00',
        network: { timeoutMs: TIMEOUT_MS },
        backend: { kind: 'target', url: server.url },
        heal: { maxDuration: '5m' },
      },
      { scenario: 'silent-target', seed: 's', outDir: dir.path, realtime: { speed: 600 } },
    );
    const { requests } = result.summary;
    expect(requests.total).toBeGreaterThan(0);
    expect(requests.timeouts).toBe(requests.total);
    expect(result.summary.invariants.checked).toBe(false);
    expect(performance.now() - start).toBeLessThan(GIVE_UP_BY_MS + 5_000);
  }, 60_000);
});

describe('a target', () => {
  it("gets the scenario's headers and those read from the environment (secretHeaders) on every request", async () => {
    dir = tempDir('syncsim-connection-');
    server = await scriptedServer((request, response) => {
      if (request.method === 'GET') response.writeHead(404).end();
      else response.writeHead(200).end('{"success":true,"data":{"results":[]}}');
    });
    connection = await connectTarget(
      {
        kind: 'target',
        url: server.url,
        headers: { 'X-Store': 'BRN-001' },
        headerEnv: { 'X-Api-Key': 'KEY' },
      },
      { seed: 's', outDir: dir.path, connections: 1, secretHeaders: { 'X-Api-Key': 'k3y' } },
    );
    await connection.transport.postBatch(BODY);
    const post = server.requests.find((r) => r.method === 'POST');
    expect(post?.headers).toMatchObject({ 'x-store': 'BRN-001', 'x-api-key': 'k3y' });
  });
});

describe('a target that cannot be reached', () => {
  it('fails the run with SYNCSIM_ERR_TARGET_UNREACHABLE before any device starts', async () => {
    dir = tempDir('syncsim-connection-');
    const port = await closedPort();
    const error = await rejectionOf(
      runSimulation(
        {
          devices: { count: 3 },
          duration: '10m',
          backend: { kind: 'target', url: `http://127.0.0.1:${port}` },
        },
        { scenario: 'unreachable', seed: 's', outDir: dir.path },
      ),
    );
    expect(error).toMatchObject({ code: 'SYNCSIM_ERR_TARGET_UNREACHABLE' });
    const devices = join(dir.path, 'devices');
    expect(existsSync(devices) ? readdirSync(devices) : []).toEqual([]);
  });
});

describe('the in-process ledger', () => {
  const connect = { seed: '1', outDir: '/tmp/unused', synchronous: 'off' as const };

  it('keeps a small page cache unless the scenario sets one', () => {
    expect(inProcessBackendOptions({ kind: 'fake' }, connect).storage?.cacheKib).toBe(LEDGER_CACHE_KIB);
    const chosen = inProcessBackendOptions({ kind: 'fake', storage: { cacheKib: 4096 } }, connect);
    expect(chosen.storage?.cacheKib).toBe(4096);
  });
});
