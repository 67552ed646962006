import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchSyncResponseSchema,
  ErrorResponseSchema,
  parseBatchSyncResponse,
} from '../../src/core/protocol.ts';
import type { Backend } from '../../src/fake-backend/app.ts';
import { type InjectOutcome, injectBatch } from '../../src/fake-backend/inject.ts';
import type {
  BackendOptionsInput,
  CommitMode,
  DedupeMode,
  FaultPhase,
} from '../../src/fake-backend/options.ts';
import {
  batchBody,
  createManualClock,
  type ManualClock,
  makeSales,
  makeTransaction,
  memoryBackend,
  resultsOf,
  runAll,
  settle,
} from './helpers.ts';

const backends: Backend[] = [];

async function backend(
  options: BackendOptionsInput = {},
  clock: ManualClock = createManualClock(),
): Promise<Backend> {
  const b = await memoryBackend(options, clock);
  backends.push(b);
  return b;
}

afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
});

function expectResponse(
  outcome: InjectOutcome,
  status: number,
): Extract<InjectOutcome, { kind: 'response' }> {
  expect(outcome.kind).toBe('response');
  if (outcome.kind !== 'response') throw new Error('not a response');
  expect(outcome.status).toBe(status);
  return outcome;
}

function errorOf(outcome: InjectOutcome): {
  code: string;
  message: string;
  field?: string;
  statusCode: number;
} {
  if (outcome.kind !== 'response') throw new Error('not a response');
  const body: unknown = JSON.parse(outcome.body);
  expect(Value.Check(ErrorResponseSchema, body)).toBe(true);
  return JSON.parse(outcome.body);
}

function onlyFault(fault: Omit<FaultPhase, 'atMs'>): BackendOptionsInput['faults'] {
  return { phases: [{ atMs: 0, ...fault }] };
}

