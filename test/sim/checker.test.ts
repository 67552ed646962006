import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toMajor } from '../../src/core/money.ts';
import type { TransactionLocal } from '../../src/core/transaction-local.ts';
import {
  type CheckInput,
  checkInvariants,
  InvariantCheck,
  type Invariants,
  isClean,
  saleKeyLists,
} from '../../src/sim/checker.ts';
import { type LedgerRow, serverRowOf } from '../../src/sim/ledger-row.ts';
import { TraceRecorder } from '../../src/sim/trace.ts';
import {
  cleanLedger,
  itemsJsonOf,
  itemsOf,
  sale,
  stored,
  uuidFor,
  withoutOfflineId,
} from './checker-fixtures.ts';
import { claimed, created } from './core-events.ts';
import { CLEAN_INVARIANTS } from './helpers.ts';

const ZERO: Invariants = CLEAN_INVARIANTS;

function check(input: Partial<CheckInput> & Pick<CheckInput, 'rows' | 'ledger'>) {
  return checkInvariants(input);
}

describe('checkInvariants: one violation at a time', () => {
  it('reports a clean run as all zero', () => {
    const rows = [sale(), sale(), sale({ deviceId: 'DEV-2' })];
    const result = check({ rows, ledger: cleanLedger(rows) });
    expect(result.invariants).toEqual(ZERO);
    expect(isClean(result.invariants)).toBe(true);
    expect(result.matchedBy).toBe('offline-id');
    expect(result.sales).toBe(3);
    expect(result.ledgerRows).toBe(3);
    for (const examples of Object.values(result.examples)) expect(examples).toEqual([]);
  });

  it('finds a lost sale that is still pending: lost and stuck, not unsound', () => {
    const rows = [sale(), sale({ syncStatus: 'pending' })];
    const result = check({ rows, ledger: cleanLedger(rows).slice(0, 1) });
    expect(result.invariants).toEqual({ ...ZERO, lost: 1, stuck: 1 });
    expect(result.examples.lost[0]).toMatchObject({ offlineId: rows[1]!.offlineId, server: [] });
    expect(result.examples.stuck[0]!.detail).toContain('does not hold it');
  });

  it('finds a synced sale the server lacks: lost and unsound', () => {
    const rows = [sale(), sale()];
    const result = check({ rows, ledger: cleanLedger(rows).slice(1) });
    expect(result.invariants).toEqual({ ...ZERO, lost: 1, unsound: 1 });
    expect(result.examples.unsound[0]!.device).toBe(rows[0]);
  });

  it('finds a sale stored twice', () => {
    const rows = [sale(), sale()];
    const ledger = [...cleanLedger(rows), stored(rows[1]!, 99)];
    const result = check({ rows, ledger });
    expect(result.invariants).toEqual({ ...ZERO, duplicated: 1 });
    const example = result.examples.duplicated[0]!;
    expect(example.offlineId).toBe(rows[1]!.offlineId);
    expect(example.server!.map((row) => row.serverId)).toEqual([2, 99]);
    expect(example.detail).toContain('stored 2 times');
  });

  it('finds a phantom row', () => {
    const rows = [sale()];
    const ghost = stored(sale({ deviceId: 'DEV-9' }), 50);
    const result = check({ rows, ledger: [...cleanLedger(rows), ghost] });
    expect(result.invariants).toEqual({ ...ZERO, phantom: 1 });
    expect(result.examples.phantom[0]).toMatchObject({
      offlineId: ghost.offlineId,
      device: null,
      server: [serverRowOf(ghost)],
    });
  });

  it('finds a mismatched total and reports the difference in major units', () => {
    const rows = [sale()];
    const row = stored(rows[0]!, 1);
    const result = check({ rows, ledger: [{ ...row, grandTotal: row.grandTotal! + 1 }] });
    expect(result.invariants).toEqual({ ...ZERO, mismatched: 1 });
    expect(result.examples.mismatched[0]!.differences).toEqual([
      { field: 'grandTotal', device: toMajor(rows[0]!.grandTotal), server: toMajor(rows[0]!.grandTotal) + 1 },
    ]);
  });

  it('finds mismatched items, reference and device, and ignores item order and absent columns', () => {
    const rows = [sale(), sale(), sale(), sale()];
    const ledger = cleanLedger(rows);
    const items = itemsOf(ledger[0]!);
    const result = check({
      rows,
      ledger: [
        { ...ledger[0]!, itemsJson: JSON.stringify([{ ...items[0]!, quantity: 3 }, items[1]!]) },
        { ...ledger[1]!, offlineReference: 'DEV-1-0', deviceId: 'DEV-X' },
        { ...ledger[2]!, itemsJson: JSON.stringify(itemsOf(ledger[2]!).reverse()) },
        {
          ...ledger[3]!,
          grandTotal: null,
          subtotal: null,
          taxTotal: null,
          discountTotal: null,
          itemsJson: null,
          deviceId: null,
        },
      ],
    });
    expect(result.invariants).toEqual({ ...ZERO, mismatched: 2 });
    expect(result.examples.mismatched.map((v) => v.differences.map((d) => d.field))).toEqual([
      ['items'],
      ['offlineReference', 'deviceId'],
    ]);
    // A violation shows items as lists, on both sides and in its server rows, whatever the ledger kept.
    const [changed] = result.examples.mismatched;
    expect(changed!.differences[0]).toEqual({
      field: 'items',
      device: JSON.parse(rows[0]!.itemsJson),
      server: [{ ...items[0]!, quantity: 3 }, items[1]!],
    });
    expect(changed!.server![0]!.items).toEqual([{ ...items[0]!, quantity: 3 }, items[1]!]);
    expect(changed!.server![0]).not.toHaveProperty('itemsJson');
  });

  it('finds a stuck sale the server holds (a lost acknowledgement)', () => {
    const rows = [sale({ syncStatus: 'syncing' })];
    const result = check({ rows, ledger: cleanLedger(rows) });
    expect(result.invariants).toEqual({ ...ZERO, stuck: 1 });
    expect(result.examples.stuck[0]!.detail).toBe('still syncing after the heal phase; the server holds it');
  });

  it('counts a sale the server rejected as rejected, not stuck or lost', () => {
    const rejected = sale({ syncStatus: 'failed', lastError: 'grand_total: must be >= 0' });
    const noReason = sale({ syncStatus: 'failed', lastError: null });
    const result = check({ rows: [rejected, noReason], ledger: [] });
    expect(result.invariants).toEqual({ ...ZERO, rejected: 1, stuck: 1, lost: 1 });
    expect(result.examples.rejected[0]!.detail).toContain('grand_total');
    expect(result.examples.lost[0]!.offlineId).toBe(noReason.offlineId);
  });

  it('counts a failed sale the server does hold as stuck', () => {
    const rows = [sale({ syncStatus: 'failed', lastError: 'HTTP 500' })];
    const result = check({ rows, ledger: cleanLedger(rows) });
    expect(result.invariants).toEqual({ ...ZERO, stuck: 1 });
  });

  it('finds two sales sharing a reference, and the one the server dropped as a duplicate', () => {
    const a = sale({ createdAtDevice: 1_000 });
    const b = sale({ createdAtDevice: 1_000, grandTotal: 5_000 });
    expect(a.offlineReference).toBe(b.offlineReference);
    const result = check({ rows: [a, b], ledger: [stored(a, 1)] });
    expect(result.invariants).toEqual({ ...ZERO, collided: 1, lost: 1, unsound: 1 });
    expect(result.examples.collided[0]).toMatchObject({ offlineId: b.offlineId, related: [a.offlineId] });
    expect(result.examples.unsound[0]!.detail).toContain('another sale (server id 1)');
    expect(result.examples.unsound[0]!.server!.map((row) => row.offlineId)).toEqual([a.offlineId]);
  });

  it('counts a sale that could not be recorded because its reference collided locally', () => {
    const a = sale({ createdAtDevice: 2_000 });
    const failure = {
      deviceId: 'DEV-1',
      atMs: 5,
      reference: a.offlineReference,
      error: 'UNIQUE constraint failed',
    };
    const lone = { deviceId: 'DEV-1', atMs: 6, reference: 'DEV-1-77', error: 'disk I/O error' };
    const result = check({ rows: [a], localFailures: [failure, lone], ledger: cleanLedger([a]) });
    expect(result.invariants).toEqual({ ...ZERO, collided: 1 });
    expect(result.localFailures).toBe(2);
    const example = result.examples.collided[0]!;
    expect(example).toMatchObject({
      offlineId: null,
      device: null,
      localFailure: failure,
      related: [a.offlineId],
    });
    expect(example.server!.map((row) => row.serverId)).toEqual([1]);
  });
});

