/**
 * Opens the source a parsed `--ledger` spec names. Every kind checks itself on open (the admin API answers,
 * the file and the table and its columns exist, the database accepts the user), so a wrong source fails
 * before the run rather than after it.
 */
import { openAdminHttpLedgerSource } from './admin-http-source.ts';
import type { LedgerSource } from './ledger-source.ts';
import type { LedgerMapping, LedgerSpec } from './ledger-spec.ts';
import { openMysqlLedgerSource } from './mysql-source.ts';
import { openSqliteLedgerSource } from './sqlite-source.ts';

export interface OpenLedgerOptions {
  /** Table and columns for sqlite and mysql sources (resolveLedgerMapping); ignored by the admin API. */
  readonly mapping?: LedgerMapping;
  /** The fake backend's bearer token, for the admin API. */
  readonly token?: string;
  /** The database password, overriding the DSN's. */
  readonly password?: string;
  /** Connect timeout for the admin API and MySQL, ms. */
  readonly connectTimeoutMs?: number;
}

export function openLedgerSource(spec: LedgerSpec, options: OpenLedgerOptions = {}): Promise<LedgerSource> {
  switch (spec.kind) {
    case 'admin-http':
      return openAdminHttpLedgerSource({
        url: spec.url,
        token: options.token,
        connectTimeoutMs: options.connectTimeoutMs,
      });
    case 'sqlite':
      return openSqliteLedgerSource({ path: spec.path, mapping: options.mapping });
    case 'mysql':
      return openMysqlLedgerSource({
        spec,
        mapping: options.mapping,
        password: options.password,
        connectTimeoutMs: options.connectTimeoutMs,
      });
  }
}
