import { readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveStorage } from '../../../src/fake-backend/options.ts';
import { openLedger } from '../../../src/fake-backend/storage.ts';
import { collectLedger } from '../../../src/sim/ledger/ledger-source.ts';
import { parseLedgerSpec, resolveLedgerMapping } from '../../../src/sim/ledger/ledger-spec.ts';
import { openLedgerSource } from '../../../src/sim/ledger/open-ledger-source.ts';
import { openSqliteLedgerSource } from '../../../src/sim/ledger/sqlite-source.ts';
import { ledgerRowFromEntry } from '../checker-fixtures.ts';
import { caught, FIXED_CLOCK, makeSales, type TempDir, tempDir } from './fixtures.ts';

let dir: TempDir;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

/** The fake backend's own ledger file, written by its storage module. */
async function fakeBackendFile(devices: readonly string[], perDevice: number) {
  const file = dir.file('server.sqlite');
  const ledger = openLedger(resolveStorage({ file }), FIXED_CLOCK);
  await ledger.commitBatch(makeSales(devices, perDevice));
  return { file, ledger };
}

/** A "real backend" table: other names, DECIMAL-ish text money, INTEGER device ids, no offline_id or code. */
function customFile(): { file: string; rows: number } {
  const file = dir.file('pos.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE "order" (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL,
    terminal INTEGER,
    total NUMERIC,
    sub NUMERIC,
    "key" TEXT
  )`);
  const insert = db.prepare(
    'INSERT INTO "order" (id, ref, terminal, total, sub, "key") VALUES (?, ?, ?, ?, ?, ?)',
  );
  insert.run(
    10,
    'T7-1',
    7,
    '15000.50',
    15000.5,
    JSON.stringify([{ product_id: 1, product_name: 'A', quantity: 1, price: 15000.5, subtotal: 15000.5 }]),
  );
  insert.run(20, 'T8-1', 8, 0.1, '0.10', null);
  insert.run(30, 'T7-2', 7, 99999999999.99, 1, '{broken');
  insert.run(40, 'T7-3', 7, null, 2, '[{"sku":"x"}]');
  db.close();
  return { file, rows: 4 };
}

const CUSTOM = resolveLedgerMapping({
  table: 'order',
  columns: {
    serverId: 'id',
    offlineId: null,
    offlineReference: 'ref',
    deviceId: 'terminal',
    grandTotal: 'total',
    subtotal: 'sub',
    discountTotal: null,
    taxTotal: null,
    items: 'key',
    transactionCode: null,
  },
});

describe('sqlite source: the fake backend own table, with no options', () => {
  it('reads what the fake backend stored, equal to its in-process ledger, while the backend still has it open', async () => {
    const { file, ledger } = await fakeBackendFile(['DEV-A', 'DEV-B', 'DEV-C'], 40);
    const expected = [...ledger.entries()].map(ledgerRowFromEntry);
    expect(expected).toHaveLength(120);
    const source = await openLedgerSource(parseLedgerSpec(`sqlite:${file}`));
    try {
      expect(source.description).toBe(`sqlite:${file}`);
      expect(await collectLedger(source)).toEqual(expected);
      expect(source.warnings()).toEqual([]);
      // The backend keeps writing; a new read sees the new row.
      await ledger.commitBatch(makeSales(['DEV-D'], 1));
      expect(await collectLedger(source)).toHaveLength(121);
    } finally {
      await source.close();
      ledger.close();
    }
  });

  it('pushes a device filter down, and an empty filter reads nothing', async () => {
    const { file, ledger } = await fakeBackendFile(['DEV-A', 'DEV-B', 'DEV-C'], 10);
    ledger.close();
    const source = await openSqliteLedgerSource({ path: file });
    try {
      const rows = await collectLedger(source, { deviceIds: new Set(['DEV-C', 'DEV-A', 'NOPE']) });
      expect(rows).toHaveLength(20);
      expect(new Set(rows.map((row) => row.deviceId))).toEqual(new Set(['DEV-A', 'DEV-C']));
      expect(rows.map((row) => row.serverId)).toEqual(
        [...rows.map((row) => row.serverId)].sort((a, b) => a - b),
      );
      expect(await collectLedger(source, { deviceIds: new Set() })).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('never writes: the file bytes and mtime stay the same, and a missing file is not created', async () => {
    const { file, ledger } = await fakeBackendFile(['DEV-A'], 5);
    ledger.close();
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const source = await openSqliteLedgerSource({ path: file });
    await collectLedger(source);
    await source.close();
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);

    const missing = dir.file('nope.sqlite');
    const error = await caught(() => openSqliteLedgerSource({ path: missing }));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_UNAVAILABLE');
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain(`no such file: ${missing}`);
    expect(() => statSync(missing)).toThrow();
  });
});

describe('sqlite source: a real backend table through a mapping', () => {
  it('reads custom names, quoted reserved words, text decimals, integer device ids and missing columns', async () => {
    const { file } = customFile();
    const source = await openSqliteLedgerSource({ path: file, mapping: CUSTOM });
    try {
      expect(source.description).toBe(`sqlite:${file} (table order)`);
      const rows = await collectLedger(source);
      expect(rows).toEqual([
        {
          serverId: 10,
          offlineId: null,
          offlineReference: 'T7-1',
          deviceId: '7',
          grandTotal: 15000.5,
          subtotal: 15000.5,
          discountTotal: null,
          taxTotal: null,
          itemsJson: JSON.stringify([
            { product_id: 1, product_name: 'A', quantity: 1, price: 15000.5, subtotal: 15000.5 },
          ]),
          transactionCode: null,
        },
        expect.objectContaining({
          serverId: 20,
          deviceId: '8',
          grandTotal: 0.1,
          subtotal: 0.1,
          itemsJson: null,
        }),
        expect.objectContaining({ serverId: 30, grandTotal: 99999999999.99, itemsJson: null }),
        expect.objectContaining({ serverId: 40, grandTotal: null, subtotal: 2, itemsJson: null }),
      ]);
      // The NULL items of row 20 are "not stored"; rows 30 and 40 had items that could not be read.
      expect(source.warnings()).toEqual([
        expect.stringMatching(
          /^2 rows of sqlite:.* had items that could not be read.*first: server id 30: items are not JSON/,
        ),
      ]);
      expect(await collectLedger(source, { deviceIds: new Set(['7']) })).toHaveLength(3);
    } finally {
      await source.close();
    }
  });

  it('without a device column, a device filter cannot apply: every row comes back with deviceId null', async () => {
    const { file, rows } = customFile();
    const mapping = resolveLedgerMapping({ ...CUSTOM, columns: { ...CUSTOM.columns, deviceId: null } });
    const source = await openSqliteLedgerSource({ path: file, mapping });
    try {
      const read = await collectLedger(source, { deviceIds: new Set(['7']) });
      expect(read).toHaveLength(rows);
      expect(read.every((row) => row.deviceId === null)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('fails on open, as a config error naming the table and column, when the mapping does not fit', async () => {
    const { file } = customFile();
    const wrongColumns = resolveLedgerMapping({
      ...CUSTOM,
      columns: { ...CUSTOM.columns, grandTotal: 'grand_total', taxTotal: 'tax' },
    });
    const error = await caught(() => openSqliteLedgerSource({ path: file, mapping: wrongColumns }));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_SCHEMA');
    expect(error.kind).toBe('config');
    expect(error.message).toContain(
      `ledger source sqlite:${file}: table order column grand_total does not exist (mapped as columns.grandTotal)`,
    );
    expect(error.message).toContain('also missing: tax (columns.taxTotal)');
    expect(error.message).toContain('The table has: id, ref, terminal, total, sub, key');

    const defaults = await caught(() => openSqliteLedgerSource({ path: file }));
    expect(defaults.code).toBe('SYNCSIM_ERR_LEDGER_SCHEMA');
    expect(defaults.message).toContain(
      'table pos_transactions does not exist or cannot be read (tables: order)',
    );
  });

  it('names the row of a value that cannot be read exactly', async () => {
    const file = dir.file('big.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, ref TEXT)');
    db.prepare('INSERT INTO t VALUES (?, ?)').run(5n, 'A-1');
    db.prepare('INSERT INTO t VALUES (?, ?)').run(2n ** 53n + 1n, 'A-2');
    db.prepare('INSERT INTO t VALUES (?, ?)').run(2n ** 53n + 2n, null);
    db.close();
    const mapping = resolveLedgerMapping({
      table: 't',
      columns: {
        serverId: 'id',
        offlineReference: 'ref',
        offlineId: null,
        deviceId: null,
        grandTotal: null,
        subtotal: null,
        discountTotal: null,
        taxTotal: null,
        items: null,
        transactionCode: null,
      },
    });
    const source = await openSqliteLedgerSource({ path: file, mapping });
    const error = await caught(() => collectLedger(source));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_ROW');
    expect(error.message).toContain('row 2 has serverId 9007199254740993 is beyond 2^53');
    await source.close();
  });

  it('reports a file that is not a database as unavailable', async () => {
    const file = dir.file('notes.sqlite');
    writeFileSync(file, 'these are not the rows you are looking for '.repeat(40));
    const error = await caught(() => openSqliteLedgerSource({ path: file }));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_UNAVAILABLE');
    expect(error.message).toContain('the file is not a SQLite database');
  });
});

describe('sqlite source: reads and their lifetime', () => {
  it('runs overlapping reads, releases a read left early, and stops a read in progress on close', async () => {
    const { file, ledger } = await fakeBackendFile(['DEV-A', 'DEV-B'], 50);
    ledger.close();
    const source = await openSqliteLedgerSource({ path: file });
    const first = source.read()[Symbol.asyncIterator]();
    const second = source.read()[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ serverId: 1 });
    expect((await second.next()).value).toMatchObject({ serverId: 1 });
    expect((await first.next()).value).toMatchObject({ serverId: 2 });
    await first.return?.(undefined);

    // The file is free again: an exclusive writer can lock it.
    const writer = new Database(file);
    writer.exec('BEGIN EXCLUSIVE; COMMIT;');
    writer.close();

    let count = 0;
    for await (const _row of source.read()) if (++count === 10) break;
    expect(count).toBe(10);

    await source.close();
    const error = await caught(() => second.next());
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_CLOSED');
    expect((await caught(() => collectLedger(source))).code).toBe('SYNCSIM_ERR_LEDGER_CLOSED');
  });
});
