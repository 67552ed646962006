/** Parsers for flag values: each failure names the flag and the value, and exits 2. */
import { LEDGER_COLUMN_FIELDS, REQUIRED_COLUMN_FIELDS } from '../sim/ledger/ledger-spec.ts';
import { extraHeaderProblem } from '../sim/network/extra-headers.ts';
import { parseDuration } from '../sim/simulation-config.ts';
import { ERR_FLAG } from './errors.ts';

export function wholeNumber(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ERR_FLAG(flag, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function positiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  return wholeNumber(flag, text, 1, max);
}

/** The fastest real-time run: one scenario hour in 36 wall milliseconds (faster, timers cannot keep up). */
export const MAX_SPEED = 100_000;
/** Shard threads of one process (`--workers`). */
export const MAX_WORKERS = 256;

export function positiveNumber(flag: string, text: string, max = Number.MAX_VALUE): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    const bound = max === Number.MAX_VALUE ? '' : ` up to ${max}`;
    throw new ERR_FLAG(flag, `expected a positive number${bound}, got ${JSON.stringify(text)}`);
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

/** A flag whose value names something (a seed, a URL, a ledger, a folder): blank is never what was meant. */
export function nonBlank(flag: string, text: string, example: string): string {
  if (text.trim() === '') throw new ERR_FLAG(flag, `expected ${example}, got ${JSON.stringify(text)}`);
  return text;
}

/**
 * Why a seed cannot be one, or null: any text but blank or with control characters (the run folder, the
 * terminal, every report and a replay name it).
 */
export function seedProblem(text: string): string | null {
  if (text.trim() === '') return 'blank';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it refuses
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return 'it has control characters';
  return null;
}

/** `--seed s`: see seedProblem. */
export function seed(text: string): string {
  const problem = seedProblem(text);
  if (problem !== null)
    throw new ERR_FLAG(
      '--seed',
      `expected a seed such as 42 or black-friday-1, got ${JSON.stringify(text)}: ${problem}`,
    );
  return text;
}

/** `--out DIR` when given (undefined when not: the command picks its default folder). */
export function outFolder(text: string | undefined): string | undefined {
  return text === undefined ? undefined : nonBlank('--out', text, 'a folder');
}

/** `--shard i/N`: the devices whose index is i mod N. */
export function shard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new ERR_FLAG('--shard', `expected i/N with 0 <= i < N (e.g. 0/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** `Name: rest` of a header flag; a missing name is refused in the flag's own terms. */
function splitHeader(flag: string, text: string, shape: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (name === '') throw new ERR_FLAG(flag, `expected "${shape}", got ${JSON.stringify(text)}`);
  return [name, text.slice(colon + 1).trim()];
}

/** Refuses a header the requests may not carry (see extraHeaderProblem). */
function checkHeader(flag: string, name: string, value: string): void {
  const problem = extraHeaderProblem(name, value);
  if (problem !== null) throw new ERR_FLAG(flag, problem);
}

/** `--header "Name: value"`. */
export function header(text: string): [string, string] {
  const [name, value] = splitHeader('--header', text, 'Name: value');
  checkHeader('--header', name, value);
  return [name, value];
}

/** `--header-env "Name: VAR"`: a header whose value is read from the environment variable VAR. */
export function headerEnv(text: string): [string, string] {
  const [name, variable] = splitHeader('--header-env', text, 'Name: ENV_VARIABLE');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
    throw new ERR_FLAG('--header-env', `expected "Name: ENV_VARIABLE", got ${JSON.stringify(text)}`);
  checkHeader('--header-env', name, '');
  return [name, variable];
}

/**
 * The values of the headers a target takes from the environment (`backend.headerEnv`): each variable must be
 * set, and its value must be one a header can carry.
 */
export function environmentHeaders(
  headerEnv: Readonly<Record<string, string>> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, variable] of Object.entries(headerEnv ?? {})) {
    const value = env[variable];
    if (value === undefined || value === '')
      throw new ERR_FLAG(
        '--header-env',
        `the environment variable ${variable} (for ${name}) is not set or is empty`,
      );
    const problem = extraHeaderProblem(name, value);
    if (problem !== null) throw new ERR_FLAG('--header-env', `${variable}: ${problem}`);
    headers[name] = value;
  }
  return headers;
}

/** `--ledger-column field=column` (column `null`: the table has no such column). */
export function ledgerColumn(text: string): [string, string | null] {
  const equals = text.indexOf('=');
  if (equals <= 0)
    throw new ERR_FLAG(
      '--ledger-column',
      `expected field=column (e.g. offlineReference=ref), got ${JSON.stringify(text)}`,
    );
  const field = text.slice(0, equals).trim();
  const column = text.slice(equals + 1).trim();
  if (!(LEDGER_COLUMN_FIELDS as readonly string[]).includes(field))
    throw new ERR_FLAG(
      '--ledger-column',
      `${JSON.stringify(field)} is not a ledger field (expected one of: ${LEDGER_COLUMN_FIELDS.join(', ')})`,
    );
  if (column === 'null' && (REQUIRED_COLUMN_FIELDS as readonly string[]).includes(field))
    throw new ERR_FLAG(
      '--ledger-column',
      `${field} cannot be null: without it a server row cannot be matched to a sale`,
    );
  return [field, column === 'null' ? null : column];
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
