/** Parsers for flag values: each failure names the flag and the value, and exits 2. */
import { parseDuration } from '../sim/simulation-config.ts';
import { ERR_FLAG } from './errors.ts';

export function positiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ERR_FLAG(flag, `expected a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new ERR_FLAG(flag, `expected a positive number, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0)
    throw new ERR_FLAG(
      flag,
      `expected a duration such as 8h, 90m, 30s or 1500 (ms), got ${JSON.stringify(text)}`,
    );
  return ms;
}

/** `--shard i/N`: the devices whose index is i mod N. */
export function shard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new ERR_FLAG('--shard', `expected i/N with 0 <= i < N (e.g. 0/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** `--header "Name: value"`. */
export function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new ERR_FLAG('--header', `expected "Name: value", got ${JSON.stringify(text)}`);
  }
  if (name.toLowerCase() === 'authorization') {
    throw new ERR_FLAG(
      '--header',
      'pass the bearer token with --token-env NAME (an environment variable), never on the command line',
    );
  }
  return [name, text.slice(colon + 1).trim()];
}

/** `--ledger-column field=column` (column `null`: the table has no such column). */
export function ledgerColumn(text: string): [string, string | null] {
  const equals = text.indexOf('=');
  if (equals <= 0)
    throw new ERR_FLAG(
      '--ledger-column',
      `expected field=column (e.g. offlineReference=ref), got ${JSON.stringify(text)}`,
    );
  const column = text.slice(equals + 1).trim();
  return [text.slice(0, equals).trim(), column === 'null' ? null : column];
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function environmentToken(
  name: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value === '')
    throw new ERR_FLAG('--token-env', `the environment variable ${name} is not set or is empty`);
  return value;
}
