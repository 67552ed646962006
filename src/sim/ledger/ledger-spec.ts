/**
 * The `--ledger SOURCE` string and the column mapping, parsed and validated without I/O.
 *
 *   http://127.0.0.1:8080          the fake backend's admin API (`syncsim serve --admin`); a path prefix is kept
 *   sqlite:server.sqlite           a SQLite file (`syncsim serve --db server.sqlite`), opened read-only
 *   mysql://user:pass@host:3306/db a MySQL or MariaDB database (also mariadb://), read-only
 *
 * The mapping names the table and its columns; a column mapped to null is one the table does not have (the
 * checker then does not compare it). Its defaults are the fake backend's own table, so a SQLite file of
 * `syncsim serve --db` needs no mapping. Passwords never reach a message, a description or JSON.stringify.
 */
import Type from 'typebox';
import { ADMIN_PREFIX } from '../../fake-backend/admin-routes.ts';
import { firstSchemaProblem } from '../../fake-backend/schema-errors.ts';
import { LEDGER_TABLE } from '../../fake-backend/storage.ts';
import { ERR_LEDGER_MAPPING, ERR_LEDGER_SPEC } from '../errors.ts';

// ---------------------------------------------------------------------------------------------------------
// Source strings

export interface AdminHttpLedgerSpec {
  readonly kind: 'admin-http';
  /** Origin plus any path prefix, without a trailing slash: `http://127.0.0.1:8080`. */
  readonly url: string;
}

export interface SqliteLedgerSpec {
  readonly kind: 'sqlite';
  /** As given (relative paths resolve against the working directory when the file is opened). */
  readonly path: string;
}

export interface MysqlLedgerSpec {
  readonly kind: 'mysql';
  readonly scheme: 'mysql' | 'mariadb';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Non-enumerable: JSON.stringify and console.log of the spec leave it out. */
  readonly password: string | null;
  readonly database: string;
  /** `?ssl=true`: TLS with certificate verification. */
  readonly ssl: boolean;
}

export type LedgerSpec = AdminHttpLedgerSpec | SqliteLedgerSpec | MysqlLedgerSpec;

const FORMS = 'http(s)://HOST:PORT, sqlite:PATH, mysql://USER:PASSWORD@HOST:PORT/DATABASE or mariadb://…';
export const DEFAULT_MYSQL_PORT = 3306;

/** Replaces the password of every `scheme://user:password@` in a text with `***`. */
export function redactSecrets(text: string): string {
  // The last @ of the authority ends the user info, so passwords holding '@' or '/' are hidden whole.
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^\s]*@/gi, '$1:***@');
}

function specError(raw: string, problem: string): Error {
  return new ERR_LEDGER_SPEC(redactSecrets(raw), problem);
}

function decode(raw: string, part: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw specError(raw, `has a malformed %-escape in its ${part}`);
  }
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw specError(raw, `is not a valid URL (expected one of: ${FORMS})`);
  }
}

function parseAdminHttp(raw: string): AdminHttpLedgerSpec {
  const url = parseUrl(raw);
  if (url.username !== '' || url.password !== '') {
    throw specError(
      raw,
      'must not carry user:password@ (the admin API takes the backend bearer token from the environment)',
    );
  }
  if (url.search !== '' || url.hash !== '')
    throw specError(raw, 'must be a base URL, without ?query or #fragment');
  const prefix = url.pathname.replace(/\/+$/, '');
  if (`${prefix}/`.includes(`${ADMIN_PREFIX}/`))
    throw specError(
      raw,
      `must be the backend's base URL, without ${ADMIN_PREFIX} (syncsim adds the admin API's path)`,
    );
  return { kind: 'admin-http', url: `${url.origin}${prefix}` };
}

function parseSqlite(raw: string): SqliteLedgerSpec {
  let path = raw.slice('sqlite:'.length);
  // sqlite:///abs/file is the URL spelling of sqlite:/abs/file; sqlite://x would name a host.
  if (path.startsWith('///')) path = path.slice(2);
  else if (path.startsWith('//'))
    throw specError(raw, 'takes a file path: write sqlite:PATH, e.g. sqlite:/data/server.sqlite');
  if (path === '') throw specError(raw, 'names no file: write sqlite:PATH, e.g. sqlite:server.sqlite');
  if (path === ':memory:' || path.startsWith('file:'))
    throw specError(raw, 'must name a database file on disk (an in-memory database has no ledger to read)');
  return { kind: 'sqlite', path };
}

