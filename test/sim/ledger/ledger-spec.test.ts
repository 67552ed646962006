import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SyncsimError } from '../../../src/core/errors.ts';
import {
  DEFAULT_LEDGER_MAPPING,
  describeLedgerSpec,
  LedgerMappingSchema,
  type MysqlLedgerSpec,
  parseLedgerSpec,
  redactSecrets,
  resolveLedgerMapping,
} from '../../../src/sim/ledger/ledger-spec.ts';

function specError(raw: string): SyncsimError {
  try {
    parseLedgerSpec(raw);
  } catch (error) {
    if (error instanceof SyncsimError) return error;
    throw error;
  }
  throw new Error(`${raw} parsed`);
}

function mappingError(input: unknown): SyncsimError {
  try {
    resolveLedgerMapping(input);
  } catch (error) {
    if (error instanceof SyncsimError) return error;
    throw error;
  }
  throw new Error('mapping resolved');
}

describe('parseLedgerSpec: the forms', () => {
  it('reads the admin API base URL, keeping a path prefix and dropping trailing slashes', () => {
    expect(parseLedgerSpec('http://127.0.0.1:8080')).toEqual({
      kind: 'admin-http',
      url: 'http://127.0.0.1:8080',
    });
    expect(parseLedgerSpec('https://staging.example.com/sync/')).toEqual({
      kind: 'admin-http',
      url: 'https://staging.example.com/sync',
    });
    expect(parseLedgerSpec('  HTTP://localhost:9000/  ')).toEqual({
      kind: 'admin-http',
      url: 'http://localhost:9000',
    });
  });

  it('reads sqlite:PATH in its relative, absolute and URL spellings', () => {
    expect(parseLedgerSpec('sqlite:server.sqlite')).toEqual({ kind: 'sqlite', path: 'server.sqlite' });
    expect(parseLedgerSpec('sqlite:./runs/a b.sqlite')).toEqual({
      kind: 'sqlite',
      path: './runs/a b.sqlite',
    });
    expect(parseLedgerSpec('sqlite:/data/server.sqlite')).toEqual({
      kind: 'sqlite',
      path: '/data/server.sqlite',
    });
    expect(parseLedgerSpec('sqlite:///data/server.sqlite')).toEqual({
      kind: 'sqlite',
      path: '/data/server.sqlite',
    });
  });

  it('reads a MySQL DSN with every part, %-decoding user, password and database', () => {
    const spec = parseLedgerSpec(
      'mysql://pos%20reader:p%40ss%3Aw%2Frd@db.internal:3307/shop%5Fmain?ssl=true',
    );
    expect(spec).toEqual({
      kind: 'mysql',
      scheme: 'mysql',
      host: 'db.internal',
      port: 3307,
      user: 'pos reader',
      database: 'shop_main',
      ssl: true,
    });
    expect((spec as MysqlLedgerSpec).password).toBe('p@ss:w/rd');
  });

  it('reads mariadb:// and fills the default port; a DSN without a password has password null', () => {
    const spec = parseLedgerSpec('mariadb://reader@127.0.0.1/shop') as MysqlLedgerSpec;
    expect(spec).toMatchObject({
      kind: 'mysql',
      scheme: 'mariadb',
      host: '127.0.0.1',
      port: 3306,
      ssl: false,
    });
    expect(spec.password).toBeNull();
    expect(parseLedgerSpec('mysql://u:p@[::1]:3306/db')).toMatchObject({ host: '::1' });
  });

  it('keeps the password out of JSON, inspect and the description', () => {
    const spec = parseLedgerSpec('mysql://reader:s3cret-Pw@db:3306/shop') as MysqlLedgerSpec;
    expect(spec.password).toBe('s3cret-Pw');
    expect(JSON.stringify(spec)).not.toContain('s3cret');
    expect(inspect(spec)).not.toContain('s3cret');
    expect(describeLedgerSpec(spec)).toBe('mysql://reader:***@db:3306/shop');
    expect(describeLedgerSpec(parseLedgerSpec('mariadb://reader@[::1]:3307/shop?ssl=true'))).toBe(
      'mariadb://reader@[::1]:3307/shop?ssl=true',
    );
    expect(describeLedgerSpec(parseLedgerSpec('sqlite:x.sqlite'))).toBe('sqlite:x.sqlite');
    expect(describeLedgerSpec(parseLedgerSpec('http://h:1/p'))).toBe('http://h:1/p');
  });
});