describe('batch sync route (in-process)', () => {
  it('stores a batch and answers in the spec shape', async () => {
    const b = await backend();
    const sales = makeSales(3);
    const outcome = expectResponse(await injectBatch(b, batchBody(sales)), 200);
    expect(Value.Check(BatchSyncResponseSchema, JSON.parse(outcome.body))).toBe(true);
    expect(outcome.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(parseBatchSyncResponse(outcome.body)).toEqual(
      sales.map((sale, i) => ({
        offlineId: sale.offline_id,
        offlineReference: sale.offline_reference,
        success: true,
        duplicate: false,
        serverId: i + 1,
        transactionCode: `TRX-000000000${i + 1}`,
        error: null,
      })),
    );
    expect(outcome).toMatchObject({ fault: null, committed: 3 });
    expect(
      [...b.ledger.entries()].map(({ server_id, transaction_code, received_at, ...wire }) => wire),
    ).toEqual(sales);
    expect(b.counters()).toMatchObject({
      requests: 1,
      rowsReceived: 3,
      rowsStored: 3,
      responses: { '200': 1 },
    });
  });

  it('fails a bad row on its own and stores the others', async () => {
    const b = await backend();
    const [good1, bad, good2] = makeSales(3);
    const broken = { ...bad!, grand_total: bad!.grand_total + 1 };
    const empty = { ...makeTransaction({ index: 9 }), items: [] };
    const outcome = expectResponse(await injectBatch(b, batchBody([good1!, broken, good2!, empty])), 200);
    const results = resultsOf(outcome.body);
    expect(results.map((r) => r.success)).toEqual([true, false, true, false]);
    expect(results[1]!.error).toMatch(/^grand_total is 33000\.85 but subtotal 30001 - discount_total 1\.25/);
    expect(results[3]!.error).toBe('items is empty: a sale needs at least one item');
    expect(results[1]!.server_id).toBeNull();
    expect(b.ledger.count()).toBe(2);
    expect(b.counters().rowsRejected).toBe(2);
  });

  it('can switch the row checks off', async () => {
    const b = await backend({ rowChecks: false });
    const sale = { ...makeTransaction(), grand_total: 1 };
    expect(resultsOf(expectResponse(await injectBatch(b, batchBody([sale])), 200).body)[0]!.success).toBe(
      true,
    );
  });

  const modes: [DedupeMode, CommitMode, number][] = [
    ['unique', 'batch', 2],
    ['unique', 'row', 2],
    ['check-then-insert', 'batch', 2],
    ['check-then-insert', 'row', 2],
    ['none', 'batch', 6],
    ['none', 'row', 6],
  ];
  it.each(modes)(
    'dedupe %s, commit per %s: a batch with a repeat, sent twice, stores %i rows',
    async (dedupe, commit, stored) => {
      const clock = createManualClock();
      const b = await backend({ storage: { dedupe, commit, checkGapMs: 10 } }, clock);
      const [a, c] = makeSales(2);
      const body = batchBody([a!, c!, a!]);
      const [first] = await runAll(clock, [injectBatch(b, body)]);
      const [second] = await runAll(clock, [injectBatch(b, body)]);
      expect(b.ledger.count()).toBe(stored);
      const flags = [first!, second!].flatMap((o) =>
        resultsOf(expectResponse(o, 200).body).map((r) => r.duplicate),
      );
      if (dedupe === 'none') expect(flags).toEqual([false, false, false, false, false, false]);
      else expect(flags).toEqual([false, false, true, true, true, true]);
      const ids = resultsOf(expectResponse(second!, 200).body).map((r) => r.server_id);
      expect(ids).toEqual(dedupe === 'none' ? [4, 5, 6] : [1, 2, 1]);
    },
  );

  it('413 for more rows than the limit, before validating them', async () => {
    const b = await backend({ limits: { maxRows: 2 } });
    const outcome = expectResponse(await injectBatch(b, batchBody(makeSales(3))), 413);
    expect(errorOf(outcome)).toMatchObject({
      code: 'SYNCSIM_ERR_BACKEND_TOO_MANY_ROWS',
      field: 'body/transactions',
      message: 'body/transactions has 3 rows; the limit is 2 per batch',
    });
    expectResponse(await injectBatch(b, batchBody(makeSales(2))), 200);
  });

  describe('auth', () => {
    it('401 without the bearer token or with a wrong one, 200 with it', async () => {
      const b = await backend({ token: 's3cret' });
      const body = batchBody(makeSales(1));
      const refused = expectResponse(await injectBatch(b, body), 401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect(errorOf(refused)).toMatchObject({
        code: 'SYNCSIM_ERR_BACKEND_UNAUTHORIZED',
        field: 'headers/authorization',
        message: expect.stringContaining('headers/authorization is missing'),
      });
      expectResponse(await injectBatch(b, body, { authorization: 'Bearer nope' }), 401);
      expectResponse(await injectBatch(b, body, { authorization: 'Bearer S3CRET' }), 401);
      expectResponse(await injectBatch(b, body, { authorization: 'Basic s3cret' }), 401);
      expectResponse(await injectBatch(b, body, { authorization: 'Bearer s3cret' }), 200);
      // The scheme is case-insensitive (RFC 9110): a client that writes it in lower case is let in.
      expectResponse(await injectBatch(b, batchBody(makeSales(2)), { authorization: 'bearer s3cret' }), 200);
      expect(b.ledger.count()).toBe(2);
    });
  });

  describe('faults', () => {
    it('HTTP error before the commit: nothing stored', async () => {
      const b = await backend({ faults: onlyFault({ http: [{ status: 503, rate: 1 }] }) });
      const outcome = expectResponse(await injectBatch(b, batchBody(makeSales(2))), 503);
      expect(errorOf(outcome)).toMatchObject({ code: 'SYNCSIM_ERR_BACKEND_INJECTED_FAULT', statusCode: 503 });
      expect(outcome).toMatchObject({ fault: 'http-before-commit', committed: 0 });
      expect(b.ledger.count()).toBe(0);
    });

    it.each([500, 502, 504] as const)(
      'HTTP %i after the commit: stored, client told otherwise',
      async (status) => {
        const b = await backend({ faults: onlyFault({ http: [{ status, rate: 1, when: 'after-commit' }] }) });
        const outcome = expectResponse(await injectBatch(b, batchBody(makeSales(2))), status);
        expect(outcome).toMatchObject({ fault: 'http-after-commit', committed: 2 });
        expect(b.ledger.count()).toBe(2);
      },
    );

    it('lost acknowledgement: committed, then a reset; the retry is answered as duplicates', async () => {
      const b = await backend({ faults: onlyFault({ lostAck: { rate: 1 } }) });
      const body = batchBody(makeSales(3));
      expect(await injectBatch(b, body)).toEqual({
        kind: 'reset',
        detail: 'connection reset by the server before it answered',
        fault: 'lost-ack',
        committed: 3,
      });
      expect(b.ledger.count()).toBe(3);
      b.setFaultPlan({ phases: [] });
      const retry = expectResponse(await injectBatch(b, body), 200);
      expect(resultsOf(retry.body).map((r) => [r.duplicate, r.server_id])).toEqual([
        [true, 1],
        [true, 2],
        [true, 3],
      ]);
      expect(b.counters()).toMatchObject({ resets: 1, rowsStored: 3, rowsDuplicate: 3 });
    });

    it('slow response: the commit happens first, the answer comes after the delay', async () => {
      const clock = createManualClock();
      const b = await backend(
        { faults: onlyFault({ slowResponse: { rate: 1, delayMs: { kind: 'fixed', value: 45_000 } } }) },
        clock,
      );
      const pending = injectBatch(b, batchBody(makeSales(2)));
      await settle();
      expect(clock.pending).toBe(1);
      expect(b.ledger.count()).toBe(2);
      clock.wakeNext();
      const outcome = expectResponse(await pending, 200);
      expect(clock.monotonic()).toBe(45_000);
      expect(outcome).toMatchObject({ fault: 'slow-response', committed: 2 });
    });

    it('truncated body with a reset: the client sees a reset after the commit', async () => {
      const b = await backend({ faults: onlyFault({ truncatedBody: { rate: 1 } }) });
      expect(await injectBatch(b, batchBody(makeSales(2)))).toEqual({
        kind: 'reset',
        detail: 'connection closed before the end of the body',
        fault: 'truncated-body',
        committed: 2,
      });
    });

    it('truncated body, short: a complete answer whose JSON is cut', async () => {
      const b = await backend({
        faults: onlyFault({ truncatedBody: { rate: 1, mode: 'short', keepFraction: 0.4 } }),
      });
      const outcome = expectResponse(await injectBatch(b, batchBody(makeSales(2))), 200);
      expect(() => parseBatchSyncResponse(outcome.body)).toThrow(/body is not JSON/);
      expect(Number(outcome.headers['content-length'])).toBe(Buffer.byteLength(outcome.body));
      expect(outcome.committed).toBe(2);
    });

    it('partial commit, per row: some rows committed, then 500', async () => {
      const b = await backend({
        storage: { commit: 'row' },
        faults: onlyFault({ partialCommit: { rate: 1 } }),
      });
      const sales = makeSales(5);
      const outcome = expectResponse(await injectBatch(b, batchBody(sales)), 500);
      expect(errorOf(outcome)).toMatchObject({ code: 'SYNCSIM_ERR_BACKEND_CRASHED' });
      expect(outcome.committed).toBeGreaterThanOrEqual(1);
      expect(outcome.committed).toBeLessThanOrEqual(4);
      expect([...b.ledger.entries()].map((e) => e.offline_id)).toEqual(
        sales.slice(0, outcome.committed).map((s) => s.offline_id),
      );
    });

    it('partial commit, per row, ending in a reset', async () => {
      const b = await backend({
        storage: { commit: 'row' },
        faults: onlyFault({ partialCommit: { rate: 1, ending: 'reset' } }),
      });
      const outcome = await injectBatch(b, batchBody(makeSales(4)));
      expect(outcome).toMatchObject({ kind: 'reset', fault: 'partial-commit' });
      expect(outcome.committed).toBeGreaterThanOrEqual(1);
      expect(b.ledger.count()).toBe(outcome.committed);
    });

    it('partial commit, per batch: the transaction rolls back, nothing is stored', async () => {
      const b = await backend({
        storage: { commit: 'batch' },
        faults: onlyFault({ partialCommit: { rate: 1 } }),
      });
      expect(await injectBatch(b, batchBody(makeSales(4)))).toMatchObject({
        kind: 'response',
        status: 500,
        committed: 0,
      });
      expect(b.ledger.count()).toBe(0);
    });

    it('401 from the server with a valid token (an expired session)', async () => {
      const b = await backend({ faults: onlyFault({ unauthorized: { rate: 1 } }) });
      const outcome = expectResponse(await injectBatch(b, batchBody(makeSales(1))), 401);
      expect(outcome.fault).toBe('unauthorized');
      expect(b.ledger.count()).toBe(0);
    });

    it('follows the timeline and a plan replaced at runtime', async () => {
      const clock = createManualClock();
      const b = await backend(
        { faults: { phases: [{ atMs: 1000, http: [{ status: 502, rate: 1 }] }, { atMs: 2000 }] } },
        clock,
      );
      const at = async (ms: number) => {
        void clock.sleep(ms - clock.monotonic());
        clock.wakeNext();
        const outcome = await injectBatch(b, batchBody([makeTransaction({ index: ms })]));
        return outcome.kind === 'response' ? outcome.status : outcome.kind;
      };
      expect(await at(0)).toBe(200);
      expect(await at(1500)).toBe(502);
      expect(await at(2500)).toBe(200);
      b.setFaultPlan({ phases: [{ atMs: 0, lostAck: { rate: 1 } }] });
      expect(await at(2600)).toBe('reset');
      expect(b.faultState()).toMatchObject({ activePhase: 0, elapsedMs: 100 });
    });
  });

  describe('capacity', () => {
    it('1 worker, queue of 1: a third concurrent request gets 429 with Retry-After', async () => {
      const clock = createManualClock();
      const b = await backend(
        { capacity: { workers: 1, queueLimit: 1, requestTime: { kind: 'fixed', value: 1500 } } },
        clock,
      );
      const outcomes = await runAll(
        clock,
        [1, 2, 3].map((i) => injectBatch(b, batchBody([makeTransaction({ index: i })]))),
      );
      expect(outcomes.map((o) => (o.kind === 'response' ? o.status : o.kind))).toEqual([200, 200, 429]);
      const refused = expectResponse(outcomes[2]!, 429);
      expect(refused.headers['retry-after']).toBe('2');
      expect(errorOf(refused)).toMatchObject({ code: 'SYNCSIM_ERR_BACKEND_OVERLOADED' });
      expect(clock.monotonic()).toBe(3000);
      expect(b.counters()).toMatchObject({ overloaded: 1, queueMax: 1 });
      // The queue has drained: the next request is served.
      expectResponse(
        (await runAll(clock, [injectBatch(b, batchBody([makeTransaction({ index: 4 })]))]))[0]!,
        200,
      );
    });

    it('answers 503 instead when configured, and models per-row service time', async () => {
      const clock = createManualClock();
      const b = await backend(
        {
          capacity: {
            workers: 1,
            queueLimit: 0,
            requestTime: { kind: 'fixed', value: 100 },
            rowTime: { kind: 'fixed', value: 10 },
            overloadStatus: 503,
            retryAfterSeconds: 5,
          },
        },
        clock,
      );
      const outcomes = await runAll(clock, [
        injectBatch(b, batchBody(makeSales(10))),
        injectBatch(b, batchBody(makeSales(1, 'B'))),
      ]);
      expect(
        outcomes.map((o) => (o.kind === 'response' ? [o.status, o.headers['retry-after']] : o.kind)),
      ).toEqual([
        [200, undefined],
        [503, '5'],
      ]);
      expect(clock.monotonic()).toBe(200);
    });
  });

  it('replays byte for byte: same seed and requests, same answers and ledger', async () => {
    const options: BackendOptionsInput = {
      seed: 'replay-me',
      storage: { commit: 'row', dedupe: 'unique' },
      capacity: {
        workers: 2,
        queueLimit: 2,
        requestTime: { kind: 'lognormal', p50: 50, p99: 400 },
        rowTime: { kind: 'exponential', mean: 5 },
      },
      faults: {
        phases: [
          {
            atMs: 0,
            http: [
              { status: 500, rate: 0.1 },
              { status: 504, rate: 0.1, when: 'after-commit' },
            ],
            lostAck: { rate: 0.1 },
            partialCommit: { rate: 0.1 },
            slowResponse: { rate: 0.1, delayMs: { kind: 'uniform', min: 100, max: 900 } },
            truncatedBody: { rate: 0.1 },
          },
        ],
      },
    };
    const run = async () => {
      const clock = createManualClock();
      const b = await backend(options, clock);
      const outcomes: InjectOutcome[] = [];
      for (let round = 0; round < 6; round++) {
        const bodies = ['A', 'B', 'C', 'D'].map((device) =>
          batchBody(makeSales(4, device, round * 2), device),
        );
        outcomes.push(
          ...(await runAll(
            clock,
            bodies.map((body) => injectBatch(b, body)),
          )),
        );
      }
      return {
        outcomes: JSON.stringify(outcomes),
        ledger: [...b.ledger.ndjsonChunks()].join(''),
        counters: b.counters(),
      };
    };
    const first = await run();
    const second = await run();
    expect(second.outcomes).toBe(first.outcomes);
    expect(second.ledger).toBe(first.ledger);
    expect(second.counters).toEqual(first.counters);
    // The plan did bite: several kinds of outcome happened.
    expect(
      new Set(
        JSON.parse(first.outcomes).map((o: InjectOutcome) => (o.kind === 'response' ? o.status : o.kind)),
      ).size,
    ).toBeGreaterThan(3);
  });
});
