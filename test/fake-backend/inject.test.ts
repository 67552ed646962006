/**
 * injectBatch: one batch through the backend in-process, mapped to what the sync core's transport needs (an
 * answer, or a reset that says what the server committed before the connection went).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/fake-backend/app.ts';
import { injectBatch } from '../../src/fake-backend/inject.ts';
import { batchBody, makeSales, memoryBackend } from './helpers.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('injectBatch', () => {
  async function backendWith(phase: Record<string, unknown>): Promise<Backend> {
    const b = await memoryBackend({
      storage: { commit: 'row' },
      faults: { phases: [{ atMs: 0, ...phase }] },
    });
    closers.push(() => b.close());
    return b;
  }

  it('turns each destroyed response into a reset that says what was committed', async () => {
    const lost = await backendWith({ lostAck: { rate: 1 } });
    expect(await injectBatch(lost, batchBody(makeSales(2)))).toEqual({
      kind: 'reset',
      detail: 'connection reset by the server before it answered',
      fault: 'lost-ack',
      committed: 2,
    });
    const crash = await backendWith({ partialCommit: { rate: 1, ending: 'reset' } });
    const outcome = await injectBatch(crash, batchBody(makeSales(2)));
    expect(outcome).toEqual({
      kind: 'reset',
      detail: 'connection reset by the server after a crash mid-batch',
      fault: 'partial-commit',
      committed: 1,
    });
  });

  it('leaves no bookkeeping behind, and ignores an inject id it did not register', async () => {
    const b = await backendWith({});
    await injectBatch(b, batchBody(makeSales(1)));
    expect(b.context.injections.size).toBe(0);
    const forged = await b.app.inject({
      method: 'POST',
      url: b.options.path,
      payload: batchBody(makeSales(1, 'X')),
      headers: { 'content-type': 'application/json', 'x-syncsim-inject': '999' },
    });
    expect(forged.statusCode).toBe(200);
    expect(b.context.injections.size).toBe(0);
  });

  it('passes the caller headers and omits the date header, so outcomes replay', async () => {
    const b = await memoryBackend({ token: 't' });
    closers.push(() => b.close());
    const outcome = await injectBatch(b, batchBody(makeSales(1)), { authorization: 'Bearer t' });
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    if (outcome.kind === 'response') expect(outcome.headers.date).toBeUndefined();
  });
});