describe('checkInvariants: matching by reference', () => {
  it('reports a clean run as clean', () => {
    const rows = [sale(), sale()];
    const result = check({ rows, ledger: withoutOfflineId(cleanLedger(rows)) });
    expect(result.matchedBy).toBe('offline-reference');
    expect(result.invariants).toEqual(ZERO);
  });

  it('tells the dropped colliding sale from the kept one by content', () => {
    const a = sale({ createdAtDevice: 3_000 });
    const b = sale({ createdAtDevice: 3_000, grandTotal: 5_000 });
    // The kept sale comes second in the input: assignment must not depend on order.
    const result = check({ rows: [b, a], ledger: withoutOfflineId([stored(a, 1)]) });
    expect(result.invariants).toEqual({ ...ZERO, collided: 1, lost: 1, unsound: 1 });
    expect(result.examples.lost[0]!.offlineId).toBe(b.offlineId);
  });

  it('keeps two colliding sales both stored apart (a backend without a unique index)', () => {
    const a = sale({ createdAtDevice: 4_000 });
    const b = sale({ createdAtDevice: 4_000, grandTotal: 5_000 });
    const result = check({ rows: [a, b], ledger: withoutOfflineId([stored(b, 1), stored(a, 2)]) });
    expect(result.invariants).toEqual({ ...ZERO, collided: 1 });
  });

  it('attributes an extra copy to the sale it equals', () => {
    const a = sale({ createdAtDevice: 5_000 });
    const b = sale({ createdAtDevice: 5_000, grandTotal: 5_000, syncStatus: 'pending' });
    const result = check({ rows: [a, b], ledger: withoutOfflineId([stored(a, 1), stored(a, 2)]) });
    expect(result.invariants).toEqual({ ...ZERO, collided: 1, duplicated: 1, lost: 1, stuck: 1 });
    expect(result.examples.duplicated[0]!.offlineId).toBe(a.offlineId);
    expect(result.examples.lost[0]!.offlineId).toBe(b.offlineId);
  });

  it('matches the whole ledger by reference when any row lacks an offline id', () => {
    const rows = [sale(), sale()];
    const ledger = cleanLedger(rows);
    const result = check({ rows, ledger: [ledger[0]!, { ...ledger[1]!, offlineId: null }] });
    expect(result.matchedBy).toBe('offline-reference');
    expect(result.invariants).toEqual(ZERO);
  });
});

