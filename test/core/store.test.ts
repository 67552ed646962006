import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceDatabase, SCHEMA_VERSION } from '../../src/core/device-database.ts';
import { isSyncsimError } from '../../src/core/errors.ts';
import { toMinor } from '../../src/core/money.ts';
import { HARDENED_POLICY, resolvePolicy, SEED_POLICY } from '../../src/core/policy.ts';
import type { ParsedSyncResult } from '../../src/core/protocol.ts';
import {
  batchSyncBody,
  itemsToWire,
  type TransactionLocal,
  toWireTransaction,
} from '../../src/core/transaction-local.ts';
import { createDevice, EPOCH, makeSale, type TestDevice, UUID_V4, useTempDir } from './helpers.ts';

const dir = useTempDir();

function device(policy = SEED_POLICY): TestDevice {
  return createDevice(dir, { policy });
}

function result(overrides: Partial<ParsedSyncResult> = {}): ParsedSyncResult {
  return {
    offlineId: null,
    offlineReference: null,
    success: true,
    duplicate: false,
    serverId: null,
    transactionCode: null,
    error: null,
    ...overrides,
  };
}

async function statusOf(d: TestDevice, row: TransactionLocal): Promise<TransactionLocal> {
  const found = (await d.rows()).find((r) => r.offlineId === row.offlineId);
  if (found === undefined) throw new Error(`row ${row.offlineId} is gone`);
  return found;
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isSyncsimError(error) ? error.code : `not a SyncsimError: ${String(error)}`;
  }
  return undefined;
}

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isSyncsimError(error) ? error.code : `not a SyncsimError: ${String(error)}`;
  }
  return undefined;
}