describe('parseLedgerSpec: bad input is a usage error naming the problem', () => {
  const cases: [string, string][] = [
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['server.sqlite', 'has no scheme (expected one of: http(s)://HOST:PORT, sqlite:PATH'],
    ['ftp://host/ledger', 'has an unsupported scheme ftp:'],
    ['postgres://u:p@h/db', 'has an unsupported scheme postgres:'],
    ['http://', 'is not a valid URL'],
    ['http://u:p@127.0.0.1:8080', 'must not carry user:password@'],
    ['http://127.0.0.1:8080/?device_id=x', 'must be a base URL, without ?query'],
    ['http://127.0.0.1:8080/__syncsim', "must be the backend's base URL, without /__syncsim"],
    ['http://127.0.0.1:8080/pos/__syncsim/ledger', "must be the backend's base URL, without /__syncsim"],
    ['sqlite:', 'names no file'],
    ['sqlite://host/file.sqlite', 'takes a file path'],
    ['sqlite::memory:', 'must name a database file on disk'],
    ['mysql://h/db', 'names no user'],
    ['mysql://u:p@h:3306', 'names no database'],
    ['mysql://u:p@h:3306/', 'names no database'],
    ['mysql://u:p@h:3306/a/b', "has a database name with '/' in it"],
    ['mysql://u:p@h:0/db', 'has port 0'],
    ['mysql://u:p@h:99999/db', 'is not a valid URL'],
    ['mysql://u:p@h/db?sslmode=require', 'has an unknown option ?sslmode='],
    ['mysql://u:p@h/db?ssl=yes', 'has ?ssl=yes: expected true or false'],
    ['mysql://u:p%zz@h/db', 'has a malformed %-escape in its password'],
  ];

  it.each(cases)('%j: %s', (raw, problem) => {
    const error = specError(raw);
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_SPEC');
    expect(error.kind).toBe('usage');
    expect(error.message).toContain(problem);
  });

  it('suggests the sqlite: prefix for a bare database file', () => {
    expect(specError('runs/server.sqlite').message).toContain(
      'for a SQLite file write sqlite:runs/server.sqlite',
    );
  });

  it('never echoes a password, whatever is wrong with the DSN', () => {
    for (const raw of [
      'mysql://reader:Hunter2-secret@h:0/db',
      'mysql://reader:Hunter2-secret@h/db?x=1',
      'mysql://reader:Hunter2-secret@h:99999/db',
      'mysql://reader:Hunter2-secret@h',
      'postgres://reader:Hunter2-secret@h/db',
      'http://reader:Hunter2-secret@h:1',
      'mysql://reader:Hunter2@secret/x@h/db?ssl=maybe',
    ]) {
      const error = specError(raw);
      expect(error.message, raw).not.toContain('Hunter2');
      expect(error.message).toContain('***');
      expect(JSON.stringify(error.args)).not.toContain('Hunter2');
    }
  });

  it('redactSecrets hides every password in a text, even one holding @ and /', () => {
    expect(redactSecrets('a mysql://u:pa@ss/w@h:1/db b')).toBe('a mysql://u:***@h:1/db b');
    expect(redactSecrets('x mariadb://:pw@h/db and http://h:1/no-secret')).toBe(
      'x mariadb://:***@h/db and http://h:1/no-secret',
    );
    expect(redactSecrets('sqlite:a@b.sqlite')).toBe('sqlite:a@b.sqlite');
  });
});

describe('resolveLedgerMapping', () => {
  it('defaults to the fake backend table', () => {
    expect(resolveLedgerMapping()).toEqual(DEFAULT_LEDGER_MAPPING);
    expect(resolveLedgerMapping({})).toEqual(DEFAULT_LEDGER_MAPPING);
    expect(DEFAULT_LEDGER_MAPPING.table).toBe('pos_transactions');
  });

  it('overrides the given names, keeps the others, and takes null as "no such column"', () => {
    const mapping = resolveLedgerMapping({
      table: 'shop.sales',
      columns: { serverId: 'id', offlineId: null, items: null, grandTotal: 'total' },
    });
    expect(mapping.table).toBe('shop.sales');
    expect(mapping.columns).toEqual({
      ...DEFAULT_LEDGER_MAPPING.columns,
      serverId: 'id',
      offlineId: null,
      items: null,
      grandTotal: 'total',
    });
  });

  it('exposes a TypeBox schema for scenario files and CLI options', () => {
    expect(LedgerMappingSchema.type).toBe('object');
    expect((LedgerMappingSchema as { additionalProperties?: unknown }).additionalProperties).toBe(false);
    expect(Object.keys(LedgerMappingSchema.properties)).toEqual(['table', 'columns']);
  });

  const bad: [unknown, string][] = [
    [{ tabel: 'x' }, 'ledger/tabel is not a known field (expected one of: table, columns)'],
    [{ columns: { amount: 'x' } }, 'ledger/columns/amount is not a known field'],
    [{ table: 'sales; DROP TABLE x' }, 'ledger/table "sales; DROP TABLE x" is not a plain table name'],
    [{ table: 'a.b.c' }, 'ledger/table "a.b.c" is not a plain table name'],
    [
      { columns: { grandTotal: 'grand total' } },
      'ledger/columns/grandTotal "grand total" is not a plain column name',
    ],
    [{ columns: { deviceId: '1device' } }, 'ledger/columns/deviceId "1device" is not a plain column name'],
    [{ columns: { serverId: null } }, 'ledger/columns/serverId cannot be null'],
    [{ columns: { offlineReference: null } }, 'ledger/columns/offlineReference cannot be null'],
    [{ columns: { subtotal: 5 } }, 'ledger/columns/subtotal must be'],
    [{ table: '' }, 'ledger/table'],
    ['pos_transactions', 'ledger'],
  ];

  it.each(bad)('rejects %j as a config error naming the field', (input, message) => {
    const error = mappingError(input);
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_MAPPING');
    expect(error.kind).toBe('config');
    expect(error.message).toContain(message);
  });

  it('names the field under the root it is given', () => {
    try {
      resolveLedgerMapping({ columns: { taxTotal: 'x y' } }, 'scenario/backend/ledger');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^scenario\/backend\/ledger\/columns\/taxTotal /);
    }
  });
});
