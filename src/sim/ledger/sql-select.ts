/**
 * The one SELECT a SQL ledger source runs, built from the column mapping, and the check of the mapping
 * against the table's real columns, so that a wrong name fails before a long run with a message that names
 * the table and the column (and lists what the table has) instead of the driver's "no such column".
 */
import { ERR_LEDGER_SCHEMA } from '../errors.ts';
import { LEDGER_COLUMN_FIELDS, type LedgerColumnField, type LedgerMapping } from './ledger-spec.ts';

export type SqlDialect = 'sqlite' | 'mysql';

/** Quotes a validated plain name (or schema.name) so reserved words (`order`, `key`) work as column names. */
export function quoteName(name: string, dialect: SqlDialect): string {
  const quote = dialect === 'mysql' ? '`' : '"';
  return name
    .split('.')
    .map((part) => `${quote}${part}${quote}`)
    .join('.');
}

/** The mapped fields (not null), in LedgerRow order; each is selected under its field name. */
export function mappedFields(mapping: LedgerMapping): LedgerColumnField[] {
  return LEDGER_COLUMN_FIELDS.filter((field) => mapping.columns[field] !== null);
}

/**
 * `SELECT <column> AS <field>, … FROM <table> [WHERE <device> IN (…)] ORDER BY <server id>`. The device
 * condition takes one parameter: a JSON list for SQLite (json_each, any number of ids), a list that mysql2
 * expands to `'a', 'b'` for MySQL.
 */
export function ledgerSelect(mapping: LedgerMapping, dialect: SqlDialect, byDevice: boolean): string {
  const q = (name: string) => quoteName(name, dialect);
  const columns = mappedFields(mapping).map((field) => `${q(mapping.columns[field]!)} AS ${q(field)}`);
  const device = mapping.columns.deviceId;
  let where = '';
  if (byDevice && device !== null) {
    where =
      dialect === 'sqlite'
        ? ` WHERE ${q(device)} IN (SELECT value FROM json_each(?))`
        : ` WHERE ${q(device)} IN (?)`;
  }
  return `SELECT ${columns.join(', ')} FROM ${q(mapping.table)}${where} ORDER BY ${q(mapping.columns.serverId)}`;
}

const MAX_LISTED = 40;

function listed(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, … (${names.length} in all)` : shown;
}

/**
 * Throws SYNCSIM_ERR_LEDGER_SCHEMA (config) when the table is missing (`columns` null) or lacks a mapped
 * column. Names compare case-insensitively, as both SQLite and MySQL do.
 */
export function checkLedgerColumns(
  source: string,
  mapping: LedgerMapping,
  columns: readonly string[] | null,
  tables: readonly string[] = [],
): void {
  if (columns === null) {
    const known = tables.length === 0 ? '' : ` (tables: ${listed(tables)})`;
    throw new ERR_LEDGER_SCHEMA(
      source,
      mapping.table,
      null,
      `does not exist or cannot be read${known}; name the ledger table with --ledger-table (backend.ledgerMapping.table in a scenario)`,
    );
  }
  const have = new Set(columns.map((name) => name.toLowerCase()));
  const missing = mappedFields(mapping).filter((field) => !have.has(mapping.columns[field]!.toLowerCase()));
  const [first, ...others] = missing;
  if (first === undefined) return;
  const also =
    others.length === 0
      ? ''
      : `; also missing: ${others.map((field) => `${mapping.columns[field]} (columns.${field})`).join(', ')}`;
  throw new ERR_LEDGER_SCHEMA(
    source,
    mapping.table,
    mapping.columns[first]!,
    `does not exist (mapped as columns.${first})${also}. The table has: ${listed(columns)}. Map each field to its column (or to null when the table has none; serverId and offlineReference are required)`,
  );
}
