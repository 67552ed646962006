/**
 * The faults that live in the socket, over real HTTP on loopback with an undici client: what a real client
 * sees, and that the server committed anyway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseBatchSyncResponse } from '../../src/core/protocol.ts';
import { createRealClock } from '../../src/core/real-clock.ts';
import type { BackendOptionsInput, FaultPhase } from '../../src/fake-backend/options.ts';
import {
  BATCH_PATH,
  batchBody,
  type Loopback,
  makeSales,
  makeTransaction,
  memoryBackend,
  postOverHttp,
  startLoopback,
} from './helpers.ts';

let server: Loopback | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(
  fault: Omit<FaultPhase, 'atMs'>,
  options: BackendOptionsInput = {},
  timeoutMs = 10_000,
): Promise<Loopback> {
  const backend = await memoryBackend(
    { ...options, faults: { phases: [{ atMs: 0, ...fault }] } },
    createRealClock(),
  );
  server = await startLoopback(backend, timeoutMs);
  return server;
}

describe('socket faults over real HTTP', () => {
  it('lost ack: the client sees the connection close before any answer; the rows are stored', async () => {
    const s = await serve({ lostAck: { rate: 1 } });
    const result = await postOverHttp(s.client, BATCH_PATH, batchBody(makeSales(3)));
    expect(result).toEqual({ kind: 'error', phase: 'headers', status: null, code: 'UND_ERR_SOCKET' });
    expect(s.backend.ledger.count()).toBe(3);
  });

  it('truncated body (reset): status 200 and headers arrive, then the body breaks off', async () => {
    const s = await serve({ truncatedBody: { rate: 1, keepFraction: 0.5 } });
    const result = await postOverHttp(s.client, BATCH_PATH, batchBody(makeSales(3)));
    expect(result).toEqual({ kind: 'error', phase: 'body', status: 200, code: 'UND_ERR_SOCKET' });
    expect(s.backend.ledger.count()).toBe(3);
  });

  it('truncated body (short): a complete answer that is not JSON', async () => {
    const s = await serve({ truncatedBody: { rate: 1, mode: 'short' } });
    const result = await postOverHttp(s.client, BATCH_PATH, batchBody(makeSales(2)));
    expect(result.kind).toBe('response');
    if (result.kind === 'response') expect(() => parseBatchSyncResponse(result.body)).toThrow(/not JSON/);
  });

  it('partial commit ending in a reset: some rows stored, the connection closes', async () => {
    const s = await serve({ partialCommit: { rate: 1, ending: 'reset' } }, { storage: { commit: 'row' } });
    const result = await postOverHttp(s.client, BATCH_PATH, batchBody(makeSales(6)));
    expect(result).toMatchObject({ kind: 'error', phase: 'headers', code: 'UND_ERR_SOCKET' });
    const stored = s.backend.ledger.count();
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThanOrEqual(5);
  });

  it('slow response: the client times out, the server commits all the same', async () => {
    const s = await serve({ slowResponse: { rate: 1, delayMs: { kind: 'fixed', value: 3000 } } }, {}, 300);
    const result = await postOverHttp(s.client, BATCH_PATH, batchBody(makeSales(2)));
    expect(result).toMatchObject({ kind: 'error', phase: 'headers', code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(s.backend.ledger.count()).toBe(2);
  });

  it('keeps serving after every socket fault', async () => {
    const s = await serve({ lostAck: { rate: 1 } });
    await postOverHttp(s.client, BATCH_PATH, batchBody(makeSales(1)));
    s.backend.setFaultPlan({ phases: [] });
    const result = await postOverHttp(s.client, BATCH_PATH, batchBody([makeTransaction({ index: 2 })]));
    expect(result).toMatchObject({ kind: 'response', status: 200 });
  });
});
