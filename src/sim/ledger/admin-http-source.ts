/**
 * The fake backend's ledger through its admin API (`syncsim serve --admin`):
 * `GET <base>/__syncsim/ledger?device_id=&after=` answers every stored row as NDJSON (one LedgerEntry per
 * line, ascending server_id), which the server streams a page at a time and this source parses a line at a
 * time. If the answer breaks off mid-stream, the read resumes with `after=<last server_id received>`, so no
 * row is lost or repeated.
 *
 * undici with explicit timeouts (its defaults are 300 s); the bearer token, when given, is sent and never
 * shown. A device filter of up to `perDeviceLimit` devices is one request per device (the server's
 * (device_id, server_id) index); a larger one reads everything once and filters here.
 */
import { codeOf, isSyncsimError, messageOf } from '../../core/errors.ts';
import { ADMIN_PREFIX } from '../../fake-backend/admin-routes.ts';
import {
  ERR_LEDGER_ACCESS,
  ERR_LEDGER_ADMIN_DISABLED,
  ERR_LEDGER_CLOSED,
  ERR_LEDGER_ROW,
  ERR_LEDGER_UNAVAILABLE,
} from '../errors.ts';
import type { LedgerRow } from '../ledger-row.ts';
import { loadUndici, type Undici, undiciTimeout } from '../network/undici.ts';
import type { LedgerFilter, LedgerSource } from './ledger-source.ts';
import { LedgerRowReader, type RawLedgerValues } from './ledger-values.ts';
import { LineTooLongError, ndjsonLines } from './ndjson-lines.ts';

export interface AdminHttpLedgerOptions {
  /** The fake backend's base URL (parseLedgerSpec's `url`): `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The backend's bearer token (from the environment, never a flag). */
  readonly token?: string;
  readonly connectTimeoutMs?: number;
  /** Until the answer's headers arrive. */
  readonly headersTimeoutMs?: number;
  /** Between two chunks of the answer (not for the whole answer: a big ledger takes as long as it takes). */
  readonly bodyTimeoutMs?: number;
  /** How many times one read resumes after the answer broke off. */
  readonly resumes?: number;
  /** Device filters up to this size ask device by device; larger ones read everything and filter here. */
  readonly perDeviceLimit?: number;
}

export const LEDGER_PATH = `${ADMIN_PREFIX}/ledger`;
const MAX_ERROR_BODY = 300;
/** Past every id the backend can hand out (its query takes at most 15 digits): the probe reads nothing. */
export const PROBE_AFTER = 999_999_999_999_999;

type Response = Awaited<ReturnType<Undici['request']>>;
type Body = Response['body'];

/** The root network cause, in words a user can act on. */
function networkReason(
  error: unknown,
  options: Required<Pick<AdminHttpLedgerOptions, 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs'>>,
): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const code = codeOf(error) || codeOf(cause);
  const timeout = undiciTimeout(error);
  if (timeout === 'connect') return `no connection within ${options.connectTimeoutMs} ms`;
  if (timeout === 'headers') return `no answer within ${options.headersTimeoutMs} ms`;
  if (timeout === 'body') return `the answer stalled for ${options.bodyTimeoutMs} ms`;
  if (code === 'ECONNREFUSED') return 'connection refused (is syncsim serve --admin running there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  const message = messageOf(error);
  return code !== '' && !message.includes(code) ? `${code}: ${message}` : message;
}

function valuesOf(entry: Record<string, unknown>): RawLedgerValues {
  return {
    serverId: entry.server_id,
    offlineId: entry.offline_id,
    offlineReference: entry.offline_reference,
    deviceId: entry.device_id,
    grandTotal: entry.grand_total,
    subtotal: entry.subtotal,
    discountTotal: entry.discount_total,
    taxTotal: entry.tax_total,
    items: entry.items,
    transactionCode: entry.transaction_code,
  };
}

/**
 * Drops an answer's body. undici's body emits 'error' (Request aborted) when destroyed before its end, and
 * an 'error' with no listener would crash the process: the body's remainder is of no interest here.
 */
function discard(body: Body): void {
  body.on('error', () => {});
  body.destroy();
}

async function textSnippet(body: Body): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.length >= MAX_ERROR_BODY) break;
    }
  } catch {
    // The snippet only decorates the message.
  } finally {
    discard(body);
  }
  const clipped = text.replace(/\s+/g, ' ').trim();
  return clipped.length > MAX_ERROR_BODY ? `${clipped.slice(0, MAX_ERROR_BODY)}…` : clipped;
}

