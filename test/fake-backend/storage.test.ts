import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveStorage, type StorageOptionsInput } from '../../src/fake-backend/options.ts';
import { DEFAULT_PAGE_SIZE, type Ledger, openLedger } from '../../src/fake-backend/storage.ts';
import { createManualClock, makeSales, makeTransaction, runAll, type TempDir, tempDir } from './helpers.ts';

let dir: TempDir | null = null;
const open: Ledger[] = [];

function ledger(options: StorageOptionsInput = {}, clock = createManualClock()): Ledger {
  const l = openLedger(resolveStorage({ file: ':memory:', ...options }), clock);
  open.push(l);
  return l;
}

afterEach(() => {
  for (const l of open.splice(0)) l.close();
  dir?.remove();
  dir = null;
});

describe('ledger storage', () => {
  it('stores every wire field and round-trips money exactly, in a WAL file', async () => {
    dir = tempDir();
    const file = dir.file('ledger.sqlite');
    const l = ledger({ file });
    const amounts = [0, 0.1, 0.01, 12345.67, 999_999_999_999.99, 1e12];
    const rows = amounts.map((amount, i) => ({
      ...makeTransaction({ index: i }),
      grand_total: amount,
      subtotal: amount,
      tax_total: amount,
      discount_total: amount,
      items: [
        {
          product_id: 2 ** 53 - 1,
          product_name: 'Teh \u0000 manis 🍵',
          quantity: 0.125,
          price: amount,
          subtotal: amount,
        },
      ],
    }));
    const commits = await l.commitBatch(rows);
    expect(commits.map((c) => c.outcome)).toEqual(amounts.map(() => 'stored'));
    const entries = [...l.entries()];
    entries.forEach((entry, i) => {
      const row = rows[i]!;
      expect(entry.grand_total === row.grand_total).toBe(true);
      expect(entry.items).toEqual(row.items);
      expect(entry).toMatchObject({ ...row, server_id: i + 1, transaction_code: `TRX-000000000${i + 1}` });
      expect(entry.received_at).toBe('2025-01-01T00:00:00.000Z');
    });
    const direct = new Database(file, { readonly: true });
    try {
      expect(direct.pragma('journal_mode', { simple: true })).toBe('wal');
      const values = direct
        .prepare('SELECT grand_total FROM pos_transactions ORDER BY server_id')
        .pluck()
        .all();
      expect(values).toEqual(amounts);
    } finally {
      direct.close();
    }
  });

  it('exclusive locking: no other connection reads the file while the ledger is open, all of it after', async () => {
    dir = tempDir();
    const file = dir.file('exclusive.sqlite');
    const l = ledger({ file, locking: 'exclusive', synchronous: 'off' });
    await l.commitBatch(makeSales(3));
    expect([...l.entries()]).toHaveLength(3);
    expect(existsSync(`${file}-shm`)).toBe(false);
    const other = new Database(file, { readonly: true, timeout: 0 });
    try {
      expect(() => other.prepare('SELECT count(*) FROM pos_transactions').pluck().get()).toThrow(/locked/);
    } finally {
      other.close();
    }
    l.close();
    open.splice(open.indexOf(l), 1);
    const after = new Database(file, { readonly: true });
    try {
      expect(after.prepare('SELECT count(*) FROM pos_transactions').pluck().get()).toBe(3);
    } finally {
      after.close();
    }
  });

  it('unique: a repeat is a duplicate with the first server_id, also within one batch', async () => {
    const l = ledger({ dedupe: 'unique' });
    const [a, b] = makeSales(2);
    const first = await l.commitBatch([a!, b!, a!]);
    expect(first).toEqual([
      { outcome: 'stored', serverId: 1, transactionCode: 'TRX-0000000001' },
      { outcome: 'stored', serverId: 2, transactionCode: 'TRX-0000000002' },
      { outcome: 'duplicate', serverId: 1, transactionCode: 'TRX-0000000001' },
    ]);
    expect(await l.commitRow(b!)).toEqual({
      outcome: 'duplicate',
      serverId: 2,
      transactionCode: 'TRX-0000000002',
    });
    expect(l.count()).toBe(2);
  });

  it('keys on offline_reference or offline_id', async () => {
    const sale = makeTransaction({ index: 1 });
    const sameReference = { ...makeTransaction({ index: 2 }), offline_reference: sale.offline_reference };
    const byReference = ledger({ key: 'offline_reference' });
    expect((await byReference.commitBatch([sale, sameReference])).map((c) => c.outcome)).toEqual([
      'stored',
      'duplicate',
    ]);
    const byId = ledger({ key: 'offline_id' });
    expect((await byId.commitBatch([sale, sameReference])).map((c) => c.outcome)).toEqual([
      'stored',
      'stored',
    ]);
    expect((await byId.commitRow(sale)).outcome).toBe('duplicate');
  });

  it('none: stores every repeat', async () => {
    const l = ledger({ dedupe: 'none' });
    const [a] = makeSales(1);
    await l.commitBatch([a!, a!]);
    await l.commitRow(a!);
    expect(l.count()).toBe(3);
  });

  it('check-then-insert: sees committed rows and repeats within its own batch', async () => {
    const clock = createManualClock();
    const l = ledger({ dedupe: 'check-then-insert', checkGapMs: 5 }, clock);
    const [a, b] = makeSales(2);
    const [first] = await runAll(clock, [l.commitBatch([a!, a!])]);
    expect(first!.map((c) => [c.outcome, c.serverId])).toEqual([
      ['stored', 1],
      ['duplicate', 1],
    ]);
    const [again] = await runAll(clock, [l.commitBatch([a!, b!])]);
    expect(again!.map((c) => [c.outcome, c.serverId])).toEqual([
      ['duplicate', 1],
      ['stored', 2],
    ]);
    expect(clock.monotonic()).toBe(10);
  });

  it('pages by device and cursor, and NDJSON is the same entries', async () => {
    const l = ledger({ dedupe: 'none' });
    await l.commitBatch([...makeSales(3, 'A'), ...makeSales(2, 'B'), ...makeSales(3, 'A', 10)]);
    const first = l.page({ deviceId: 'A', limit: 4 });
    expect(first.entries.map((e) => e.server_id)).toEqual([1, 2, 3, 6]);
    expect(first.nextAfter).toBe(6);
    const second = l.page({ deviceId: 'A', after: 6, limit: 4 });
    expect(second.entries.map((e) => e.server_id)).toEqual([7, 8]);
    expect(second.nextAfter).toBeNull();
    const ndjson = [...l.ndjsonChunks()].join('');
    expect(ndjson).toBe([...l.entries()].map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(l.count('B')).toBe(2);
  });

  it('keptRows gives every row its compared columns, in server_id order, across pages', async () => {
    const l = ledger({ dedupe: 'none' });
    const count = DEFAULT_PAGE_SIZE + 2;
    await l.commitBatch([...makeSales(count - 1, 'A'), ...makeSales(1, 'B')]);
    const kept = [...l.keptRows()];
    const entries = [...l.entries()];
    expect(kept).toHaveLength(count);
    expect(kept).toEqual(
      entries.map((e) => [
        e.server_id,
        e.offline_id,
        e.offline_reference,
        e.device_id,
        e.grand_total,
        e.subtotal,
        e.discount_total,
        e.tax_total,
        JSON.stringify(e.items),
        e.transaction_code,
      ]),
    );
  });

  it('a file another process holds locked: the write fails as storage unavailable (503), naming the file', async () => {
    dir = tempDir();
    const file = dir.file('locked.sqlite');
    const l = ledger({ file });
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      await expect(l.commitBatch(makeSales(1))).rejects.toMatchObject({
        code: 'SYNCSIM_ERR_BACKEND_STORAGE',
        message: `storage ${file}: the ledger is locked by another process`,
      });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect((await l.commitBatch(makeSales(1)))[0]?.outcome).toBe('stored');
  });

  it('keeps rows across reopening, empties on fresh and clear, and restarts server_id', async () => {
    dir = tempDir();
    const file = dir.file('ledger.sqlite');
    const first = openLedger(resolveStorage({ file }), createManualClock());
    await first.commitBatch(makeSales(3));
    first.close();
    const reopened = ledger({ file });
    expect(reopened.count()).toBe(3);
    reopened.clear();
    expect((await reopened.commitRow(makeTransaction({ index: 9 }))).serverId).toBe(1);
    reopened.close();
    const fresh = ledger({ file, fresh: true });
    expect(fresh.count()).toBe(0);
  });

  it('refuses unique mode on a file that already holds repeats', async () => {
    dir = tempDir();
    const file = dir.file('dupes.sqlite');
    const none = openLedger(resolveStorage({ file, dedupe: 'none' }), createManualClock());
    const [a] = makeSales(1);
    await none.commitBatch([a!, a!]);
    none.close();
    expect(() => openLedger(resolveStorage({ file, dedupe: 'unique' }), createManualClock())).toThrow(
      expect.objectContaining({
        code: 'SYNCSIM_ERR_BACKEND_STORAGE',
        message: expect.stringContaining('repeated offline_reference'),
      }),
    );
    const fresh = ledger({ file, dedupe: 'unique', fresh: true });
    expect(fresh.count()).toBe(0);
  });

  it('refuses a file whose pos_transactions table something else made, naming what is missing', () => {
    dir = tempDir();
    const file = dir.file('other.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE pos_transactions (id INTEGER PRIMARY KEY, foo TEXT)');
    other.close();
    expect(() => openLedger(resolveStorage({ file }), createManualClock())).toThrow(
      expect.objectContaining({
        code: 'SYNCSIM_ERR_BACKEND_STORAGE',
        message: expect.stringMatching(
          /its table pos_transactions was not made by syncsim \(no such column: \w+\): use a fresh file$/,
        ),
      }),
    );
  });

  it('explains a file it cannot open, and refuses work once closed', async () => {
    expect(() =>
      openLedger(resolveStorage({ file: '/nonexistent/dir/x.sqlite' }), createManualClock()),
    ).toThrow(expect.objectContaining({ code: 'SYNCSIM_ERR_BACKEND_STORAGE' }));
    const l = openLedger(resolveStorage({ file: ':memory:' }), createManualClock());
    l.close();
    await expect(l.commitBatch(makeSales(1))).rejects.toMatchObject({ code: 'SYNCSIM_ERR_BACKEND_STORAGE' });
    expect(l.closed).toBe(true);
  });
});
