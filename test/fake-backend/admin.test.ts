import Database from 'better-sqlite3';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { type LedgerEntry, LedgerEntrySchema } from '../../src/core/protocol.ts';
import { createRealClock } from '../../src/core/real-clock.ts';
import { type Backend, buildBackend } from '../../src/fake-backend/app.ts';
import { injectBatch } from '../../src/fake-backend/inject.ts';
import { type LedgerRow, toLedgerEntry } from '../../src/fake-backend/storage.ts';
import {
  batchBody,
  createManualClock,
  type Loopback,
  makeSales,
  memoryBackend,
  runAll,
  startLoopback,
  type TempDir,
  tempDir,
} from './helpers.ts';

let dir: TempDir | null = null;
const backends: Backend[] = [];
let loopback: Loopback | null = null;

afterEach(async () => {
  await loopback?.close();
  loopback = null;
  for (const b of backends.splice(0)) await b.close();
  dir?.remove();
  dir = null;
});

async function adminBackend(options: Parameters<typeof memoryBackend>[0] = {}): Promise<Backend> {
  const b = await memoryBackend({ admin: true, ...options });
  backends.push(b);
  return b;
}

function parseNdjson(text: string): LedgerEntry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('admin API', () => {
  it('the ledger of a run is exactly what was committed (admin API vs a direct SQLite read)', async () => {
    dir = tempDir();
    const file = dir.file('run.sqlite');
    const clock = createManualClock();
    const b = await buildBackend(
      {
        admin: true,
        seed: 7,
        storage: { file, commit: 'row' },
        faults: {
          phases: [
            {
              atMs: 0,
              lostAck: { rate: 0.2 },
              partialCommit: { rate: 0.2 },
              http: [
                { status: 500, rate: 0.2 },
                { status: 502, rate: 0.1, when: 'after-commit' },
              ],
            },
          ],
        },
      },
      { clock },
    );
    backends.push(b);
    const outcomes = await runAll(
      clock,
      ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].flatMap((device) => [
        injectBatch(b, batchBody(makeSales(5, device), device)),
        injectBatch(b, batchBody(makeSales(5, device, 3), device)),
      ]),
    );
    const committed = outcomes.reduce((sum, o) => sum + o.committed, 0);
    expect(new Set(outcomes.map((o) => o.fault)).size).toBeGreaterThan(2);

    const response = await b.app.inject({ method: 'GET', url: '/__syncsim/ledger' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const fromApi = parseNdjson(response.body);
    for (const entry of fromApi) expect(Value.Check(LedgerEntrySchema, entry)).toBe(true);
    expect(fromApi).toHaveLength(committed);

    const direct = new Database(file, { readonly: true });
    try {
      const rows = direct.prepare<[], LedgerRow>('SELECT * FROM pos_transactions ORDER BY server_id').all();
      expect(fromApi).toEqual(rows.map(toLedgerEntry));
    } finally {
      direct.close();
    }
    expect(b.counters().rowsStored).toBe(committed);
  });

  it('pages by device with a cursor, and rejects bad query parameters naming them', async () => {
    const b = await adminBackend({ storage: { dedupe: 'none' } });
    await injectBatch(b, batchBody([...makeSales(3, 'A'), ...makeSales(2, 'B'), ...makeSales(2, 'A', 10)]));
    const ids: number[] = [];
    let after = 0;
    for (;;) {
      const page = await b.app.inject({ url: `/__syncsim/ledger/page?device_id=A&limit=2&after=${after}` });
      const body: { entries: LedgerEntry[]; nextAfter: number | null } = page.json();
      ids.push(...body.entries.map((e) => e.server_id));
      if (body.nextAfter === null) break;
      after = body.nextAfter;
    }
    expect(ids).toEqual([1, 2, 3, 6, 7]);
    const streamed = parseNdjson((await b.app.inject({ url: '/__syncsim/ledger?device_id=B' })).body);
    expect(streamed.map((e) => e.server_id)).toEqual([4, 5]);
    for (const [url, field] of [
      ['/__syncsim/ledger/page?limit=0', 'querystring/limit'],
      ['/__syncsim/ledger/page?limit=abc', 'querystring/limit'],
      ['/__syncsim/ledger/page?after=-1', 'querystring/after'],
      ['/__syncsim/ledger/page?after=99999999999999999999', 'querystring/after must be between 0 and'],
      ['/__syncsim/ledger?limit=5', 'querystring/limit'],
      ['/__syncsim/ledger?device_id=A&device_id=B', 'querystring/device_id'],
    ] as const) {
      const response = await b.app.inject({ url });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        field: field.split(' ')[0],
        message: expect.stringContaining(field),
      });
    }
    // A whole number up to the largest safe one is taken, however many digits it has.
    expect((await b.app.inject({ url: '/__syncsim/ledger/page?after=1000000000000000' })).statusCode).toBe(
      200,
    );
  });

  it('counters, fault plan GET/PUT with validation, and reset', async () => {
    const b = await adminBackend();
    await injectBatch(b, batchBody(makeSales(2)));
    expect((await b.app.inject({ url: '/__syncsim/counters' })).json()).toMatchObject({
      requests: 1,
      rowsStored: 2,
      ledgerRows: 2,
      responses: { '200': 1 },
      faults: { 'lost-ack': 0 },
    });

    expect((await b.app.inject({ url: '/__syncsim/faults' })).json()).toEqual({
      plan: { phases: [] },
      elapsedMs: 0,
      activePhase: null,
    });
    const plan = { phases: [{ atMs: 0, lostAck: { rate: 1 } }] };
    const put = await b.app.inject({ method: 'PUT', url: '/__syncsim/faults', payload: plan });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ plan, elapsedMs: 0, activePhase: 0 });
    expect(await injectBatch(b, batchBody(makeSales(1, 'Z')))).toMatchObject({
      kind: 'reset',
      fault: 'lost-ack',
    });

    const bad = await b.app.inject({
      method: 'PUT',
      url: '/__syncsim/faults',
      payload: { phases: [{ atMs: 0, lostAck: { rate: 1.5 } }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      code: 'SYNCSIM_ERR_BACKEND_BAD_REQUEST',
      field: 'body/phases/0/lostAck/rate',
      message: expect.stringContaining('body/phases/0/lostAck/rate must be <= 1'),
    });
    expect((await b.app.inject({ url: '/__syncsim/faults' })).json().plan).toEqual(plan);

    const reset = await b.app.inject({ method: 'POST', url: '/__syncsim/reset' });
    expect(reset.json()).toEqual({ success: true });
    expect(b.ledger.count()).toBe(0);
    expect(b.counters()).toMatchObject({ requests: 0, rowsStored: 0 });
    await b.app.inject({ method: 'PUT', url: '/__syncsim/faults', payload: { phases: [] } });
    const again = await injectBatch(b, batchBody(makeSales(1)));
    expect(again.kind === 'response' && JSON.parse(again.body).data.results[0].server_id).toBe(1);
  });

  it('is off unless enabled, and behind the token when there is one', async () => {
    const off = await memoryBackend({});
    backends.push(off);
    expect((await off.app.inject({ url: '/__syncsim/counters' })).statusCode).toBe(404);
    const guarded = await adminBackend({ token: 'tok' });
    expect((await guarded.app.inject({ url: '/__syncsim/counters' })).statusCode).toBe(401);
    expect(
      (await guarded.app.inject({ url: '/__syncsim/counters', headers: { authorization: 'Bearer tok' } }))
        .statusCode,
    ).toBe(200);
  });

  it('streams a large ledger over HTTP in chunks, without a content-length', async () => {
    const b = await memoryBackend({ admin: true, limits: { bodyBytes: 1 << 24 } }, createRealClock());
    loopback = await startLoopback(b);
    await injectBatch(b, batchBody(makeSales(5000)));
    const response = await loopback.client.request({ path: '/__syncsim/ledger', method: 'GET' });
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.headers['content-length']).toBeUndefined();
    let chunks = 0;
    let text = '';
    for await (const chunk of response.body) {
      chunks++;
      text += chunk.toString();
    }
    expect(chunks).toBeGreaterThan(1);
    expect(parseNdjson(text).map((e) => e.server_id)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });
});
