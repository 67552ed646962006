/**
 * The HTTP transport (createHttpTarget, undici) against real loopback servers: the fake backend (its faults,
 * capacity model and token) and, where the fake backend cannot say it, a scripted server. Every outcome a
 * socket can give must come back as the core's typed TransportFailure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, TransportError, type TransportFailure } from '../../../src/core/ports.ts';
import {
  DEFAULT_BATCH_SYNC_PATH,
  ProtocolViolation,
  parseBatchSyncResponse,
} from '../../../src/core/protocol.ts';
import type { Backend } from '../../../src/fake-backend/app.ts';
import type { BackendOptionsInput } from '../../../src/fake-backend/options.ts';
import { createHttpTarget, type HttpTarget } from '../../../src/sim/network/http-transport.ts';
import { MAX_RETRY_AFTER_MS } from '../../../src/sim/network/retry-after.ts';
import {
  batchBody,
  createManualClock,
  type ManualClock,
  makeSales,
  memoryBackend,
  resultsOf,
} from '../../fake-backend/helpers.ts';
import { closedPort, rejectionOf, type ScriptedServer, scriptedServer, waitFor } from '../helpers.ts';

/** Whole seconds, as HTTP-dates are. */
const NOW = Date.parse('2026-03-02T05:00:00.000Z');
const FIXED_CLOCK: Clock = { now: () => NOW, monotonic: () => 0, sleep: () => Promise.resolve() };
const ROWS = 2;
const BODY = batchBody(makeSales(ROWS, 'POS-0001'), 'POS-0001');
/** Short, so that timeouts cost little; generous next to a loopback round trip on a loaded machine. */
const TIMEOUT_MS = 400;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Listening {
  readonly backend: Backend;
  readonly clock: ManualClock;
  readonly url: string;
}

/** The fake backend on a manual clock (its sleeps wait for the test), listening on 127.0.0.1, port 0. */
async function listening(options: BackendOptionsInput = {}): Promise<Listening> {
  const clock = createManualClock();
  const backend = await memoryBackend(options, clock);
  const url = await backend.app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(async () => {
    // Wake whatever still sleeps (a slow answer), so that close() does not wait for it.
    while (clock.wakeNext()) await new Promise<void>((resolve) => setImmediate(resolve));
    await backend.close();
  });
  return { backend, clock, url };
}

function target(url: string, options: Partial<Parameters<typeof createHttpTarget>[0]> = {}): HttpTarget {
  const http = createHttpTarget({
    url,
    clock: FIXED_CLOCK,
    connectTimeoutMs: 2_000,
    headersTimeoutMs: TIMEOUT_MS,
    bodyTimeoutMs: TIMEOUT_MS,
    ...options,
  });
  cleanups.push(() => http.close());
  return http;
}

async function scripted(handler: Parameters<typeof scriptedServer>[0]): Promise<ScriptedServer> {
  const server = await scriptedServer(handler);
  cleanups.push(() => server.close());
  return server;
}

async function failure(promise: Promise<unknown>): Promise<TransportFailure> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(TransportError);
  return (error as TransportError).failure;
}