describe('createTransaction', () => {
  it('stores a pending row with a UUID v4 offline id and the spec reference DEVICE_ID-<ms>', async () => {
    const d = device(SEED_POLICY);
    const sale = makeSale(1);
    const row = await d.core.store.createTransaction(sale);
    expect(row.offlineId).toMatch(UUID_V4);
    expect(row.offlineReference).toBe(`DEVICE001-${EPOCH}`);
    expect(row).toMatchObject({
      deviceId: 'DEVICE001',
      branchCode: 'BR-01',
      idUserApps: 42,
      grandTotal: sale.grandTotal,
      subtotal: sale.subtotal,
      discountTotal: sale.discountTotal,
      taxTotal: sale.taxTotal,
      status: 'completed',
      paymentStatus: 'paid',
      paymentMethod: 'CASH',
      syncStatus: 'pending',
      serverId: null,
      transactionCode: null,
      createdAtDevice: EPOCH,
      syncAttempts: 0,
      lastError: null,
      claimedAt: null,
      syncedAt: null,
    });
    expect(await d.rows()).toEqual([row]);
    expect(d.events).toContainEqual({
      type: 'transaction-created',
      rowId: row.id,
      offlineId: row.offlineId,
      offlineReference: row.offlineReference,
      createdAtDevice: EPOCH,
    });
  });

  it('draws distinct offline ids from the seeded stream, the same ones for the same seed', async () => {
    const a = createDevice(dir, { policy: HARDENED_POLICY, file: dir.file('a.sqlite'), seed: 7 });
    const b = createDevice(dir, { policy: HARDENED_POLICY, file: dir.file('b.sqlite'), seed: 7 });
    const idsA = (await a.sales(20)).map((row) => row.offlineId);
    const idsB = (await b.sales(20)).map((row) => row.offlineId);
    expect(new Set(idsA).size).toBe(20);
    for (const id of idsA) expect(id).toMatch(UUID_V4);
    expect(idsB).toEqual(idsA);
  });

  it('device-ms-seq appends a persisted sequence: unique in one millisecond, after a restart and a clock rollback', async () => {
    const d = device(HARDENED_POLICY);
    const first = await d.core.store.createTransaction(makeSale(1));
    const second = await d.core.store.createTransaction(makeSale(2));
    expect(first.offlineReference).toBe(`DEVICE001-${EPOCH}-1`);
    expect(second.offlineReference).toBe(`DEVICE001-${EPOCH}-2`);
    d.restart();
    d.clock.shiftWall(-1);
    const third = await d.core.store.createTransaction(makeSale(3));
    expect(third.offlineReference).toBe(`DEVICE001-${EPOCH - 1}-3`);
  });

  it('device-ms throws SYNCSIM_ERR_REFERENCE_COLLISION for a second sale in the same millisecond and keeps the first', async () => {
    const d = device(SEED_POLICY);
    await d.core.store.createTransaction(makeSale(1));
    expect(await rejectionCode(d.core.store.createTransaction(makeSale(2)))).toBe(
      'SYNCSIM_ERR_REFERENCE_COLLISION',
    );
    expect((await d.stats()).total).toBe(1);
  });

  it('round-trips money exactly: minor units in, major units on the wire, toMinor back', async () => {
    const d = device(HARDENED_POLICY);
    const minor = fc.integer({ min: 0, max: 100_000_000_000_000 });
    await fc.assert(
      fc.asyncProperty(minor, minor, minor, minor, minor, async (grand, sub, discount, tax, price) => {
        const sale = makeSale(1, {
          grandTotal: grand,
          subtotal: sub,
          discountTotal: discount,
          taxTotal: tax,
          items: [{ productId: 9, productName: 'Beras 5kg', quantity: 1.5, price, subtotal: price }],
        });
        const row = await d.core.store.createTransaction(sale);
        expect([row.grandTotal, row.subtotal, row.discountTotal, row.taxTotal]).toEqual([
          grand,
          sub,
          discount,
          tax,
        ]);
        const wire = toWireTransaction(row);
        expect(wire.grand_total).toBe(grand / 100);
        expect([
          toMinor(wire.grand_total),
          toMinor(wire.subtotal),
          toMinor(wire.discount_total),
          toMinor(wire.tax_total),
        ]).toEqual([grand, sub, discount, tax]);
        const item = wire.items[0];
        expect(item && [toMinor(item.price), toMinor(item.subtotal), item.quantity]).toEqual([
          price,
          price,
          1.5,
        ]);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps items as the wire JSON, amounts in major units, and maps the row to the wire', async () => {
    const d = device(SEED_POLICY);
    const sale = makeSale(1, { discountTotal: 1_001 });
    const row = await d.core.store.createTransaction(sale);
    expect(JSON.parse(row.itemsJson)).toEqual([
      { product_id: 1, product_name: 'Kopi Susu', quantity: 2, price: 15_000.07, subtotal: 30_000.14 },
      { product_id: 2, product_name: 'Roti Bakar', quantity: 1, price: 123.46, subtotal: 123.46 },
    ]);
    expect(itemsToWire(sale.items)).toEqual(JSON.parse(row.itemsJson));
    expect(toWireTransaction(row)).toEqual({
      offline_id: row.offlineId,
      offline_reference: `DEVICE001-${EPOCH}`,
      device_id: 'DEVICE001',
      branch_code: 'BR-01',
      id_user_apps: 42,
      grand_total: sale.grandTotal / 100,
      subtotal: sale.subtotal / 100,
      discount_total: 10.01,
      tax_total: sale.taxTotal / 100,
      status: 'completed',
      payment_status: 'paid',
      payment_method: 'CASH',
      created_at_device: new Date(EPOCH).toISOString(),
      items: JSON.parse(row.itemsJson),
    });
  });

  it('builds the batch body with the stored items JSON spliced in: the same text as stringifying the wire rows', async () => {
    const d = device(HARDENED_POLICY);
    const rows = [
      await d.core.store.createTransaction(makeSale(1, { discountTotal: 1_001 })),
      await d.core.store.createTransaction(
        makeSale(2, {
          status: 'completed "quoted" \\ \u2028',
          items: [{ productId: 7, productName: 'Es Teh "Manis"\n', quantity: 0.5, price: 5, subtotal: 3 }],
        }),
      ),
    ];
    const syncedAt = new Date(EPOCH + 1).toISOString();
    const body = batchSyncBody(rows, 'DEVICE "001"', syncedAt);
    expect(body).toBe(
      JSON.stringify({
        transactions: rows.map(toWireTransaction),
        device_id: 'DEVICE "001"',
        synced_at: syncedAt,
      }),
    );
    expect(batchSyncBody([], 'D', syncedAt)).toBe(
      JSON.stringify({ transactions: [], device_id: 'D', synced_at: syncedAt }),
    );
  });

  it('rejects amounts that are not integer minor units and stores nothing', async () => {
    const d = device(SEED_POLICY);
    expect(await rejectionCode(d.core.store.createTransaction(makeSale(1, { grandTotal: 10.5 })))).toBe(
      'SYNCSIM_ERR_INVALID_SALE',
    );
    const badItem = { productId: 1, productName: 'x', quantity: 1, price: 0.5, subtotal: 1 };
    expect(await rejectionCode(d.core.store.createTransaction(makeSale(1, { items: [badItem] })))).toBe(
      'SYNCSIM_ERR_INVALID_SALE',
    );
    expect(await rejectionCode(d.core.store.createTransaction(makeSale(1, { deviceId: '' })))).toBe(
      'SYNCSIM_ERR_INVALID_SALE',
    );
    expect((await d.stats()).total).toBe(0);
  });
});

describe('getPendingTransactions', () => {
  it('returns only pending rows, oldest first, all of them or at most limit', async () => {
    const d = device(SEED_POLICY);
    const rows = await d.sales(5);
    await d.core.store.updateSyncStatus({ offlineId: rows[1]!.offlineId, status: 'syncing' });
    await d.core.store.updateSyncStatus({ offlineId: rows[3]!.offlineId, status: 'synced', serverId: 1 });
    const pending = await d.core.store.getPendingTransactions();
    expect(pending.map((r) => r.offlineId)).toEqual([rows[0], rows[2], rows[4]].map((r) => r!.offlineId));
    const limited = await d.core.store.getPendingTransactions(2);
    expect(limited.map((r) => r.offlineId)).toEqual([rows[0], rows[2]].map((r) => r!.offlineId));
    expect((await d.core.store.getPendingTransactions(1)).map((r) => r.offlineId)).toEqual([
      rows[0]!.offlineId,
    ]);
    // The limit goes into the SQL text, so anything but a whole number >= 1 is refused before it gets there.
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(d.core.store.getPendingTransactions(bad)).rejects.toThrow(RangeError);
    }
  });

  it('orders by insertion, not by the device clock, after the clock went back', async () => {
    const d = device(HARDENED_POLICY);
    const first = await d.core.store.createTransaction(makeSale(1));
    d.clock.shiftWall(-60_000);
    const second = await d.core.store.createTransaction(makeSale(2));
    const pending = await d.core.store.getPendingTransactions();
    expect(pending.map((r) => r.offlineId)).toEqual([first.offlineId, second.offlineId]);
  });
});

describe('updateSyncStatus', () => {
  it('syncing stamps claimed_at and counts an attempt; synced stamps synced_at and keeps server fields', async () => {
    const d = device(SEED_POLICY);
    const [row] = await d.sales(1);
    d.clock.setWall(EPOCH + 5_000);
    await d.core.store.updateSyncStatus({ offlineId: row!.offlineId, status: 'syncing' });
    expect(await statusOf(d, row!)).toMatchObject({
      syncStatus: 'syncing',
      claimedAt: EPOCH + 5_000,
      syncAttempts: 1,
    });
    d.clock.setWall(EPOCH + 9_000);
    await d.core.store.updateSyncStatus({
      offlineId: row!.offlineId,
      status: 'synced',
      serverId: 77,
      transactionCode: 'TRX-77',
    });
    expect(await statusOf(d, row!)).toMatchObject({
      syncStatus: 'synced',
      serverId: 77,
      transactionCode: 'TRX-77',
      syncedAt: EPOCH + 9_000,
      claimedAt: EPOCH + 5_000,
      syncAttempts: 1,
      lastError: null,
    });
    // A later update without server fields keeps them.
    await d.core.store.updateSyncStatus({ offlineId: row!.offlineId, status: 'failed', error: 'boom' });
    expect(await statusOf(d, row!)).toMatchObject({
      syncStatus: 'failed',
      serverId: 77,
      transactionCode: 'TRX-77',
      lastError: 'boom',
    });
    expect(d.events.filter((e) => e.type === 'rows-claimed')).toEqual([
      { type: 'rows-claimed', rowIds: [row!.id], offlineIds: [row!.offlineId] },
    ]);
  });

  it('tells of no claim when no row has the offline id', async () => {
    const d = device(SEED_POLICY);
    await d.sales(1);
    await d.core.store.updateSyncStatus({ offlineId: 'no-such-row', status: 'syncing' });
    expect(d.events.filter((e) => e.type === 'rows-claimed')).toEqual([]);
    expect(await d.stats()).toMatchObject({ pending: 1, syncing: 0 });
  });

  it('touches only the row it names', async () => {
    const d = device(SEED_POLICY);
    const [a, b] = await d.sales(2);
    await d.core.store.updateSyncStatus({ offlineId: a!.offlineId, status: 'failed', error: 'x' });
    expect((await statusOf(d, b!)).syncStatus).toBe('pending');
    await d.core.store.updateSyncStatus({ offlineId: 'no-such-id', status: 'synced' });
    expect(await d.stats()).toMatchObject({ pending: 1, failed: 1, synced: 0 });
  });
});

describe('claimPending', () => {
  it('claims only rows still pending and returns them as syncing', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(4);
    await d.core.store.updateSyncStatus({ offlineId: rows[1]!.offlineId, status: 'synced', serverId: 1 });
    await d.core.store.markFailed([rows[2]!.offlineId], 'rejected');
    d.clock.setWall(EPOCH + 1_234);
    const claimed = await d.core.store.claimPending(rows);
    expect(claimed.map((r) => r.offlineId)).toEqual([rows[0]!.offlineId, rows[3]!.offlineId]);
    for (const row of claimed)
      expect(row).toMatchObject({ syncStatus: 'syncing', claimedAt: EPOCH + 1_234, syncAttempts: 1 });
    expect(await d.stats()).toMatchObject({ pending: 0, syncing: 2, synced: 1, failed: 1 });
    // A second claim of the same rows (another run holding a stale read) gets nothing.
    expect(await d.core.store.claimPending(rows)).toEqual([]);
    expect((await statusOf(d, rows[0]!)).syncAttempts).toBe(1);
  });

  it('claims more rows than fit in one statement', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(1_100);
    const claimed = await d.core.store.claimPending(rows);
    expect(claimed).toHaveLength(1_100);
    expect(await d.stats()).toMatchObject({ pending: 0, syncing: 1_100 });
    expect(
      await d.core.store.releaseToPending(
        rows.map((r) => r.offlineId),
        'transport-error',
        'x',
      ),
    ).toBe(1_100);
  });
});

