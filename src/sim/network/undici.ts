/**
 * undici, loaded on first use: importing it costs ~20 MB of RSS (its HTTP parser), and a virtual-time run,
 * every `--workers` shard included, never sends a real request. Its timeout errors are told apart by their
 * documented codes, so mapping an error never needs the module.
 */
import { codeOf } from '../../core/errors.ts';

export type Undici = typeof import('undici');

let loading: Promise<Undici> | null = null;

export function loadUndici(): Promise<Undici> {
  loading ??= import('undici');
  return loading;
}

export type UndiciTimeout = 'connect' | 'headers' | 'body';

const TIMEOUT_CODES: Readonly<Record<string, UndiciTimeout>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/** Which of undici's timeouts the error is, or null when it is none. */
export function undiciTimeout(error: unknown): UndiciTimeout | null {
  return TIMEOUT_CODES[codeOf(error)] ?? null;
}
