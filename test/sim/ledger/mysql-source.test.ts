/**
 * The MySQL ledger source against a real MariaDB server (test/sim/ledger/mariadb.ts), reading as a user that
 * may only SELECT. Without the binaries: skipped with the reason on a dev machine, failed under CI.
 */
import type { QueryValues } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMajor } from '../../../src/core/money.ts';
import type { SyncTransaction } from '../../../src/core/protocol.ts';
import { collectLedger } from '../../../src/sim/ledger/ledger-source.ts';
import {
  type MysqlLedgerSpec,
  parseLedgerSpec,
  resolveLedgerMapping,
} from '../../../src/sim/ledger/ledger-spec.ts';
import {
  loadMysqlDriver,
  type MysqlDriver,
  openMysqlLedgerSource,
} from '../../../src/sim/ledger/mysql-source.ts';
import { openLedgerSource } from '../../../src/sim/ledger/open-ledger-source.ts';
import { caught, expectedRow, makeSales } from './fixtures.ts';
import { type MariaDb, mariaDbMissing, startMariaDb } from './mariadb.ts';

const missing = mariaDbMissing();
const onCi = process.env.CI === 'true' || process.env.CI === '1';

const DB = 'syncsim_ledger';
const READER = 'ledger_reader';
/** Characters a DSN must %-encode, so the test also proves the decoding. */
const PASSWORD = 'R3@d:only/pw%!';
const DEVICES = ['DEV-A', 'DEV-B', 'DEV-C'];
const PER_DEVICE = 1000;
/** BIGINT ids just under 2^53: exact in a double, but only when read as strings and converted with care. */
const BIG_ID_BASE = 9_007_199_254_740_000;

function money(amount: number): string {
  return (Math.round(amount * 100) / 100).toFixed(2);
}

function dsn(server: MariaDb, user = READER, password = PASSWORD, database = DB): MysqlLedgerSpec {
  const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return parseLedgerSpec(`mariadb://${auth}@127.0.0.1:${server.port}/${database}`) as MysqlLedgerSpec;
}

const CUSTOM = resolveLedgerMapping({
  table: 'sales_ledger',
  columns: {
    serverId: 'id',
    offlineId: null,
    offlineReference: 'ref',
    deviceId: 'terminal',
    grandTotal: 'total',
    subtotal: 'sub_total',
    discountTotal: 'disc',
    taxTotal: null,
    items: 'key',
    transactionCode: 'code',
  },
});