function parseMysql(raw: string, scheme: 'mysql' | 'mariadb'): MysqlLedgerSpec {
  const url = parseUrl(raw);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw specError(raw, 'names no host (expected mysql://USER:PASSWORD@HOST:PORT/DATABASE)');
  const user = decode(raw, 'user', url.username);
  if (user === '') throw specError(raw, 'names no user (expected mysql://USER:PASSWORD@HOST:PORT/DATABASE)');
  const password = url.password === '' ? null : decode(raw, 'password', url.password);
  const port = url.port === '' ? DEFAULT_MYSQL_PORT : Number(url.port);
  if (port === 0) throw specError(raw, 'has port 0 (give the port the server listens on)');
  const path = url.pathname.replace(/^\//, '').replace(/\/$/, '');
  const database = decode(raw, 'database', path);
  if (database === '')
    throw specError(raw, 'names no database (expected mysql://USER:PASSWORD@HOST:PORT/DATABASE)');
  if (database.includes('/')) throw specError(raw, `has a database name with '/' in it (${database})`);
  if (url.hash !== '') throw specError(raw, 'must not have a #fragment');
  let ssl = false;
  for (const [key, value] of url.searchParams) {
    if (key !== 'ssl') throw specError(raw, `has an unknown option ?${key}= (supported: ?ssl=true|false)`);
    if (value !== 'true' && value !== 'false')
      throw specError(raw, `has ?ssl=${value}: expected true or false`);
    ssl = value === 'true';
  }
  const spec = { kind: 'mysql', scheme, host, port, user, database, ssl } as const;
  Object.defineProperty(spec, 'password', { value: password, enumerable: false });
  return spec as MysqlLedgerSpec;
}

/** Parses a `--ledger` value; throws SYNCSIM_ERR_LEDGER_SPEC (usage) naming what is wrong. */
export function parseLedgerSpec(raw: string): LedgerSpec {
  const text = raw.trim();
  if (text === '') throw specError(raw, `is empty (expected one of: ${FORMS})`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return parseAdminHttp(text);
  if (scheme === 'sqlite') return parseSqlite(text);
  if (scheme === 'mysql' || scheme === 'mariadb') return parseMysql(text, scheme);
  if (scheme === undefined || scheme.length === 1) {
    // A bare path (or a Windows drive letter): most likely a SQLite file given without its prefix.
    const hint = /\.(sqlite3?|db)$/i.test(text) ? `; for a SQLite file write sqlite:${text}` : '';
    throw specError(raw, `has no scheme (expected one of: ${FORMS})${hint}`);
  }
  throw specError(raw, `has an unsupported scheme ${scheme}: (expected one of: ${FORMS})`);
}

/** The spec as it may be shown: a MySQL password is `***`. */
export function describeLedgerSpec(spec: LedgerSpec): string {
  switch (spec.kind) {
    case 'admin-http':
      return spec.url;
    case 'sqlite':
      return `sqlite:${spec.path}`;
    case 'mysql': {
      const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
      const auth = `${encodeURIComponent(spec.user)}${spec.password === null ? '' : ':***'}`;
      return `${spec.scheme}://${auth}@${host}:${spec.port}/${spec.database}${spec.ssl ? '?ssl=true' : ''}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Column mapping

/** The LedgerRow fields a table column can feed, in LedgerRow order. */
export const LEDGER_COLUMN_FIELDS = [
  'serverId',
  'offlineId',
  'offlineReference',
  'deviceId',
  'grandTotal',
  'subtotal',
  'discountTotal',
  'taxTotal',
  'items',
  'transactionCode',
] as const;
export type LedgerColumnField = (typeof LEDGER_COLUMN_FIELDS)[number];
/** The fields every ledger row must have: without them a row cannot be matched to a sale. */
export type RequiredColumnField = 'serverId' | 'offlineReference';
export const REQUIRED_COLUMN_FIELDS: readonly RequiredColumnField[] = ['serverId', 'offlineReference'];

export type LedgerColumns = { readonly [F in RequiredColumnField]: string } & {
  readonly [F in Exclude<LedgerColumnField, RequiredColumnField>]: string | null;
};

export interface LedgerMapping {
  /** `table`, or `schema.table` (MySQL database, SQLite attached schema). */
  readonly table: string;
  readonly columns: LedgerColumns;
}

/** The fake backend's table (src/fake-backend/storage.ts). */
export const DEFAULT_LEDGER_MAPPING: LedgerMapping = Object.freeze({
  table: LEDGER_TABLE,
  columns: Object.freeze({
    serverId: 'server_id',
    offlineId: 'offline_id',
    offlineReference: 'offline_reference',
    deviceId: 'device_id',
    grandTotal: 'grand_total',
    subtotal: 'subtotal',
    discountTotal: 'discount_total',
    taxTotal: 'tax_total',
    items: 'items_json',
    transactionCode: 'transaction_code',
  }),
});

// Plain identifiers only: they are quoted in SQL anyway, and this keeps any quoting trick out.
const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_$]*';
const IDENTIFIER_RE = new RegExp(`^${IDENTIFIER}$`);
const TABLE_RE = new RegExp(`^${IDENTIFIER}(\\.${IDENTIFIER})?$`);
const IDENTIFIER_RULE = 'letters, digits, _ and $, not starting with a digit';

const ColumnName = Type.String({ minLength: 1, maxLength: 64, pattern: `^${IDENTIFIER}$` });
const NullableColumn = Type.Union([ColumnName, Type.Null()]);

export const LedgerColumnsSchema = Type.Object(
  {
    serverId: Type.Optional(ColumnName),
    offlineId: Type.Optional(NullableColumn),
    offlineReference: Type.Optional(ColumnName),
    deviceId: Type.Optional(NullableColumn),
    grandTotal: Type.Optional(NullableColumn),
    subtotal: Type.Optional(NullableColumn),
    discountTotal: Type.Optional(NullableColumn),
    taxTotal: Type.Optional(NullableColumn),
    items: Type.Optional(NullableColumn),
    transactionCode: Type.Optional(NullableColumn),
  },
  {
    additionalProperties: false,
    description:
      'Column names of the ledger table, each defaulting to the fake backend; null: the table has no such column.',
  },
);

export const LedgerMappingSchema = Type.Object(
  {
    table: Type.Optional(
      Type.String({ minLength: 1, maxLength: 129, pattern: `^${IDENTIFIER}(\\.${IDENTIFIER})?$` }),
    ),
    columns: Type.Optional(LedgerColumnsSchema),
  },
  { additionalProperties: false, description: 'Where a real backend keeps its ledger: table and columns.' },
);
export type LedgerMappingInput = Type.Static<typeof LedgerMappingSchema>;

function mappingError(field: string, problem: string): Error {
  return new ERR_LEDGER_MAPPING(field, problem);
}

/** Names the problem in words before the schema would say "must match pattern". */
function checkNames(input: unknown, root: string): void {
  if (typeof input !== 'object' || input === null) return;
  const { table, columns } = input as { table?: unknown; columns?: unknown };
  if (typeof table === 'string' && table !== '' && !TABLE_RE.test(table)) {
    throw mappingError(
      `${root}/table`,
      `${JSON.stringify(table)} is not a plain table name (${IDENTIFIER_RULE}; schema.table allowed)`,
    );
  }
  if (typeof columns !== 'object' || columns === null) return;
  for (const [field, value] of Object.entries(columns)) {
    if (value === null && (REQUIRED_COLUMN_FIELDS as readonly string[]).includes(field)) {
      throw mappingError(
        `${root}/columns/${field}`,
        'cannot be null: without it a server row cannot be matched to a sale',
      );
    }
    if (typeof value === 'string' && value !== '' && !IDENTIFIER_RE.test(value)) {
      throw mappingError(
        `${root}/columns/${field}`,
        `${JSON.stringify(value)} is not a plain column name (${IDENTIFIER_RULE})`,
      );
    }
  }
}

/** Validates a mapping (from a scenario file or CLI options) and fills the defaults; `root` names it in errors. */
export function resolveLedgerMapping(input: unknown = {}, root = 'ledger'): LedgerMapping {
  checkNames(input, root);
  const problem = firstSchemaProblem(LedgerMappingSchema, input, root);
  if (problem !== null) {
    const rest = problem.message.startsWith(problem.field)
      ? problem.message.slice(problem.field.length).trimStart()
      : problem.message;
    throw mappingError(problem.field, rest);
  }
  const given = input as LedgerMappingInput;
  const columns: { -readonly [F in keyof LedgerColumns]: LedgerColumns[F] } = {
    ...DEFAULT_LEDGER_MAPPING.columns,
  };
  const overrides = given.columns ?? {};
  if (overrides.serverId !== undefined) columns.serverId = overrides.serverId;
  if (overrides.offlineReference !== undefined) columns.offlineReference = overrides.offlineReference;
  for (const field of LEDGER_COLUMN_FIELDS) {
    if (field === 'serverId' || field === 'offlineReference') continue;
    const value = overrides[field];
    if (value !== undefined) columns[field] = value;
  }
  return { table: given.table ?? DEFAULT_LEDGER_MAPPING.table, columns };
}
