/**
 * The Transport over real HTTP: one undici Pool per target shared by the fleet (keep-alive connections),
 * explicit connect, headers and body timeouts (undici's defaults are 300 s), a bearer token taken from the
 * environment by the caller, and every failure mapped to the core's typed TransportFailure.
 */
import type { Pool } from 'undici';
import { codeOf } from '../../core/errors.ts';
import type { Clock, Transport, TransportFailure, TransportReply } from '../../core/ports.ts';
import { TransportError } from '../../core/ports.ts';
import { DEFAULT_BATCH_SYNC_PATH } from '../../core/protocol.ts';
import { ERR_TARGET_UNREACHABLE, ERR_TARGET_URL } from '../errors.ts';
import { redactSecrets } from '../ledger/ledger-spec.ts';
import { parseRetryAfter } from './retry-after.ts';
import { loadUndici, undiciTimeout } from './undici.ts';

export interface HttpTargetOptions {
  /** Base URL of the backend, e.g. `http://127.0.0.1:8080` (a path prefix is allowed). */
  readonly url: string;
  /** The batch-sync route under the base URL. */
  readonly path?: string;
  /** Keep-alive connections in the pool. */
  readonly connections?: number;
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  /** The bearer token's value (read from an environment variable by the CLI, never from a flag). */
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The server's clock, for HTTP-date Retry-After values: the wall clock for a real backend. */
  readonly clock: Clock;
  /**
   * Scenario ms per ms of the server's clock, for Retry-After values: a real backend's "retry in 120 s" is
   * wall time, 120 s times the speed on a sped-up scenario clock. 1 (the default) when the server keeps
   * scenario time itself (the fake backend in a real-time run).
   */
  readonly retryAfterScale?: number;
}

/** Error bodies are kept for the report, bounded: a 100 MB error page must not be held in memory. */
const MAX_ERROR_BODY = 4096;
/**
 * A batch-sync answer is read whole, up to this: one row's result is ~150 bytes, so a batch of 100,000 rows
 * answers in ~15 MB. Past it the body is not read on: a server streaming without end must not fill memory.
 */
const MAX_ANSWER_BODY = 64 * 1024 * 1024;

/** The first `limit` bytes of a body as text, and whether there was more (then the rest is not read). */
async function readAtMost(
  body: AsyncIterable<Buffer>,
  limit: number,
): Promise<{ text: string; cut: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      // Leaving the loop destroys the stream: the connection goes, the rest is never read.
      return { text: Buffer.concat(chunks).toString('utf8'), cut: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut: false };
}

export interface HttpTarget {
  readonly transport: Transport;
  readonly origin: string;
  readonly path: string;
  /** Fails with SYNCSIM_ERR_TARGET_UNREACHABLE unless the server answers an HTTP request at all. */
  probe(): Promise<void>;
  /**
   * Ends every connection now. Requests still in flight fail with a reset: at the end of a run their devices
   * are gone, and waiting for them would hold the run up to a timeout per queued request (a hung target).
   */
  close(): Promise<void>;
}

export function parseTargetUrl(
  url: string,
  path = DEFAULT_BATCH_SYNC_PATH,
): { origin: string; path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ERR_TARGET_URL(url, 'is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ERR_TARGET_URL(url, 'must be http:// or https://');
  // Each request goes to the batch path under it: a query or fragment would be dropped without a word.
  if (parsed.search !== '' || parsed.hash !== '')
    throw new ERR_TARGET_URL(url, 'must be a base URL, without ?query or #fragment');
  if (parsed.username !== '' || parsed.password !== '')
    throw new ERR_TARGET_URL(
      redactSecrets(url),
      'must not carry user:password@ (pass a bearer token with --token-env NAME)',
    );
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return { origin: parsed.origin, path: `${prefix}${path.startsWith('/') ? path : `/${path}`}` };
}

export function createHttpTarget(options: HttpTargetOptions): HttpTarget {
  const { origin, path } = parseTargetUrl(options.url, options.path);
  // Made as undici loads, which starts here: only runs with a real target pay for it.
  const pool: Promise<Pool> = loadUndici().then(
    ({ Pool }) =>
      new Pool(origin, {
        connections: options.connections ?? 64,
        connect: { timeout: options.connectTimeoutMs ?? 5_000 },
        headersTimeout: options.headersTimeoutMs ?? 30_000,
        bodyTimeout: options.bodyTimeoutMs ?? 30_000,
        keepAliveTimeout: 30_000,
      }),
  );
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

  const scale = options.retryAfterScale ?? 1;
  const scaled = (ms: number | null): number | null => (ms === null ? null : ms * scale);
  // The body goes in as a Buffer (off the V8 heap; undici would copy it into one anyway): a string held by
  // this frame for the round trip would be copied by every scavenge and promoted, ~65 KB a 100-row request.
  const send = async (body: Buffer): Promise<TransportReply> => {
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await (await pool).request({ method: 'POST', path, headers, body });
    } catch (error) {
      throw new TransportError(failureOf(error));
    }
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    let read: { text: string; cut: boolean };
    try {
      read = await readAtMost(response.body, ok ? MAX_ANSWER_BODY : MAX_ERROR_BODY);
    } catch (error) {
      throw new TransportError(failureOf(error));
    }
    if (ok && read.cut)
      throw new TransportError({
        kind: 'protocol',
        detail: `the answer's body is over ${MAX_ANSWER_BODY / 1024 / 1024} MiB: not a batch-sync response`,
      });
    if (ok) return { status: response.statusCode, body: read.text };
    throw new TransportError({
      kind: 'http',
      status: response.statusCode,
      body: read.text,
      retryAfterMs: scaled(parseRetryAfter(response.headers['retry-after'], options.clock.now())),
    });
  };
  const transport: Transport = { postBatch: (body) => send(Buffer.from(body)) };

  return {
    transport,
    origin,
    path,
    async probe() {
      try {
        const response = await (await pool).request({ method: 'GET', path: '/', headers });
        await response.body.dump();
      } catch (error) {
        throw new ERR_TARGET_UNREACHABLE(origin, failureMessage(error), { cause: error });
      }
    },
    close: async () => (await pool).destroy(),
  };
}

function failureMessage(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Maps undici's and the socket's errors to the core's typed failures. */
export function failureOf(error: unknown): TransportFailure {
  const phase = undiciTimeout(error);
  if (phase !== null) return { kind: 'timeout', phase };
  return { kind: 'reset', detail: failureMessage(error) };
}
