/**
 * Flags of a benchmark child (`--devices 1000 --duration 8h`), read with node's parseArgs. Every flag is a
 * string on the command line; these helpers turn it into what the child needs or exit with a message,
 * because a child run with a wrong flag must fail loudly rather than measure something else.
 */
import { parseArgs } from 'node:util';

export type ChildFlags = Readonly<Record<string, string | undefined>>;

/** Parses `--name value` pairs for the given names; unknown flags are an error. */
export function readFlags(names: readonly string[]): ChildFlags {
  const options: Record<string, { type: 'string' }> = {};
  for (const name of names) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: process.argv.slice(2), options, strict: true });
  const flags: Record<string, string | undefined> = {};
  for (const name of names) {
    const value = values[name];
    flags[name] = typeof value === 'string' ? value : undefined;
  }
  return flags;
}

export function stringFlag(flags: ChildFlags, name: string, fallback?: string): string {
  const value = flags[name] ?? fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

export function numberFlag(flags: ChildFlags, name: string, fallback?: number): number {
  const text = flags[name];
  if (text === undefined) {
    if (fallback === undefined) throw new Error(`missing --${name}`);
    return fallback;
  }
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0, got ${text}`);
  return value;
}

export function choiceFlag<T extends string>(flags: ChildFlags, name: string, choices: readonly T[]): T {
  const value = stringFlag(flags, name);
  const found = choices.find((choice) => choice === value);
  if (found === undefined) throw new Error(`--${name} must be one of ${choices.join(', ')}, got ${value}`);
  return found;
}