describe('checkInvariants: mixed, no ledger, shards, traces', () => {
  it('counts several kinds at once', () => {
    const fine = sale();
    const lost = sale();
    const dup = sale();
    const altered = sale();
    const stuck = sale({ syncStatus: 'pending' });
    const rejected = sale({ syncStatus: 'failed', lastError: 'bad item' });
    const c1 = sale({ createdAtDevice: 9_000 });
    const c2 = sale({ createdAtDevice: 9_000, taxTotal: 1 });
    const rows = [fine, lost, dup, altered, stuck, rejected, c1, c2];
    const ledger: LedgerRow[] = [
      stored(fine, 1),
      stored(dup, 2),
      stored(dup, 3),
      { ...stored(altered, 4), subtotal: 1 },
      stored(stuck, 5),
      stored(c1, 6),
      stored(sale({ deviceId: 'DEV-2' }), 7),
    ];
    const result = check({ rows, ledger });
    expect(result.invariants).toEqual({
      checked: true,
      lost: 2,
      duplicated: 1,
      phantom: 1,
      mismatched: 1,
      unsound: 2,
      stuck: 1,
      collided: 1,
      rejected: 1,
    });
    expect(result.examples.lost.map((v) => v.offlineId)).toEqual([lost.offlineId, c2.offlineId]);
    expect(isClean(result.invariants)).toBe(false);
  });

  it('reports the ledger invariants as not checked without a ledger, and still checks stuck and collided', () => {
    const rows = [
      sale({ syncStatus: 'syncing' }),
      sale({ createdAtDevice: 7_000 }),
      sale({ createdAtDevice: 7_000 }),
      sale({ syncStatus: 'failed', lastError: 'no' }),
    ];
    const result = check({ rows, ledger: null });
    expect(result.invariants).toEqual({
      checked: false,
      lost: null,
      duplicated: null,
      phantom: null,
      mismatched: null,
      unsound: null,
      stuck: 1,
      collided: 1,
      rejected: 1,
    });
    expect(result.matchedBy).toBeNull();
    expect(result.ledgerRows).toBeNull();
    expect(result.salesByStatus).toEqual({ pending: 0, syncing: 1, synced: 2, failed: 1 });
    expect(result.examples.stuck[0]!.server).toBeNull();
    expect(result.examples.collided[0]!.server).toBeNull();
    expect(isClean(result.invariants)).toBe(false);
  });

  it('restricts phantom rows to the devices of a shard', () => {
    const mine = [sale({ deviceId: 'DEV-1' }), sale({ deviceId: 'DEV-3' })];
    const other = stored(sale({ deviceId: 'DEV-2' }), 10);
    const anonymous = { ...stored(sale({ deviceId: 'DEV-4' }), 11), deviceId: null };
    const strayOfMine = stored(sale({ deviceId: 'DEV-3' }), 12);
    const ledger = [...cleanLedger(mine), other, anonymous, strayOfMine];
    const shard = check({ rows: mine, ledger, deviceIds: new Set(['DEV-1', 'DEV-3']) });
    expect(shard.invariants).toEqual({ ...ZERO, phantom: 1 });
    expect(shard.examples.phantom[0]!.server).toEqual([serverRowOf(strayOfMine)]);
    expect(shard.ledgerRows).toBe(3);
    const whole = check({ rows: mine, ledger });
    expect(whole.invariants).toEqual({ ...ZERO, phantom: 3 });
  });

  it('accepts rows as a generator over devices', () => {
    const byDevice = new Map([
      ['DEV-1', [sale({ deviceId: 'DEV-1' })]],
      ['DEV-2', [sale({ deviceId: 'DEV-2' }), sale({ deviceId: 'DEV-2' })]],
    ]);
    function* rows(): Generator<TransactionLocal> {
      for (const list of byDevice.values()) yield* list;
    }
    const result = check({ rows: rows(), ledger: cleanLedger([...rows()]) });
    expect(result.sales).toBe(3);
    expect(result.invariants).toEqual(ZERO);
  });

  it('attaches each example the trace of its sale', () => {
    const traces = new TraceRecorder();
    let now = 100;
    const observer = traces.observer('DEV-1', { now: () => now, isOnline: () => true });
    const lost = sale({ syncStatus: 'syncing' });
    observer.onEvent(created(lost.offlineId, lost.offlineReference, lost.createdAtDevice));
    now = 200;
    observer.onEvent(claimed([lost.offlineId]));
    observer.onEvent({ type: 'batch-sending', batchId: 1, offlineIds: [lost.offlineId], bytes: 400 });
    now = 30_200;
    observer.onEvent({
      type: 'batch-failed',
      batchId: 1,
      offlineIds: [lost.offlineId],
      failure: { kind: 'timeout', phase: 'headers' },
    });
    traces.recordCrash('DEV-1', 31_000, 'after-timeout');
    const result = check({ rows: [lost], ledger: [], traceOf: (id) => traces.traceOf(id) });
    const trace = result.examples.lost[0]!.trace!;
    expect(trace.offlineId).toBe(lost.offlineId);
    expect(trace.attempts.map((a) => [a.batch.batchId, a.batch.failure])).toEqual([[1, 'timeout']]);
    expect(trace.events.map((e) => e.type)).toEqual(['claimed', 'attempt', 'crash']);
    expect(result.examples.stuck[0]!.trace).toEqual(trace);
    // Examples are plain data.
    expect(() => JSON.stringify(result)).not.toThrow();
  });

  it('keeps at most maxExamples examples per kind but counts them all', () => {
    const rows = Array.from({ length: 5 }, () => sale({ syncStatus: 'pending' }));
    const result = check({ rows, ledger: [], maxExamples: 2 });
    expect(result.invariants.lost).toBe(5);
    expect(result.invariants.stuck).toBe(5);
    expect(result.examples.lost).toHaveLength(2);
  });
});

