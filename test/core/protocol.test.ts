/**
 * The wire protocol as the client reads it: tolerant of a real backend that omits optional fields, strict
 * about what the spec's client relies on. And what the core sends always passes the shared request schema.
 */
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { HARDENED_POLICY, SEED_POLICY } from '../../src/core/policy.ts';
import { TransportError } from '../../src/core/ports.ts';
import {
  BatchSyncRequestSchema,
  ProtocolViolation,
  parseBatchSyncResponse,
} from '../../src/core/protocol.ts';
import { createDevice, makeSale, type TestDevice, useTempDir } from './helpers.ts';

const dir = useTempDir();

function violation(body: string): string {
  try {
    parseBatchSyncResponse(body);
  } catch (error) {
    if (error instanceof ProtocolViolation) return error.message;
    throw error;
  }
  throw new Error('parsed without a violation');
}

describe('parseBatchSyncResponse', () => {
  it('reads every field of the spec response', () => {
    const body = JSON.stringify({
      success: true,
      data: {
        results: [
          {
            offline_id: 'a',
            offline_reference: 'D-1',
            success: true,
            duplicate: true,
            server_id: 12,
            transaction_code: 'TRX-12',
            error: null,
          },
        ],
      },
    });
    expect(parseBatchSyncResponse(body)).toEqual([
      {
        offlineId: 'a',
        offlineReference: 'D-1',
        success: true,
        duplicate: true,
        serverId: 12,
        transactionCode: 'TRX-12',
        error: null,
      },
    ]);
  });

  it('copes with a backend that omits every optional field', () => {
    expect(parseBatchSyncResponse('{"data":{"results":[{"success":true},{"success":false}]}}')).toEqual([
      {
        offlineId: null,
        offlineReference: null,
        success: true,
        duplicate: false,
        serverId: null,
        transactionCode: null,
        error: null,
      },
      {
        offlineId: null,
        offlineReference: null,
        success: false,
        duplicate: false,
        serverId: null,
        transactionCode: null,
        error: null,
      },
    ]);
  });

  it('takes a numeric-string server_id, ignores others, and reads the reason from error or message', () => {
    const results = parseBatchSyncResponse(
      JSON.stringify({
        data: {
          results: [
            { success: true, server_id: '9007199254' },
            { success: true, server_id: 'abc' },
            { success: true, server_id: 1.5 },
            { success: false, message: 'stock exhausted' },
            { success: false, error: 'closed', message: 'ignored' },
            { success: true, duplicate: 'yes' },
          ],
        },
      }),
    );
    expect(results.map((r) => r.serverId)).toEqual([9_007_199_254, null, null, null, null, null]);
    expect(results.map((r) => r.error)).toEqual([null, null, null, 'stock exhausted', 'closed', null]);
    expect(results[5]?.duplicate).toBe(false);
  });

  it('rejects what the spec client cannot read, naming the problem', () => {
    expect(violation('')).toBe('body is not JSON (0 bytes)');
    expect(violation('<html>502 Bad Gateway</html>')).toMatch(/^body is not JSON \(28 bytes: <html>502/);
    // A gzip answer nobody asked for: its bytes are not copied into last_error as control characters.
    expect(violation('\u001f\ufffd\b\u0000\u0000{x')).toBe('body is not JSON (7 bytes: \uFFFD{x)');
    expect(violation('[1,2]')).toBe('body is not a JSON object');
    expect(violation('{"data":{}}')).toBe('data.results is missing or not a list');
    expect(violation('{"data":{"results":[{"success":true},{"ok":true}]}}')).toBe(
      'data.results[1].success is missing or not a boolean',
    );
  });
});

describe('the client against odd but valid backends', () => {
  function bareBackend(d: TestDevice): void {
    d.transport.reshape = (results) => ({ data: { results: results.map((r) => ({ success: r.success })) } });
  }

  it('a backend answering only {success} per row, in order, is matched by position', async () => {
    const d = createDevice(dir, { policy: HARDENED_POLICY });
    await d.sales(3);
    bareBackend(d);
    expect(await d.syncOnce()).toMatchObject({ synced: 3, failure: null });
    expect((await d.rows()).map((r) => [r.syncStatus, r.serverId])).toEqual([
      ['synced', null],
      ['synced', null],
      ['synced', null],
    ]);
  });

  it('a 2xx body that is not a batch-sync response is a protocol failure: released (hardened), thrown (seed)', async () => {
    const hardened = createDevice(dir, { policy: HARDENED_POLICY, file: dir.file('h.sqlite') });
    await hardened.sales(2);
    hardened.transport.reshape = () => 'maintenance';
    expect(await hardened.syncOnce()).toMatchObject({ failure: { kind: 'protocol' } });
    expect(await hardened.stats()).toMatchObject({ pending: 2 });

    const seed = createDevice(dir, { policy: SEED_POLICY, file: dir.file('s.sqlite') });
    await seed.sales(2);
    seed.transport.reshape = () => ({ data: null });
    const error = await seed.syncOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error instanceof TransportError && error.failure).toEqual({
      kind: 'protocol',
      detail: 'data.results is missing or not a list',
    });
    expect(await seed.stats()).toMatchObject({ syncing: 2 });
  });

  it('every request the core builds passes the shared request schema', async () => {
    const d = createDevice(dir, { policy: HARDENED_POLICY });
    await d.core.store.createTransaction(
      makeSale(1, {
        discountTotal: 99,
        items: [{ productId: 0, productName: 'Gula ½ kg "premium"', quantity: 0.25, price: 1, subtotal: 0 }],
      }),
    );
    await d.sales(2, 2);
    await d.syncOnce();
    expect(d.transport.bodies).toHaveLength(1);
    expect(d.server.invalid).toEqual([]);
    for (const body of d.transport.bodies)
      expect(Value.Check(BatchSyncRequestSchema, JSON.parse(body))).toBe(true);
    const [request] = d.transport.sentRequests;
    expect(request?.device_id).toBe('DEVICE001');
    expect(request?.synced_at).toBe(new Date(d.clock.now()).toISOString());
  });
});