describe('batchUpdateSyncStatus', () => {
  async function claimed(d: TestDevice, count: number): Promise<TransactionLocal[]> {
    const rows = await d.sales(count);
    return d.core.store.claimPending(rows);
  }

  // Small batches are applied a statement per row, larger ones in one statement: both must write the same.
  let runs = 0;
  it('writes every covered row as its result says and leaves the rest, for batches of 1 to 20 rows', async () => {
    const answer = fc.record({
      kind: fc.constantFrom('synced', 'duplicate', 'failed', 'failed-no-reason', 'omitted'),
      serverId: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }),
      code: fc.option(fc.string({ maxLength: 12 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer, { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (answers, reversed) => {
          const d = createDevice(dir, { policy: HARDENED_POLICY, file: dir.file(`apply-${++runs}.sqlite`) });
          const sent = await claimed(d, answers.length);
          await d.clock.advance(1_000);
          const results = answers.flatMap((a, index): ParsedSyncResult[] =>
            a.kind === 'omitted'
              ? []
              : [
                  result({
                    offlineId: sent[index]!.offlineId,
                    success: a.kind === 'synced' || a.kind === 'duplicate',
                    duplicate: a.kind === 'duplicate',
                    serverId: a.serverId,
                    transactionCode: a.code,
                    error: a.kind === 'failed' ? `reason ${index}` : null,
                  }),
                ],
          );
          const outcomes = await d.core.store.batchUpdateSyncStatus(
            reversed ? [...results].reverse() : results,
            sent,
          );
          expect(outcomes).toHaveLength(results.length);
          const rows = await d.rows();
          rows.forEach((row, index) => {
            const a = answers[index]!;
            const ok = a.kind === 'synced' || a.kind === 'duplicate';
            if (a.kind === 'omitted') {
              expect(row).toMatchObject({ syncStatus: 'syncing', serverId: null, syncedAt: null });
              return;
            }
            expect(row).toMatchObject({
              syncStatus: ok ? 'synced' : 'failed',
              serverId: a.serverId,
              transactionCode: a.code,
              lastError: ok
                ? null
                : a.kind === 'failed'
                  ? `reason ${index}`
                  : 'rejected by the server without a reason',
              syncedAt: ok ? d.clock.now() : null,
            });
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('matches results by offline_id, whatever their order, and stores server id and code', async () => {
    const d = device(HARDENED_POLICY);
    const sent = await claimed(d, 3);
    const outcomes = await d.core.store.batchUpdateSyncStatus(
      [
        result({ offlineId: sent[2]!.offlineId, serverId: 3, transactionCode: 'C3' }),
        result({ offlineId: sent[0]!.offlineId, serverId: 1, transactionCode: 'C1', duplicate: true }),
        result({ offlineId: sent[1]!.offlineId, serverId: 2, transactionCode: 'C2' }),
      ],
      sent,
      9,
    );
    expect(outcomes.map((o) => [o.offlineId, o.status, o.serverId, o.duplicate])).toEqual([
      [sent[2]!.offlineId, 'synced', 3, false],
      [sent[0]!.offlineId, 'synced', 1, true],
      [sent[1]!.offlineId, 'synced', 2, false],
    ]);
    const rows = await d.rows();
    expect(rows.map((r) => [r.syncStatus, r.serverId, r.transactionCode])).toEqual([
      ['synced', 1, 'C1'],
      ['synced', 2, 'C2'],
      ['synced', 3, 'C3'],
    ]);
    expect(rows.every((r) => r.syncedAt === d.clock.now())).toBe(true);
    expect(d.events).toContainEqual({ type: 'rows-applied', batchId: 9, outcomes });
  });

  it('matches by offline_reference when the backend omits offline_id', async () => {
    const d = device(HARDENED_POLICY);
    const sent = await claimed(d, 2);
    await d.core.store.batchUpdateSyncStatus(
      [
        result({ offlineReference: sent[1]!.offlineReference, serverId: 20 }),
        result({ offlineReference: sent[0]!.offlineReference, serverId: 10 }),
      ],
      sent,
    );
    expect((await d.rows()).map((r) => r.serverId)).toEqual([10, 20]);
  });

  it('matches by position when the backend omits both ids and answers every row', async () => {
    const d = device(HARDENED_POLICY);
    const sent = await claimed(d, 3);
    await d.core.store.batchUpdateSyncStatus(
      [result({ serverId: 100 }), result({ success: false, error: 'bad total' }), result({ serverId: 300 })],
      sent,
    );
    expect((await d.rows()).map((r) => [r.syncStatus, r.serverId, r.lastError])).toEqual([
      ['synced', 100, null],
      ['failed', null, 'bad total'],
      ['synced', 300, null],
    ]);
  });

  it('does not guess by position when results without ids are fewer than the rows sent', async () => {
    const d = device(HARDENED_POLICY);
    const sent = await claimed(d, 3);
    const outcomes = await d.core.store.batchUpdateSyncStatus(
      [result({ serverId: 1 }), result({ serverId: 2 })],
      sent,
    );
    expect(outcomes).toEqual([]);
    expect(await d.stats()).toMatchObject({ syncing: 3, synced: 0 });
  });

  it('leaves rows missing from the results as they are and reports only the covered ones', async () => {
    const d = device(HARDENED_POLICY);
    const sent = await claimed(d, 3);
    const outcomes = await d.core.store.batchUpdateSyncStatus(
      [result({ offlineId: sent[1]!.offlineId })],
      sent,
    );
    expect(outcomes.map((o) => o.offlineId)).toEqual([sent[1]!.offlineId]);
    expect((await d.rows()).map((r) => r.syncStatus)).toEqual(['syncing', 'synced', 'syncing']);
  });

  it('first answer wins for a row answered twice; answers for rows not sent are ignored', async () => {
    const d = device(HARDENED_POLICY);
    const [a, b] = await claimed(d, 2);
    const other = (await d.sales(1, 50))[0]!;
    const outcomes = await d.core.store.batchUpdateSyncStatus(
      [
        result({ offlineId: a!.offlineId, serverId: 1 }),
        result({ offlineId: a!.offlineId, success: false, error: 'second answer' }),
        result({ offlineId: other.offlineId, serverId: 99 }),
        result({ offlineReference: b!.offlineReference, success: false, error: 'duplicate product line' }),
      ],
      [a!, b!],
    );
    expect(outcomes).toHaveLength(2);
    expect(await statusOf(d, a!)).toMatchObject({ syncStatus: 'synced', serverId: 1, lastError: null });
    expect(await statusOf(d, b!)).toMatchObject({
      syncStatus: 'failed',
      lastError: 'duplicate product line',
    });
    expect(await statusOf(d, other)).toMatchObject({ syncStatus: 'pending', serverId: null });
  });

  it('a failed result keeps its reason, or says the server gave none', async () => {
    const d = device(HARDENED_POLICY);
    const [a, b] = await claimed(d, 2);
    const outcomes = await d.core.store.batchUpdateSyncStatus(
      [
        result({ offlineId: a!.offlineId, success: false, error: 'branch closed' }),
        result({ offlineId: b!.offlineId, success: false }),
      ],
      [a!, b!],
    );
    expect(outcomes.map((o) => [o.status, o.error])).toEqual([
      ['failed', 'branch closed'],
      ['failed', 'rejected by the server without a reason'],
    ]);
    expect((await d.rows()).map((r) => r.lastError)).toEqual([
      'branch closed',
      'rejected by the server without a reason',
    ]);
  });
});

describe('markFailed, releaseToPending, releaseExpiredLeases, releaseSyncingRows', () => {
  it('markFailed marks the named rows failed with the reason', async () => {
    const d = device(HARDENED_POLICY);
    const [a, b] = await d.sales(2);
    await d.core.store.markFailed([a!.offlineId, 'no-such-row'], 'rejected: HTTP 400');
    expect(await statusOf(d, a!)).toMatchObject({ syncStatus: 'failed', lastError: 'rejected: HTTP 400' });
    expect((await statusOf(d, b!)).syncStatus).toBe('pending');
    // The outcome names the row by both ids; an offline id with no row has none.
    expect(d.events).toContainEqual({
      type: 'rows-applied',
      batchId: 0,
      outcomes: [
        {
          rowId: a!.id,
          offlineId: a!.offlineId,
          status: 'failed',
          duplicate: false,
          serverId: null,
          error: 'rejected: HTTP 400',
        },
      ],
    });
  });

  it('releaseToPending puts back only rows still syncing, clears the claim and records the error', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(3);
    await d.core.store.claimPending(rows.slice(0, 2));
    await d.core.store.updateSyncStatus({ offlineId: rows[1]!.offlineId, status: 'synced', serverId: 5 });
    const released = await d.core.store.releaseToPending(
      rows.map((r) => r.offlineId),
      'transport-error',
      'connection reset',
    );
    expect(released).toBe(1);
    expect(await statusOf(d, rows[0]!)).toMatchObject({
      syncStatus: 'pending',
      claimedAt: null,
      lastError: 'connection reset',
      syncAttempts: 1,
    });
    expect((await statusOf(d, rows[1]!)).syncStatus).toBe('synced');
    expect((await statusOf(d, rows[2]!)).lastError).toBeNull();
    expect(d.events).toContainEqual({
      type: 'rows-released',
      rowIds: [rows[0]!.id],
      offlineIds: [rows[0]!.offlineId],
      reason: 'transport-error',
    });
  });

  it('releaseExpiredLeases releases claims at least leaseMs old, keeps younger ones', async () => {
    const d = device(HARDENED_POLICY);
    const [old, young] = await d.sales(2);
    await d.core.store.claimPending([old!]);
    d.clock.shiftWall(40_000);
    await d.core.store.claimPending([young!]);
    d.clock.shiftWall(19_999);
    expect(await d.core.store.releaseExpiredLeases(60_000)).toBe(0);
    d.clock.shiftWall(1);
    expect(await d.core.store.releaseExpiredLeases(60_000)).toBe(1);
    expect(await statusOf(d, old!)).toMatchObject({ syncStatus: 'pending', lastError: 'lease expired' });
    expect((await statusOf(d, young!)).syncStatus).toBe('syncing');
  });

  it('releaseExpiredLeases releases a claim stamped in the future after the clock went back', async () => {
    const d = device(HARDENED_POLICY);
    const [row] = await d.sales(1);
    await d.core.store.claimPending([row!]);
    d.clock.shiftWall(-3_600_000);
    expect(await d.core.store.releaseExpiredLeases(300_000)).toBe(1);
    expect((await statusOf(d, row!)).syncStatus).toBe('pending');
  });

  it('syncingRowIds and releaseSyncingRows: the given rows still syncing go back, no others', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(5);
    await d.core.store.claimPending(rows.slice(0, 3));
    await d.core.store.markFailed([rows[2]!.offlineId], 'no');
    const held = d.core.store.syncingRowIds();
    expect(held).toEqual([rows[0]!.id, rows[1]!.id]);
    await d.core.store.claimPending(rows.slice(4));
    // The failed row and a row claimed later are not among them.
    expect(await d.core.store.releaseSyncingRows([...held, rows[2]!.id])).toBe(2);
    expect(await d.stats()).toMatchObject({ pending: 3, syncing: 1, failed: 1 });
    expect((await statusOf(d, rows[0]!)).lastError).toBe('recovered at start-up');
    expect(d.events).toContainEqual({
      type: 'rows-released',
      rowIds: [rows[0]!.id, rows[1]!.id],
      offlineIds: [rows[0]!.offlineId, rows[1]!.offlineId],
      reason: 'startup',
    });
  });
});

describe('getStatistics, retryFailedTransactions, cleanupOldSyncedTransactions, listTransactions', () => {
  it('getStatistics counts each status and the total', async () => {
    const d = device(HARDENED_POLICY);
    expect(await d.stats()).toEqual({ pending: 0, syncing: 0, synced: 0, failed: 0, total: 0 });
    const rows = await d.sales(6);
    await d.core.store.claimPending(rows.slice(0, 4));
    await d.core.store.updateSyncStatus({ offlineId: rows[0]!.offlineId, status: 'synced' });
    await d.core.store.updateSyncStatus({ offlineId: rows[1]!.offlineId, status: 'synced' });
    await d.core.store.markFailed([rows[2]!.offlineId], 'x');
    expect(await d.stats()).toEqual({ pending: 2, syncing: 1, synced: 2, failed: 1, total: 6 });
  });

  it('retryFailedTransactions moves failed rows (only) back to pending and clears the error', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(3);
    await d.core.store.markFailed([rows[0]!.offlineId, rows[1]!.offlineId], 'rejected');
    await d.core.store.claimPending([rows[2]!]);
    expect(await d.core.store.retryFailedTransactions()).toBe(2);
    expect((await d.rows()).map((r) => [r.syncStatus, r.lastError])).toEqual([
      ['pending', null],
      ['pending', null],
      ['syncing', null],
    ]);
    expect(await d.core.store.retryFailedTransactions()).toBe(0);
  });

  it('cleanupOldSyncedTransactions deletes synced rows older than daysOld (30 by default) and nothing else', async () => {
    const d = device(HARDENED_POLICY);
    const day = 86_400_000;
    const rows = await d.sales(4);
    await d.core.store.updateSyncStatus({ offlineId: rows[0]!.offlineId, status: 'synced' });
    await d.core.store.markFailed([rows[1]!.offlineId], 'x');
    d.clock.shiftWall(10 * day);
    await d.core.store.updateSyncStatus({ offlineId: rows[2]!.offlineId, status: 'synced' });
    // rows[3] stays pending.
    d.clock.shiftWall(21 * day);
    expect(await d.core.store.cleanupOldSyncedTransactions()).toBe(1);
    expect((await d.rows()).map((r) => r.offlineId)).toEqual(
      [rows[1], rows[2], rows[3]].map((r) => r!.offlineId),
    );
    expect(await d.core.store.cleanupOldSyncedTransactions(21)).toBe(0);
    expect(await d.core.store.cleanupOldSyncedTransactions(20)).toBe(1);
    expect(await d.stats()).toMatchObject({ synced: 0, failed: 1, pending: 1, total: 2 });
  });

  it('listTransactions lists every row oldest first, by status, with limit and offset', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(5);
    await d.core.store.markFailed([rows[1]!.offlineId, rows[3]!.offlineId], 'x');
    const ids = (list: TransactionLocal[]) => list.map((r) => r.offlineId);
    expect(ids(await d.core.store.listTransactions())).toEqual(ids(rows));
    expect(ids(await d.core.store.listTransactions({ status: 'failed' }))).toEqual(ids([rows[1]!, rows[3]!]));
    expect(ids(await d.core.store.listTransactions({ limit: 2, offset: 1 }))).toEqual(ids(rows.slice(1, 3)));
    expect(ids(await d.core.store.listTransactions({ status: 'pending', offset: 1 }))).toEqual(
      ids([rows[2]!, rows[4]!]),
    );
  });

  it('listSaleKeys gives the offline id and the reference of every row, whatever its status', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(4);
    await d.core.store.markFailed([rows[2]!.offlineId], 'x');
    const keys = await d.core.store.listSaleKeys();
    expect([...keys.offlineIds].sort()).toEqual(rows.map((row) => row.offlineId).sort());
    expect([...keys.offlineReferences].sort()).toEqual(rows.map((row) => row.offlineReference).sort());
  });
});

describe('schema and database lifecycle', () => {
  it('migrates to SCHEMA_VERSION with WAL and synchronous=NORMAL', async () => {
    const d = device(SEED_POLICY);
    const db = d.core.database.connection();
    expect(Number(db.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(d.core.database.integrityCheck()).toBe('ok');
  });

  it("journal 'memory': an exclusive file with no -wal or -shm, its page size, and rollback on a throw", () => {
    const path = dir.file('memory-journal.sqlite');
    const database = new DeviceDatabase(path, { journal: 'memory', synchronous: 'off', pageSize: 1024 });
    dir.defer(() => database.dispose());
    const db = database.connection();
    expect(db.pragma('journal_mode', { simple: true })).toBe('memory');
    expect(db.pragma('locking_mode', { simple: true })).toBe('exclusive');
    expect(db.pragma('page_size', { simple: true })).toBe(1024);
    expect(db.pragma('synchronous', { simple: true })).toBe(0);
    const insert = (key: string) =>
      database.statement('INSERT INTO device_meta (key, value) VALUES (?, 1)').run(key);
    database.transaction(() => insert('committed'));
    expect(() =>
      database.transaction(() => {
        insert('rolled-back');
        throw new Error('crash');
      }),
    ).toThrow('crash');
    // The file is the harness's alone while open: another connection cannot even read it.
    expect(() => new Database(path, { timeout: 0 }).prepare('SELECT 1 FROM device_meta').all()).toThrow(
      /database is locked/,
    );
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`) || existsSync(`${path}-journal`)).toBe(
      false,
    );
    database.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT key FROM device_meta').pluck().all()).toEqual(['committed']);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('the CHECK on sync_status rejects any other value', async () => {
    const d = device(SEED_POLICY);
    await d.sales(1);
    const db = d.core.database.connection();
    expect(() => db.prepare(`UPDATE transaction_local SET sync_status = 'done'`).run()).toThrow(
      /CHECK constraint/,
    );
    expect((await d.stats()).pending).toBe(1);
  });

  it('offline_id and offline_reference are UNIQUE', async () => {
    const d = device(HARDENED_POLICY);
    const [a, b] = await d.sales(2);
    const db = d.core.database.connection();
    const set = (column: string, value: string) =>
      db.prepare(`UPDATE transaction_local SET ${column} = ? WHERE offline_id = ?`).run(value, b!.offlineId);
    expect(() => set('offline_id', a!.offlineId)).toThrow(
      /UNIQUE constraint failed: transaction_local.offline_id/,
    );
    expect(() => set('offline_reference', a!.offlineReference)).toThrow(
      /UNIQUE constraint failed: transaction_local.offline_reference/,
    );
  });

  it('refuses a file with a newer user_version with SYNCSIM_ERR_DEVICE_DB_VERSION and leaves it alone', () => {
    const path = dir.file('newer.sqlite');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const database = new DeviceDatabase(path);
    dir.defer(() => database.dispose());
    expect(errorCode(() => database.connection())).toBe('SYNCSIM_ERR_DEVICE_DB_VERSION');
    expect(database.isOpen).toBe(false);
    const check = new Database(path, { readonly: true });
    expect(Number(check.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION + 1);
    expect(
      check.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'transaction_local'`).get(),
    ).toEqual({
      n: 0,
    });
    check.close();
  });

  it('read-only, a file that is not a device file says what it holds instead, and is left alone', () => {
    const ledger = dir.file('server.sqlite');
    const raw = new Database(ledger);
    raw.exec('CREATE TABLE pos_transactions (server_id INTEGER PRIMARY KEY)');
    raw.close();
    const empty = dir.file('empty.sqlite');
    new Database(empty).close();
    const message = (path: string) => {
      const database = new DeviceDatabase(path, { readonly: true });
      dir.defer(() => database.dispose());
      try {
        database.connection();
      } catch (error) {
        return (error as Error).message;
      }
      return 'opened';
    };
    expect(message(ledger)).toBe(
      `cannot open device database ${ledger}: not a syncsim device file: it holds other tables (pos_transactions)`,
    );
    expect(message(empty)).toBe(
      `cannot open device database ${empty}: not a syncsim device file: it holds no tables`,
    );
    const check = new Database(ledger, { readonly: true });
    expect(Number(check.pragma('user_version', { simple: true }))).toBe(0);
    check.close();
  });

  it('close() then any access reopens the file transparently, with the data intact', async () => {
    const d = device(HARDENED_POLICY);
    await d.sales(2);
    d.core.database.close();
    expect(d.core.database.isOpen).toBe(false);
    expect((await d.stats()).total).toBe(2);
    expect(d.core.database.isOpen).toBe(true);
    d.core.database.close();
    const row = await d.core.store.createTransaction(makeSale(3));
    expect(row.offlineReference).toBe(`DEVICE001-${EPOCH + 2}-3`);
  });

  it('dispose() then any access throws SYNCSIM_ERR_DEVICE_DB_DISPOSED', async () => {
    const d = device(HARDENED_POLICY);
    await d.sales(1);
    d.core.database.dispose();
    expect(d.core.database.isOpen).toBe(false);
    expect(await rejectionCode(d.stats())).toBe('SYNCSIM_ERR_DEVICE_DB_DISPOSED');
    expect(await rejectionCode(d.core.store.createTransaction(makeSale(2)))).toBe(
      'SYNCSIM_ERR_DEVICE_DB_DISPOSED',
    );
    expect(errorCode(() => d.core.database.connection())).toBe('SYNCSIM_ERR_DEVICE_DB_DISPOSED');
  });

  it('a second DeviceDatabase over the same file sees committed rows', async () => {
    const d = device(resolvePolicy('seed'));
    const [row] = await d.sales(1);
    const other = new DeviceDatabase(d.file);
    dir.defer(() => other.dispose());
    expect(other.connection().prepare('SELECT offline_id FROM transaction_local').all()).toEqual([
      { offline_id: row!.offlineId },
    ]);
  });
});