// --- property tests ---------------------------------------------------------------------------------

const amount = fc.integer({ min: 0, max: 100_000_000 });

const saleArbitrary = (index: number) =>
  fc
    .record({
      device: fc.integer({ min: 1, max: 4 }),
      items: fc.array(
        fc.record({
          productId: fc.integer({ min: 1, max: 500 }),
          quantity: fc.integer({ min: 1, max: 20 }),
          price: fc.integer({ min: 0, max: 5_000_000 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      discountTotal: amount,
      taxTotal: amount,
    })
    .map(({ device, items, discountTotal, taxTotal }): TransactionLocal => {
      const subtotal = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      return sale({
        offlineId: uuidFor(1_000_000 + index),
        offlineReference: `DEV-${device}-${1_700_000_000_000 + index}`,
        deviceId: `DEV-${device}`,
        subtotal,
        discountTotal,
        taxTotal,
        grandTotal: subtotal - discountTotal + taxTotal,
        itemsJson: itemsJsonOf(items),
      });
    });

const fleet = fc
  .integer({ min: 1, max: 25 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => saleArbitrary(i))));

const ledgerCase = fc.record({
  rows: fleet,
  byReference: fc.boolean(),
  shuffle: fc.boolean(),
});

function ledgerFor(rows: readonly TransactionLocal[], byReference: boolean, shuffle: boolean): LedgerRow[] {
  const ledger = cleanLedger(rows);
  if (shuffle) ledger.reverse();
  return byReference ? withoutOfflineId(ledger) : ledger;
}

describe('checkInvariants: properties', () => {
  it('a ledger built from the device rows is always clean', () => {
    fc.assert(
      fc.property(ledgerCase, ({ rows, byReference, shuffle }) => {
        const result = checkInvariants({ rows, ledger: ledgerFor(rows, byReference, shuffle) });
        expect(result.invariants).toEqual(ZERO);
      }),
    );
  });

  it('a deleted server row is lost (and unsound, being synced)', () => {
    fc.assert(
      fc.property(ledgerCase, fc.nat(), ({ rows, byReference, shuffle }, pick) => {
        const ledger = ledgerFor(rows, byReference, shuffle);
        const victim = pick % ledger.length;
        const removed = ledger[victim]!;
        ledger.splice(victim, 1);
        const result = checkInvariants({ rows, ledger });
        expect(result.invariants).toEqual({ ...ZERO, lost: 1, unsound: 1 });
        expect(result.examples.lost[0]!.offlineReference).toBe(removed.offlineReference);
      }),
    );
  });

  it('a duplicated server row is duplicated', () => {
    fc.assert(
      fc.property(ledgerCase, fc.nat(), ({ rows, byReference, shuffle }, pick) => {
        const ledger = ledgerFor(rows, byReference, shuffle);
        const copy = { ...ledger[pick % ledger.length]!, serverId: 10_000 };
        ledger.push(copy);
        const result = checkInvariants({ rows, ledger });
        expect(result.invariants).toEqual({ ...ZERO, duplicated: 1 });
        expect(result.examples.duplicated[0]!.server).toContainEqual(serverRowOf(copy));
      }),
    );
  });

  it('an altered server row is mismatched, in the field that was altered', () => {
    const alteration = fc.constantFrom(
      'grandTotal',
      'subtotal',
      'discountTotal',
      'taxTotal',
      'items',
      'deviceId',
      'offlineReference',
    );
    fc.assert(
      fc.property(ledgerCase, fc.nat(), alteration, ({ rows, byReference, shuffle }, pick, field) => {
        // Matching by reference, an altered reference is another sale: covered by the lost/phantom property.
        fc.pre(!(byReference && field === 'offlineReference'));
        const ledger = ledgerFor(rows, byReference, shuffle);
        const victim = pick % ledger.length;
        const row = ledger[victim]!;
        ledger[victim] = alter(row, field);
        const result = checkInvariants({ rows, ledger });
        expect(result.invariants).toEqual({ ...ZERO, mismatched: 1 });
        expect(result.examples.mismatched[0]!.differences.map((d) => d.field)).toEqual([field]);
      }),
    );
  });

  it('an added server row from no device sale is phantom', () => {
    fc.assert(
      fc.property(ledgerCase, ({ rows, byReference, shuffle }) => {
        const ledger = ledgerFor(rows, byReference, shuffle);
        const ghost = stored(sale({ offlineReference: 'DEV-1-1', offlineId: uuidFor(9_999_999) }), 20_000);
        ledger.splice(Math.floor(ledger.length / 2), 0, byReference ? { ...ghost, offlineId: null } : ghost);
        const result = checkInvariants({ rows, ledger });
        expect(result.invariants).toEqual({ ...ZERO, phantom: 1 });
      }),
    );
  });
});

describe('InvariantCheck: one device at a time', () => {
  /** The rows as the runner gives them: each device's rows in one call, in device order. */
  function byDevice(input: CheckInput): ReturnType<typeof checkInvariants> {
    const devices = new Map<string, TransactionLocal[]>();
    for (const row of input.rows) devices.set(row.deviceId, [...(devices.get(row.deviceId) ?? []), row]);
    const checking = new InvariantCheck(input);
    for (const rows of devices.values()) checking.count(saleKeyLists(rows));
    for (const rows of devices.values()) checking.check(rows);
    return checking.finish();
  }

  const damaged = fc.record({
    base: ledgerCase,
    // Pairs of sales made to share a reference (a collision, maybe across devices), rows dropped, copied.
    collide: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
    drop: fc.array(fc.nat(), { maxLength: 3 }),
    copy: fc.array(fc.nat(), { maxLength: 2 }),
    failures: fc.array(fc.nat(), { maxLength: 2 }),
  });

  /**
   * The oracle: every row counted twice, so every sale looks shared and is checked the grouped way
   * (assignGroup, checkCollisions), as the whole check was before it streamed.
   */
  function allGrouped(input: CheckInput): ReturnType<typeof checkInvariants> {
    const checking = new InvariantCheck(input);
    checking.count(saleKeyLists([...input.rows]));
    checking.count(saleKeyLists([...input.rows]));
    checking.check(input.rows);
    return checking.finish();
  }

  it('counts what checking every sale the grouped way counts, whatever collides or is lost across devices', () => {
    fc.assert(
      fc.property(damaged, ({ base, collide, drop, copy, failures }) => {
        const rows = [...base.rows];
        for (const [from, to] of collide) {
          const target = to % rows.length;
          rows[target] = { ...rows[target]!, offlineReference: rows[from % rows.length]!.offlineReference };
        }
        const ledger = ledgerFor(rows, base.byReference, base.shuffle);
        for (const pick of drop) if (ledger.length > 0) ledger.splice(pick % ledger.length, 1);
        for (const pick of copy)
          if (ledger.length > 0) ledger.push({ ...ledger[pick % ledger.length]!, serverId: 50_000 + pick });
        const localFailures = failures.map((pick, i) => ({
          deviceId: 'DEV-9',
          atMs: i,
          reference: rows[pick % rows.length]!.offlineReference,
          error: 'UNIQUE constraint failed',
        }));
        // The same order for both (device by device), so that both call the same sale of a collision first.
        const ordered = [...rows].sort((x, y) => x.deviceId.localeCompare(y.deviceId));
        const input = { rows: ordered, ledger, localFailures };
        const whole = allGrouped(input);
        const streamed = byDevice(input);
        expect(streamed.invariants).toEqual(whole.invariants);
        expect(streamed.ledgerRows).toBe(whole.ledgerRows);
        expect(streamed.salesByStatus).toEqual(whole.salesByStatus);
        for (const kind of Object.keys(whole.examples) as (keyof typeof whole.examples)[]) {
          const ids = (result: typeof whole) =>
            result.examples[kind].map((v) => v.offlineId ?? v.offlineReference).sort();
          expect(ids(streamed)).toEqual(ids(whole));
        }
      }),
    );
  });

  it('a sale sharing its reference with a sale of another device is collided, the dropped one lost', () => {
    const a = sale({ offlineReference: 'SHARED-1', deviceId: 'DEV-1', offlineId: uuidFor(1) });
    const b = sale({ offlineReference: 'SHARED-1', deviceId: 'DEV-2', offlineId: uuidFor(2) });
    const c = sale({ offlineReference: 'DEV-1-2', deviceId: 'DEV-1', offlineId: uuidFor(3) });
    // The spec's backend keeps the first sale under a reference and answers the second as a duplicate.
    const ledger = cleanLedger([a, c]);
    const result = byDevice({ rows: [a, c, b], ledger });
    expect(result.invariants).toEqual({ ...ZERO, collided: 1, lost: 1, unsound: 1 });
    expect(result.examples.lost[0]!.offlineId).toBe(b.offlineId);
    expect(result.ledgerRows).toBe(2);
  });
});

function alter(row: LedgerRow, field: string): LedgerRow {
  switch (field) {
    case 'grandTotal':
    case 'subtotal':
    case 'discountTotal':
    case 'taxTotal':
      return { ...row, [field]: (row[field] ?? 0) + 0.01 };
    case 'items': {
      const [first, ...rest] = itemsOf(row);
      return { ...row, itemsJson: JSON.stringify([{ ...first!, quantity: first!.quantity + 1 }, ...rest]) };
    }
    case 'deviceId':
      return { ...row, deviceId: 'DEV-OTHER' };
    default:
      return { ...row, offlineReference: `${row.offlineReference}-x` };
  }
}