describe('createHttpTarget against the fake backend on loopback', () => {
  it('2xx: the status and the raw body come back', async () => {
    const { backend, url } = await listening();
    const reply = await target(url).transport.postBatch(BODY);
    expect(reply.status).toBe(200);
    expect(resultsOf(reply.body).map((result) => [result.success, result.duplicate])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(backend.ledger.count()).toBe(ROWS);
  });

  it('4xx: an HTTP failure with the status and the error body, no Retry-After', async () => {
    const { backend, url } = await listening();
    const got = await failure(target(url).transport.postBatch('{"transactions": nope'));
    expect(got).toMatchObject({ kind: 'http', status: 400, retryAfterMs: null });
    expect(got.kind === 'http' && JSON.parse(got.body)).toMatchObject({ success: false });
    expect(backend.ledger.count()).toBe(0);
  });

  it('5xx: an HTTP failure with the status and the error body', async () => {
    const { backend, url } = await listening({
      faults: { phases: [{ atMs: 0, http: [{ status: 503, rate: 1 }] }] },
    });
    const got = await failure(target(url).transport.postBatch(BODY));
    expect(got).toMatchObject({ kind: 'http', status: 503, retryAfterMs: null });
    expect(got.kind === 'http' && got.body.length).toBeGreaterThan(0);
    expect(backend.ledger.count()).toBe(0);
  });

  it('429 when the capacity model is full: Retry-After in seconds becomes retryAfterMs', async () => {
    const { backend, clock, url } = await listening({
      capacity: {
        workers: 1,
        queueLimit: 0,
        requestTime: { kind: 'fixed', value: 1_000 },
        retryAfterSeconds: 7,
      },
    });
    const http = target(url, { headersTimeoutMs: 10_000 });
    // The first request takes the only worker and sleeps its service time on the manual clock.
    const first = http.transport.postBatch(BODY);
    await waitFor(() => clock.pending > 0, 10_000, 'the first request to occupy the worker');
    const got = await failure(http.transport.postBatch(batchBody(makeSales(1, 'POS-0002'), 'POS-0002')));
    expect(got).toMatchObject({ kind: 'http', status: 429, retryAfterMs: 7_000 });
    expect(got.kind === 'http' && got.body).toContain('"success":false');
    clock.wakeNext();
    expect((await first).status).toBe(200);
    expect(backend.ledger.count()).toBe(ROWS);
  });

  it('an answer slower than headersTimeoutMs is a headers timeout, though the server committed', async () => {
    const { backend, url } = await listening({
      faults: { phases: [{ atMs: 0, slowResponse: { rate: 1, delayMs: { kind: 'fixed', value: 60_000 } } }] },
    });
    const got = await failure(target(url).transport.postBatch(BODY));
    expect(got).toEqual({ kind: 'timeout', phase: 'headers' });
    expect(backend.ledger.count()).toBe(ROWS);
  });

  it('a lost acknowledgement (the server commits, then drops the connection) is a reset', async () => {
    const { backend, url } = await listening({ faults: { phases: [{ atMs: 0, lostAck: { rate: 1 } }] } });
    const got = await failure(target(url).transport.postBatch(BODY));
    expect(got.kind).toBe('reset');
    expect(backend.ledger.count()).toBe(ROWS);
  });

  it('a body cut by a closing connection is a reset', async () => {
    const { backend, url } = await listening({
      faults: { phases: [{ atMs: 0, truncatedBody: { rate: 1, mode: 'reset', keepFraction: 0.5 } }] },
    });
    const got = await failure(target(url).transport.postBatch(BODY));
    expect(got.kind).toBe('reset');
    expect(backend.ledger.count()).toBe(ROWS);
  });

  it('a complete answer whose JSON is cut reaches the core, which rejects it as a protocol violation', async () => {
    const { url } = await listening({
      faults: { phases: [{ atMs: 0, truncatedBody: { rate: 1, mode: 'short', keepFraction: 0.5 } }] },
    });
    const reply = await target(url).transport.postBatch(BODY);
    expect(reply.status).toBe(200);
    expect(() => parseBatchSyncResponse(reply.body)).toThrow(ProtocolViolation);
  });

  it('a bearer token is sent: 401 without it, 200 with it', async () => {
    const { backend, url } = await listening({ token: 'sekret-token' });
    const without = await failure(target(url).transport.postBatch(BODY));
    expect(without).toMatchObject({ kind: 'http', status: 401 });
    const wrong = await failure(target(url, { token: 'other' }).transport.postBatch(BODY));
    expect(wrong).toMatchObject({ kind: 'http', status: 401 });
    expect(backend.ledger.count()).toBe(0);
    const reply = await target(url, { token: 'sekret-token' }).transport.postBatch(BODY);
    expect(reply.status).toBe(200);
    expect(backend.ledger.count()).toBe(ROWS);
  });

  it('probe() resolves for a server that answers at all (a 404 on / included)', async () => {
    const { url } = await listening();
    await expect(target(url).probe()).resolves.toBeUndefined();
  });
});

describe('createHttpTarget against a scripted loopback server', () => {
  it('sends the batch as JSON to the path under the URL prefix, with the token and the extra headers', async () => {
    const server = await scripted((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"results":[]}}');
    });
    const http = target(`${server.url}/tenant-a/`, {
      token: 'abc123',
      headers: { 'x-store': 'BRN-001', 'x-trace': 'yes' },
    });
    expect(http.path).toBe(`/tenant-a${DEFAULT_BATCH_SYNC_PATH}`);
    const reply = await http.transport.postBatch(BODY);
    expect(reply).toEqual({ status: 200, body: '{"data":{"results":[]}}' });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/tenant-a${DEFAULT_BATCH_SYNC_PATH}`);
    expect(request?.body).toBe(BODY);
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer abc123',
      'x-store': 'BRN-001',
      'x-trace': 'yes',
      'content-type': 'application/json',
    });
  });

  it('sends no Authorization header without a token', async () => {
    const server = await scripted((_request, response) => {
      response.writeHead(200).end('{}');
    });
    await target(server.url).transport.postBatch(BODY);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('Retry-After as an HTTP-date becomes the milliseconds from the clock until that date', async () => {
    const server = await scripted((_request, response) => {
      response
        .writeHead(503, {
          'retry-after': new Date(NOW + 120_000).toUTCString(),
          'content-type': 'text/plain',
        })
        .end('busy, come back later');
    });
    const got = await failure(target(server.url).transport.postBatch(BODY));
    expect(got).toEqual({ kind: 'http', status: 503, body: 'busy, come back later', retryAfterMs: 120_000 });
  });

  it("a real backend's Retry-After is wall time: on a scenario clock 60 times faster it is 60 times longer", async () => {
    const server = await scripted((request, response) => {
      const date = request.path.includes('date');
      response
        .writeHead(429, { 'retry-after': date ? new Date(NOW + 120_000).toUTCString() : '120' })
        .end('slow down');
    });
    const sped = (path: string) =>
      failure(target(`${server.url}/${path}`, { retryAfterScale: 60 }).transport.postBatch(BODY));
    expect(await sped('seconds')).toMatchObject({ status: 429, retryAfterMs: 7_200_000 });
    expect(await sped('date')).toMatchObject({ status: 429, retryAfterMs: 7_200_000 });
  });

  it('a Retry-After of years is taken as a day: no device parked for good, no timer overflowing', async () => {
    const server = await scripted((_request, response) => {
      response.writeHead(503, { 'retry-after': '1000000000' }).end('down');
    });
    const got = await failure(target(server.url).transport.postBatch(BODY));
    expect(got).toMatchObject({ status: 503, retryAfterMs: MAX_RETRY_AFTER_MS });
    expect(MAX_RETRY_AFTER_MS).toBe(86_400_000);
  });

  it('keeps at most 4 KiB of an error body', async () => {
    const server = await scripted((_request, response) => {
      response.writeHead(500).end('x'.repeat(100_000));
    });
    const got = await failure(target(server.url).transport.postBatch(BODY));
    expect(got.kind === 'http' && got.body.length).toBe(4096);
  });

  it('a 200 whose body never ends is read up to 64 MiB, then a protocol failure: memory stays bounded', async () => {
    const server = await scripted((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk));
      };
      response.on('drain', pump);
      pump();
    });
    const got = await failure(target(server.url, { bodyTimeoutMs: 10_000 }).transport.postBatch(BODY));
    expect(got).toEqual({
      kind: 'protocol',
      detail: "the answer's body is over 64 MiB: not a batch-sync response",
    });
  });

  it('headers that arrive but a body that stalls is a body timeout', async () => {
    const server = await scripted((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"data":');
      // ...and nothing more until the test closes the server.
    });
    const got = await failure(target(server.url).transport.postBatch(BODY));
    expect(got).toEqual({ kind: 'timeout', phase: 'body' });
  });

  it('a connection refused is a reset, and probe() of that port fails with SYNCSIM_ERR_TARGET_UNREACHABLE', async () => {
    const port = await closedPort();
    const http = target(`http://127.0.0.1:${port}`);
    const got = await failure(http.transport.postBatch(BODY));
    expect(got.kind).toBe('reset');
    expect(got.kind === 'reset' && got.detail).toMatch(/ECONNREFUSED/);
    const error = await rejectionOf(http.probe());
    expect(error).toMatchObject({ code: 'SYNCSIM_ERR_TARGET_UNREACHABLE' });
    expect(String((error as Error).message)).toContain(`127.0.0.1:${port}`);
  });

  it('close() ends at once: a request still in flight fails with a reset instead of holding it up', async () => {
    const server = await scripted(() => {
      // Never answers.
    });
    const http = createHttpTarget({ url: server.url, clock: FIXED_CLOCK, headersTimeoutMs: 60_000 });
    const pending = failure(http.transport.postBatch(BODY));
    await waitFor(() => server.requests.length === 1, 10_000, 'the request to reach the server');
    const start = performance.now();
    await http.close();
    expect(performance.now() - start).toBeLessThan(10_000);
    expect((await pending).kind).toBe('reset');
  }, 30_000);

  it('a URL that is not one, or not http(s), fails with SYNCSIM_ERR_TARGET_URL before any connection', () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/', '127.0.0.1:8080']) {
      expect(() => createHttpTarget({ url, clock: FIXED_CLOCK })).toThrow(
        expect.objectContaining({ code: 'SYNCSIM_ERR_TARGET_URL' }),
      );
    }
    // What would be dropped without a word: a query, a fragment, credentials.
    for (const [url, problem] of [
      ['http://127.0.0.1:8080/?tenant=a', 'without ?query or #fragment'],
      ['http://127.0.0.1:8080/#x', 'without ?query or #fragment'],
      [
        'http://u:s3cret@127.0.0.1:8080',
        'target URL "http://u:***@127.0.0.1:8080" must not carry user:password@',
      ],
    ] as const) {
      expect(() => createHttpTarget({ url, clock: FIXED_CLOCK })).toThrow(
        expect.objectContaining({
          code: 'SYNCSIM_ERR_TARGET_URL',
          message: expect.stringContaining(problem),
        }),
      );
    }
  });
});
