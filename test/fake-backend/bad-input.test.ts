import { STATUS_CODES } from 'node:http';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorResponseSchema } from '../../src/core/protocol.ts';
import { createRealClock } from '../../src/core/real-clock.ts';
import type { Backend } from '../../src/fake-backend/app.ts';
import { injectBatch } from '../../src/fake-backend/inject.ts';
import {
  BATCH_PATH,
  batchBody,
  type Loopback,
  makeBatch,
  makeSales,
  makeTransaction,
  memoryBackend,
  postOverHttp,
  rawExchange,
  resultsOf,
  startLoopback,
  writeAndAbort,
} from './helpers.ts';

const sale = makeTransaction();
const withSale = (patch: Record<string, unknown>) => JSON.stringify(makeBatch([{ ...sale, ...patch }]));
const withItem = (patch: Record<string, unknown>) => withSale({ items: [{ ...sale.items[0]!, ...patch }] });

interface Case {
  readonly name: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code?: string;
  readonly message?: string | RegExp;
}

const cases: Case[] = [
  {
    name: 'malformed JSON',
    body: '{"transactions": [',
    status: 400,
    code: 'SYNCSIM_ERR_BACKEND_INVALID_JSON',
    message: /^body is not valid JSON: /,
  },
  { name: 'an empty body', body: '', status: 400, code: 'SYNCSIM_ERR_BACKEND_INVALID_JSON' },
  {
    name: 'NaN, which JSON does not have',
    body: withSale({ grand_total: 0 }).replace('"grand_total":0', '"grand_total":NaN'),
    status: 400,
    code: 'SYNCSIM_ERR_BACKEND_INVALID_JSON',
  },
  {
    name: 'a JSON array',
    body: '[]',
    status: 400,
    code: 'SYNCSIM_ERR_BACKEND_INVALID_BODY',
    message: 'body must be object',
  },
  { name: 'a JSON string', body: '"transactions"', status: 400, message: 'body must be object' },
  { name: 'JSON null', body: 'null', status: 400, message: 'body must be object' },
  {
    name: 'a missing field',
    body: JSON.stringify({ transactions: [], synced_at: '2024-01-01T00:00:00Z' }),
    status: 400,
    message: 'body/device_id is required',
  },
  {
    name: 'transactions as an object',
    body: JSON.stringify({ ...makeBatch([]), transactions: {} }),
    status: 400,
    message: 'body/transactions must be array',
  },
  {
    name: 'a negative quantity',
    body: withItem({ quantity: -1 }),
    status: 400,
    message: 'body/transactions/0/items/0/quantity must be > 0',
  },
  {
    name: 'a zero quantity',
    body: withItem({ quantity: 0 }),
    status: 400,
    message: 'body/transactions/0/items/0/quantity must be > 0',
  },
  {
    name: 'a negative amount',
    body: withSale({ grand_total: -5 }),
    status: 400,
    message: 'body/transactions/0/grand_total must be >= 0',
  },
  {
    name: 'an infinite amount (1e400)',
    body: withSale({ tax_total: 7 }).replace('"tax_total":7', '"tax_total":1e400'),
    status: 400,
    message: 'body/transactions/0/tax_total must be number',
  },
  {
    name: 'an infinite id (1e400)',
    body: withSale({ id_user_apps: 7 }).replace('"id_user_apps":7', '"id_user_apps":1e400'),
    status: 400,
    message: 'body/transactions/0/id_user_apps must be integer',
  },
  {
    name: 'an id past the safe integers (1e300): no longer the id that was sent',
    body: withSale({ id_user_apps: 7 }).replace('"id_user_apps":7', '"id_user_apps":1e300'),
    status: 400,
    message: 'body/transactions/0/id_user_apps must be <= 9007199254740991',
  },
  {
    name: 'a numeric string',
    body: withSale({ grand_total: '33000' }),
    status: 400,
    message: 'body/transactions/0/grand_total must be number',
  },
  {
    name: 'a "NaN" string',
    body: withItem({ price: 'NaN' }),
    status: 400,
    message: 'body/transactions/0/items/0/price must be number',
  },
  {
    name: 'a fractional product id',
    body: withItem({ product_id: 1.5 }),
    status: 400,
    message: 'body/transactions/0/items/0/product_id must be integer',
  },
  {
    name: 'a bad uuid',
    body: withSale({ offline_id: 'not-a-uuid' }),
    status: 400,
    message: 'body/transactions/0/offline_id must match format "uuid"',
  },
  {
    name: 'a bad timestamp',
    body: withSale({ created_at_device: 'yesterday' }),
    status: 400,
    message: 'body/transactions/0/created_at_device must match format "date-time"',
  },
  {
    name: 'a huge string',
    body: withItem({ product_name: 'x'.repeat(100_000) }),
    status: 400,
    message: 'body/transactions/0/items/0/product_name must NOT have more than 200 characters',
  },
  {
    name: 'deeply nested items',
    body: withSale({ items: 'DEEP' }).replace('"DEEP"', `${'['.repeat(50_000)}${']'.repeat(50_000)}`),
    status: 400,
    message: 'body/transactions/0/items/0 must be object',
  },
  {
    name: 'a deeply nested body',
    body: `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    status: 400,
    message: 'body must be object',
  },
  {
    name: 'too many items',
    body: withSale({ items: Array.from({ length: 501 }, () => sale.items[0]) }),
    status: 400,
    message: 'body/transactions/0/items must NOT have more than 500 items',
  },
  {
    name: 'a body over the limit',
    body: JSON.stringify({ ...makeBatch([]), pad: 'x'.repeat(1024 * 1024) }),
    status: 413,
    code: 'SYNCSIM_ERR_BACKEND_BODY_TOO_LARGE',
    message: 'body is larger than the limit of 1048576 bytes',
  },
  {
    name: 'text/plain',
    body: batchBody([sale]),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'SYNCSIM_ERR_BACKEND_UNSUPPORTED_MEDIA_TYPE',
    message: "content-type must be application/json, got 'text/plain'",
  },
  {
    name: 'form encoding',
    body: 'a=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
  },
  {
    name: 'a lookalike media type',
    body: batchBody([sale]),
    headers: { 'content-type': 'application/jsonx' },
    status: 415,
  },
  {
    name: 'a compressed body (gzip), which it does not read',
    body: batchBody([sale]),
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    status: 415,
    code: 'SYNCSIM_ERR_BACKEND_UNSUPPORTED_ENCODING',
    message: 'content-encoding must be identity (the body as it is), got "gzip"',
  },
];

describe('bad input (in-process)', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await memoryBackend({}, createRealClock());
  });
  afterAll(async () => backend.close());

  async function stillServes(): Promise<void> {
    const index = 1000 + backend.counters().requests;
    const outcome = await injectBatch(backend, batchBody([makeTransaction({ index })]));
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
  }

  it.each(cases)('$name -> $status', async ({ body, headers, status, code, message }) => {
    const outcome = await injectBatch(backend, body, headers);
    expect(outcome.kind).toBe('response');
    if (outcome.kind !== 'response') return;
    expect(outcome.status).toBe(status);
    const error: unknown = JSON.parse(outcome.body);
    expect(Value.Check(ErrorResponseSchema, error)).toBe(true);
    expect(error).toMatchObject({ success: false, statusCode: status });
    if (code) expect(error).toMatchObject({ code });
    if (typeof message === 'string') expect(error).toMatchObject({ message });
    if (message instanceof RegExp) expect(JSON.parse(outcome.body).message).toMatch(message);
    expect(outcome.body).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    await stillServes();
  });

  it('a compressed body names the header at fault; identity is fine', async () => {
    const gzip = await injectBatch(backend, batchBody([makeTransaction({ index: 8 })]), {
      'content-type': 'application/json',
      'content-encoding': 'br',
    });
    expect(gzip.kind === 'response' && JSON.parse(gzip.body).field).toBe('headers/content-encoding');
    const identity = await injectBatch(backend, batchBody([makeTransaction({ index: 9 })]), {
      'content-type': 'application/json',
      'content-encoding': 'identity',
    });
    expect(identity).toMatchObject({ kind: 'response', status: 200 });
  });

  it('a content type with a charset is fine', async () => {
    const outcome = await injectBatch(backend, batchBody([makeTransaction({ index: 7 })]), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
  });

  it('unknown routes and methods get a JSON 404', async () => {
    for (const [method, url] of [
      ['GET', BATCH_PATH],
      ['POST', '/api/v1/pos/offline/batch-sync/extra'],
      ['GET', `/${'x'.repeat(5000)}`],
      ['GET', '/__syncsim/ledger'],
    ] as const) {
      const response = await backend.app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        code: 'SYNCSIM_ERR_BACKEND_NOT_FOUND',
        message: expect.stringMatching(/^no route /),
      });
      expect(response.body.length).toBeLessThan(400);
    }
    await stillServes();
  });

  it('unicode round-trips; an unpaired surrogate fails its row only', async () => {
    const name = 'Kopi ☕ susu 🇮🇩 — عربى — 日本語 — e\u0301';
    const good = {
      ...makeTransaction({ index: 20 }),
      payment_method: 'QRIS 💳',
      items: [{ ...sale.items[0]!, product_name: name }],
    };
    const lone = { ...makeTransaction({ index: 21 }), status: 'paid\ud800' };
    const outcome = await injectBatch(backend, batchBody([good, lone]));
    if (outcome.kind !== 'response') throw new Error('no response');
    const results = resultsOf(outcome.body);
    expect(results.map((r) => r.success)).toEqual([true, false]);
    expect(results[1]!.error).toBe('status contains an unpaired UTF-16 surrogate');
    const stored = [...backend.ledger.entries()].find((e) => e.offline_id === good.offline_id);
    expect(stored?.items[0]?.product_name).toBe(name);
    expect(stored?.payment_method).toBe('QRIS 💳');
  });

  it('a repeated row within one batch is answered as a duplicate of the first (unique)', async () => {
    const row = makeTransaction({ index: 30 });
    const outcome = await injectBatch(backend, batchBody([row, row, row]));
    if (outcome.kind !== 'response') throw new Error('no response');
    const results = resultsOf(outcome.body);
    expect(results.map((r) => r.duplicate)).toEqual([false, true, true]);
    expect(new Set(results.map((r) => r.server_id)).size).toBe(1);
  });

  it('unknown fields, __proto__ and deep junk are ignored and never stored', async () => {
    const junk = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    const row = makeTransaction({ index: 40 });
    const text = batchBody([row]).replace(
      '"items":[{',
      `"extra":${junk},"__proto__":{"polluted":true},"items":[{"more":${junk},`,
    );
    const outcome = await injectBatch(backend, text);
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
    const stored = [...backend.ledger.entries()].find((e) => e.offline_id === row.offline_id);
    expect(stored).toEqual(expect.objectContaining({ items: row.items }));
    expect(JSON.stringify(stored)).not.toContain('extra');
  });

  it('100,000 rows: 413 under the default limit and under a row limit, stored with a raised limit', async () => {
    const rows = makeSales(100_000, 'BULK');
    const body = batchBody(rows, 'BULK');
    expect(await injectBatch(backend, body)).toMatchObject({ kind: 'response', status: 413 });
    const limited = await memoryBackend({ limits: { bodyBytes: 1 << 27, maxRows: 1000 } }, createRealClock());
    const big = await memoryBackend({ limits: { bodyBytes: 1 << 27 } }, createRealClock());
    try {
      const refused = await injectBatch(limited, body);
      expect(refused).toMatchObject({ kind: 'response', status: 413 });
      if (refused.kind === 'response')
        expect(JSON.parse(refused.body).code).toBe('SYNCSIM_ERR_BACKEND_TOO_MANY_ROWS');
      const invalidLast = batchBody([...rows.slice(0, 99_999), { ...rows[0]!, id_user_apps: -1 }], 'BULK');
      const rejected = await injectBatch(big, invalidLast);
      if (rejected.kind !== 'response') throw new Error('no response');
      expect(JSON.parse(rejected.body).field).toBe('body/transactions/99999/id_user_apps');
      const stored = await injectBatch(big, body);
      expect(stored).toMatchObject({ kind: 'response', status: 200, committed: 100_000 });
      expect(big.ledger.count()).toBe(100_000);
    } finally {
      await limited.close();
      await big.close();
    }
    await stillServes();
  });
});

describe('bad input (real HTTP)', () => {
  let server: Loopback;
  let backend: Backend;
  beforeAll(async () => {
    backend = await memoryBackend({}, createRealClock());
    server = await startLoopback(backend);
  });
  afterAll(async () => server.close());

  async function stillServes(): Promise<void> {
    const index = 5000 + backend.counters().requests;
    const result = await postOverHttp(server.client, BATCH_PATH, batchBody([makeTransaction({ index })]));
    expect(result).toMatchObject({ kind: 'response', status: 200 });
  }

  it('a client that disconnects mid-body', async () => {
    const head = `POST ${BATCH_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
    await writeAndAbort(
      server.url,
      `${head}{"transactions":[${JSON.stringify(makeTransaction({ index: 77 }))},`,
    );
    await stillServes();
    await expect.poll(() => backend.counters().aborted, { timeout: 10_000 }).toBe(1);
    expect(backend.ledger.count()).toBe(1);
    // A body read whole and refused is no abort.
    const refused = await postOverHttp(server.client, BATCH_PATH, '{}');
    expect(refused).toMatchObject({ kind: 'response', status: 400 });
    expect(backend.counters().aborted).toBe(1);
  });

  it('a body over the limit, declared up front', async () => {
    const result = await postOverHttp(
      server.client,
      BATCH_PATH,
      JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(result).toMatchObject({ kind: 'response', status: 413 });
    await stillServes();
  });

  it('garbage that is not HTTP', async () => {
    await writeAndAbort(server.url, 'NOT HTTP AT ALL\r\n\r\n\u0000\u0001');
    await stillServes();
  });

  it('the wrong content type and malformed JSON', async () => {
    expect(
      await postOverHttp(server.client, BATCH_PATH, '{}', { 'content-type': 'text/plain' }),
    ).toMatchObject({ status: 415 });
    expect(
      await postOverHttp(server.client, BATCH_PATH, '{', { 'content-type': 'application/json' }),
    ).toMatchObject({ status: 400 });
    await stillServes();
  });
  it('what Node or Fastify refuse before routing is answered in the same JSON error shape', async () => {
    for (const [request, status] of [
      ['GARBAGE\r\n\r\n', 400],
      [`POST ${BATCH_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}`, 400],
      [`GET /${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`, 431],
      [`POST ${BATCH_PATH}%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, 400],
    ] as const) {
      const answer = await rawExchange(server.url, request);
      expect(answer.split('\r\n')[0], request.slice(0, 40)).toBe(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      );
      const body: unknown = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(Value.Check(ErrorResponseSchema, body), answer).toBe(true);
      expect(body).toMatchObject({ success: false, statusCode: status });
    }
    await stillServes();
  });
});