/** Checks that the admin API answers (404 when it is not enabled, 401 without the token), then returns the source. */
export async function openAdminHttpLedgerSource(options: AdminHttpLedgerOptions): Promise<LedgerSource> {
  const base = options.url.replace(/\/+$/, '');
  const name = base;
  const description = `${base} (admin API)`;
  const timeouts = {
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 30_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
  };
  const maxResumes = options.resumes ?? 2;
  const perDeviceLimit = options.perDeviceLimit ?? 64;
  const { Agent, request } = await loadUndici();
  const agent = new Agent({
    connect: { timeout: timeouts.connectTimeoutMs },
    headersTimeout: timeouts.headersTimeoutMs,
    bodyTimeout: timeouts.bodyTimeoutMs,
    keepAliveTimeout: 10_000,
  });
  const headers: Record<string, string> = { accept: 'application/x-ndjson' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const closer = new AbortController();
  let closed = false;
  let lastWarnings: readonly string[] = [];

  /** GET the ledger from `after` on; returns the body of a 200 NDJSON answer, else throws the right error. */
  const openStream = async (deviceId: string | undefined, after: number): Promise<Body> => {
    const query = new URLSearchParams();
    if (deviceId !== undefined) query.set('device_id', deviceId);
    if (after > 0) query.set('after', String(after));
    const search = query.size === 0 ? '' : `?${query}`;
    let response: Response;
    try {
      response = await request(`${base}${LEDGER_PATH}${search}`, {
        method: 'GET',
        headers,
        dispatcher: agent,
        signal: closer.signal,
      });
    } catch (error) {
      if (closed) throw new ERR_LEDGER_CLOSED(description, { cause: error });
      throw new ERR_LEDGER_UNAVAILABLE(name, networkReason(error, timeouts), { cause: error });
    }
    const { statusCode, body } = response;
    if (statusCode === 200) {
      const type = String(response.headers['content-type'] ?? '');
      if (type.includes('ndjson')) return body;
      discard(body);
      throw new ERR_LEDGER_ROW(
        name,
        `GET ${LEDGER_PATH}`,
        `answered content-type ${JSON.stringify(type)}, not application/x-ndjson: is this a syncsim fake backend?`,
      );
    }
    const snippet = await textSnippet(body);
    if (statusCode === 404) throw new ERR_LEDGER_ADMIN_DISABLED(`${base}${LEDGER_PATH}`);
    if (statusCode === 401 || statusCode === 403) {
      throw new ERR_LEDGER_ACCESS(
        name,
        options.token === undefined
          ? `the admin API answered ${statusCode}: it needs the backend's bearer token (the one syncsim serve --token-env names)`
          : `the admin API answered ${statusCode}: it refused the bearer token given`,
      );
    }
    throw new ERR_LEDGER_UNAVAILABLE(
      name,
      `GET ${LEDGER_PATH}${search} answered ${statusCode}${snippet === '' ? '' : `: ${snippet}`}`,
    );
  };

  /** Every row of one device (or of all), resuming after a break-off. */
  async function* readScope(
    deviceId: string | undefined,
    reader: LedgerRowReader,
  ): AsyncGenerator<LedgerRow> {
    let after = 0;
    let resumes = 0;
    for (;;) {
      const body = await openStream(deviceId, after);
      let line = 0;
      try {
        for await (const text of ndjsonLines(body)) {
          line += 1;
          const where = `line ${line} of GET ${LEDGER_PATH}`;
          let entry: unknown;
          try {
            entry = JSON.parse(text);
          } catch (error) {
            throw new ERR_LEDGER_ROW(name, where, `is not JSON (${messageOf(error)})`);
          }
          if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
            throw new ERR_LEDGER_ROW(name, where, 'is not a JSON object');
          const row = reader.read(valuesOf(entry as Record<string, unknown>));
          // Resuming relies on ascending ids; a server that breaks the order would make it skip rows.
          if (row.serverId <= after) {
            throw new ERR_LEDGER_ROW(
              name,
              where,
              `has server_id ${row.serverId} after ${after}: rows are not in ascending server_id order`,
            );
          }
          after = row.serverId;
          yield row;
        }
        return;
      } catch (error) {
        if (closed) throw new ERR_LEDGER_CLOSED(description, { cause: error });
        if (error instanceof LineTooLongError)
          throw new ERR_LEDGER_ROW(
            name,
            `line ${line + 1} of GET ${LEDGER_PATH}`,
            `is too long: ${error.message}`,
          );
        if (isSyncsimError(error)) throw error;
        if (resumes >= maxResumes) {
          throw new ERR_LEDGER_UNAVAILABLE(
            name,
            `the answer broke off after server_id ${after} (${resumes} resumes): ${networkReason(error, timeouts)}`,
            { cause: error },
          );
        }
        resumes += 1;
      } finally {
        discard(body);
      }
    }
  }

  async function* read(filter?: LedgerFilter): AsyncGenerator<LedgerRow> {
    if (closed) throw new ERR_LEDGER_CLOSED(description);
    const reader = new LedgerRowReader(name);
    const ids = filter?.deviceIds;
    if (ids === undefined) {
      yield* readScope(undefined, reader);
    } else if (ids.size <= perDeviceLimit) {
      // Sorted, so that the same filter reads in the same order.
      for (const id of [...ids].sort()) yield* readScope(id, reader);
    } else {
      for await (const row of readScope(undefined, reader)) {
        if (row.deviceId === null || ids.has(row.deviceId)) yield row;
      }
    }
    lastWarnings = reader.warnings();
  }

  const source: LedgerSource = {
    description,
    read,
    warnings: () => lastWarnings,
    async close() {
      if (closed) return;
      closed = true;
      closer.abort();
      await agent.destroy();
    },
  };

  // The probe: an empty page past every id, so a missing admin API or token fails before the run.
  try {
    const body = await openStream(undefined, PROBE_AFTER);
    await body.dump();
  } catch (error) {
    await agent.destroy();
    throw error;
  }
  return source;
}