async function setUp(server: MariaDb, sales: readonly SyncTransaction[]): Promise<void> {
  const { root } = server;
  await root.query(`CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
  await root.query(`USE ${DB}`);
  // The fake backend's table, the way a MySQL backend would declare it: DECIMAL money, BIGINT ids, JSON items.
  await root.query(`CREATE TABLE pos_transactions (
    server_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    transaction_code VARCHAR(32) NOT NULL,
    offline_id CHAR(36) NOT NULL,
    offline_reference VARCHAR(128) NOT NULL UNIQUE,
    device_id VARCHAR(128) NOT NULL,
    grand_total DECIMAL(15,2) NOT NULL,
    subtotal DECIMAL(15,2) NOT NULL,
    discount_total DECIMAL(15,2) NOT NULL,
    tax_total DECIMAL(15,2) NOT NULL,
    items_json JSON NOT NULL,
    KEY device_server (device_id, server_id)
  ) ENGINE=InnoDB`);
  await root.query(
    'INSERT INTO pos_transactions (transaction_code, offline_id, offline_reference, device_id, grand_total, subtotal, discount_total, tax_total, items_json) VALUES ?',
    [
      sales.map((sale, i) => [
        `TRX-${i + 1}`,
        sale.offline_id,
        sale.offline_reference,
        sale.device_id,
        money(sale.grand_total),
        money(sale.subtotal),
        money(sale.discount_total),
        money(sale.tax_total),
        JSON.stringify(sale.items),
      ]),
    ],
  );
  // A real backend's own names: a reserved word, no offline_id or tax column, text that is not always JSON.
  await root.query(`CREATE TABLE sales_ledger (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref VARCHAR(128) NOT NULL,
    terminal INT NULL,
    total DECIMAL(20,4) NULL,
    sub_total DECIMAL(15,2) NOT NULL,
    disc DECIMAL(15,2) NOT NULL,
    \`key\` LONGTEXT NULL,
    code VARCHAR(32) NULL
  ) ENGINE=InnoDB AUTO_INCREMENT=${BIG_ID_BASE}`);
  const item = { product_id: 9, product_name: 'Es Teh ☕', quantity: 3, price: 4999.99, subtotal: 14999.97 };
  await root.query('INSERT INTO sales_ledger (ref, terminal, total, sub_total, disc, `key`, code) VALUES ?', [
    [
      ['T1-1', 1, '14999.9700', '14999.97', '0.00', JSON.stringify([{ ...item, price: '4999.99' }]), 'C-1'],
      ['T2-1', 2, '0.1000', '0.10', '0.05', null, null],
      ['T1-2', 1, null, '99999999999.99', '0.00', 'not json', 'C-3'],
      ['T3-1', 3, '1.0000', '1.00', '0.00', '[{"sku": 1}]', 'C-4'],
    ],
  ]);
  await root.query('CREATE TABLE huge_ids (id BIGINT UNSIGNED PRIMARY KEY, ref VARCHAR(64))');
  await root.query("INSERT INTO huge_ids VALUES (5, 'H-1'), (9007199254740993, 'H-2')");
  await root.query('CREATE TABLE precise (id INT PRIMARY KEY, ref VARCHAR(64), amount DECIMAL(30,10))');
  await root.query("INSERT INTO precise VALUES (1, 'P-1', '12.5'), (2, 'P-2', '12345678901.1234567891')");
  // The reader may SELECT and nothing else.
  await root.query(`CREATE USER '${READER}'@'127.0.0.1' IDENTIFIED BY ?`, [PASSWORD]);
  await root.query(`GRANT SELECT ON ${DB}.* TO '${READER}'@'127.0.0.1'`);
}

const title = 'mysql source against a real MariaDB server';

if (missing !== null && onCi) {
  describe(title, () => {
    it('needs the MariaDB binaries, which .ci/run installs', () => {
      throw new Error(`${missing}. Under CI this test must run: install mariadb-server before the tests.`);
    });
  });
}

describe.skipIf(missing !== null)(missing === null ? title : `${title} (skipped: ${missing})`, () => {
  let server: MariaDb;
  const sales = makeSales(DEVICES, PER_DEVICE);
  const expected = sales.map((sale, i) => expectedRow(sale, i + 1, `TRX-${i + 1}`));

  beforeAll(async () => {
    server = await startMariaDb();
    await setUp(server, sales);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function readerConnections(): Promise<number> {
    const [rows] = await server.root.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [READER],
    );
    return Number((rows as { n: number | string }[])[0]?.n ?? 0);
  }

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('reads the fake backend shaped table with no mapping: DECIMALs and BIGINTs exact, items parsed', async () => {
    const source = await openLedgerSource(dsn(server));
    try {
      expect(source.description).toBe(
        `mariadb://${READER}:***@127.0.0.1:${server.port}/${DB} (table pos_transactions)`,
      );
      const rows = await collectLedger(source);
      expect(rows).toHaveLength(DEVICES.length * PER_DEVICE);
      expect(rows).toEqual(expected);
      // Money read back equals the device's own minor-unit conversion, with ===.
      expect(rows[0]!.grandTotal).toBe(toMajor(Math.round(sales[0]!.grand_total * 100)));
      expect(source.warnings()).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('pushes a device filter down, and an empty filter reads nothing', async () => {
    const source = await openMysqlLedgerSource({ spec: dsn(server) });
    try {
      const wanted = new Set(['DEV-C', 'DEV-A', 'DEV-Z']);
      const rows = await collectLedger(source, { deviceIds: wanted });
      expect(rows).toEqual(expected.filter((row) => wanted.has(row.deviceId ?? '')));
      expect(await collectLedger(source, { deviceIds: new Set() })).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('reads a custom table: BIGINT ids near 2^53, DECIMAL(20,4), INT devices, a reserved-word column, missing columns', async () => {
    const source = await openMysqlLedgerSource({ spec: dsn(server), mapping: CUSTOM });
    try {
      const rows = await collectLedger(source);
      expect(rows).toEqual([
        {
          serverId: BIG_ID_BASE,
          offlineId: null,
          offlineReference: 'T1-1',
          deviceId: '1',
          grandTotal: 14999.97,
          subtotal: 14999.97,
          discountTotal: 0,
          taxTotal: null,
          itemsJson: JSON.stringify([
            { product_id: 9, product_name: 'Es Teh ☕', quantity: 3, price: 4999.99, subtotal: 14999.97 },
          ]),
          transactionCode: 'C-1',
        },
        expect.objectContaining({
          serverId: BIG_ID_BASE + 1,
          grandTotal: 0.1,
          discountTotal: 0.05,
          itemsJson: null,
          transactionCode: null,
        }),
        expect.objectContaining({
          serverId: BIG_ID_BASE + 2,
          grandTotal: null,
          subtotal: 99999999999.99,
          itemsJson: null,
        }),
        expect.objectContaining({ serverId: BIG_ID_BASE + 3, deviceId: '3', itemsJson: null }),
      ]);
      expect(source.warnings()).toEqual([expect.stringContaining('2 rows of mariadb://ledger_reader:***@')]);
      expect(source.warnings()[0]).toContain(`first: server id ${BIG_ID_BASE + 2}: items are not JSON`);
      expect(
        (await collectLedger(source, { deviceIds: new Set(['1']) })).map((row) => row.offlineReference),
      ).toEqual(['T1-1', 'T1-2']);
    } finally {
      await source.close();
    }
  });

  it('streams: a read left early or closed releases its connection, and the next read starts afresh', async () => {
    const source = await openMysqlLedgerSource({ spec: dsn(server), highWaterMark: 50 });
    let count = 0;
    for await (const _row of source.read()) if (++count === 10) break;
    expect(count).toBe(10);
    await eventually(async () => (await readerConnections()) === 0);

    const running = source.read()[Symbol.asyncIterator]();
    expect((await running.next()).value).toMatchObject({ serverId: 1 });
    expect(await readerConnections()).toBe(1);
    await source.close();
    const error = await caught(async () => {
      for (;;) if ((await running.next()).done) return;
    });
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_CLOSED');
    await eventually(async () => (await readerConnections()) === 0);
  });

  it('sets its session READ ONLY, so even a user who may write cannot through it', async () => {
    await server.root.query(`CREATE USER 'ledger_writer'@'127.0.0.1' IDENTIFIED BY 'w'`);
    await server.root.query(`GRANT ALL ON ${DB}.* TO 'ledger_writer'@'127.0.0.1'`);
    const statements: string[] = [];
    const recording: MysqlDriver = {
      async createConnection(options) {
        const connection = await (await loadMysqlDriver()).createConnection(options);
        const query = connection.query.bind(connection);
        const record = (sql: string, values?: QueryValues) => {
          statements.push(sql);
          return query(sql, values);
        };
        Object.defineProperty(connection, 'query', { value: record });
        return connection;
      },
    };
    const source = await openMysqlLedgerSource({
      spec: dsn(server, 'ledger_writer', 'w'),
      loadDriver: async () => recording,
    });
    try {
      expect(await collectLedger(source, { deviceIds: new Set(['DEV-B']) })).toHaveLength(PER_DEVICE);
    } finally {
      await source.close();
    }
    // Each connection (the open-time check, then the read) starts by making its session read-only.
    expect(statements.filter((sql) => sql === 'SET SESSION TRANSACTION READ ONLY')).toHaveLength(2);
    expect(statements.every((sql) => /^(SET SESSION TRANSACTION READ ONLY|SELECT )/.test(sql))).toBe(true);
    // And that statement does what it says on this server: the same user's write is refused after it.
    const writer = await (await loadMysqlDriver()).createConnection({
      host: '127.0.0.1',
      port: server.port,
      user: 'ledger_writer',
      password: 'w',
      database: DB,
    });
    try {
      await writer.query('SET SESSION TRANSACTION READ ONLY');
      const refused = await caught(() =>
        writer.query("UPDATE pos_transactions SET device_id = 'X' WHERE server_id = 1"),
      );
      expect(refused.code).toBe('ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION');
    } finally {
      await writer.end();
    }
  });

  it('a wrong mapping is a config error naming the table and column, before any read', async () => {
    const columns = resolveLedgerMapping({ columns: { grandTotal: 'total', items: 'items' } });
    const error = await caught(() => openMysqlLedgerSource({ spec: dsn(server), mapping: columns }));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_SCHEMA');
    expect(error.kind).toBe('config');
    expect(error.message).toContain(
      'table pos_transactions column total does not exist (mapped as columns.grandTotal)',
    );
    expect(error.message).toContain('also missing: items (columns.items)');
    expect(error.message).toContain('The table has: server_id, transaction_code, offline_id');

    const table = await caught(() =>
      openMysqlLedgerSource({ spec: dsn(server), mapping: resolveLedgerMapping({ table: 'orders' }) }),
    );
    expect(table.code).toBe('SYNCSIM_ERR_LEDGER_SCHEMA');
    expect(table.message).toContain(
      'table orders does not exist or cannot be read (tables: huge_ids, pos_transactions, precise, sales_ledger)',
    );
  });

  it('a value a double cannot hold exactly is an error naming the row', async () => {
    const bare = {
      offlineId: null,
      deviceId: null,
      grandTotal: null,
      subtotal: null,
      discountTotal: null,
      taxTotal: null,
      items: null,
      transactionCode: null,
    };
    const huge = await openMysqlLedgerSource({
      spec: dsn(server),
      mapping: resolveLedgerMapping({
        table: 'huge_ids',
        columns: { ...bare, serverId: 'id', offlineReference: 'ref' },
      }),
    });
    const error = await caught(() => collectLedger(huge));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_ROW');
    expect(error.message).toContain('row 2 has serverId 9007199254740993 is beyond 2^53');
    await huge.close();

    const precise = await openMysqlLedgerSource({
      spec: dsn(server),
      mapping: resolveLedgerMapping({
        table: `${DB}.precise`,
        columns: { ...bare, serverId: 'id', offlineReference: 'ref', grandTotal: 'amount' },
      }),
    });
    const digits = await caught(() => collectLedger(precise));
    expect(digits.message).toContain(
      'row with server id 2 has grandTotal 12345678901.1234567891 has 21 significant digits',
    );
    await precise.close();
  });

  it('bad credentials, an unknown database and a closed port: clear errors, never the password', async () => {
    const wrong = await caught(() => openLedgerSource(dsn(server, READER, 'Wrong-Secret-9')));
    expect(wrong.code).toBe('SYNCSIM_ERR_LEDGER_ACCESS');
    expect(wrong.message).toContain('Access denied for user');
    expect(wrong.message).not.toContain('Wrong-Secret-9');
    expect(wrong.message).toContain(`mariadb://${READER}:***@127.0.0.1`);

    const database = await caught(() => openLedgerSource(dsn(server, READER, PASSWORD, 'nope')));
    expect(database.code).toBe('SYNCSIM_ERR_LEDGER_ACCESS');
    expect(database.message).toMatch(/nope/);
    expect(database.message).not.toContain(PASSWORD);

    const closed = parseLedgerSpec(`mysql://${READER}:hidden-pw@127.0.0.1:1/${DB}`) as MysqlLedgerSpec;
    const unreachable = await caught(() => openMysqlLedgerSource({ spec: closed, connectTimeoutMs: 2_000 }));
    expect(unreachable.code).toBe('SYNCSIM_ERR_LEDGER_UNAVAILABLE');
    expect(unreachable.kind).toBe('unavailable');
    expect(unreachable.message).toContain('ECONNREFUSED');
    expect(unreachable.message).not.toContain('hidden-pw');

    // The options' password overrides the DSN's (the CLI takes it from the environment).
    const override = await openLedgerSource(dsn(server, READER, 'not-this-one'), { password: PASSWORD });
    expect(await collectLedger(override, { deviceIds: new Set(['DEV-A']) })).toHaveLength(PER_DEVICE);
    await override.close();
  });
});

describe('mysql driver loading', () => {
  it('says how to install mysql2 when it is missing', async () => {
    const error = await caught(() =>
      loadMysqlDriver(() =>
        Promise.reject(
          Object.assign(new Error("Cannot find package 'mysql2'"), { code: 'ERR_MODULE_NOT_FOUND' }),
        ),
      ),
    );
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_DRIVER');
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe(
      'reading a MySQL/MariaDB ledger needs the optional package mysql2, which cannot be loaded (it is not installed): install it with npm install mysql2',
    );
  });

  it('loads the installed mysql2', async () => {
    const driver = await loadMysqlDriver();
    expect(typeof driver.createConnection).toBe('function');
  });
});
