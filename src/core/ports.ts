/**
 * The device core talks to the world only through these ports. The simulator injects virtual-time and
 * in-process implementations; a real app (or `--realtime`) injects wall time and HTTP. Nothing in src/core
 * reads the wall clock, draws unseeded randomness or opens a socket by itself.
 */

/** Time as one device sees it. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds as the device believes it: it may drift and jump backwards. */
  now(): number;
  /** Milliseconds on a monotonic timeline that never goes back; only differences are meaningful. */
  monotonic(): number;
  /** Resolves after `ms` of monotonic time. */
  sleep(ms: number): Promise<void>;
}

/** A seeded stream of random numbers: one per device, so a run replays exactly. */
export interface Random {
  /** A uniformly distributed float in [0, 1). */
  next(): number;
}

/** Why a request did not produce a 2xx response with a body. */
/** How long the app waits for an answer unless configured otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export type TransportFailure =
  /** The device knows it is offline: no request was made. */
  | { readonly kind: 'offline' }
  /** No answer in time; the server may or may not have processed the request. */
  | { readonly kind: 'timeout'; readonly phase: 'connect' | 'headers' | 'body' }
  /** The connection broke (refused, reset, closed mid-response); the server may have processed the request. */
  | { readonly kind: 'reset'; readonly detail: string }
  /** The server answered with a non-2xx status. */
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly body: string;
      /** From a Retry-After header, in milliseconds; null when absent or unparseable. */
      readonly retryAfterMs: number | null;
    }
  /** A 2xx answer whose body is not a valid batch-sync response. */
  | { readonly kind: 'protocol'; readonly detail: string };

export type TransportFailureKind = TransportFailure['kind'];

/** The typed failure every Transport rejects with. Anything else thrown by a transport is a bug. */
export class TransportError extends Error {
  readonly failure: TransportFailure;

  constructor(failure: TransportFailure) {
    super(describeFailure(failure));
    this.name = 'TransportError';
    this.failure = failure;
  }
}

export function describeFailure(failure: TransportFailure): string {
  switch (failure.kind) {
    case 'offline':
      return 'offline: no request made';
    case 'timeout':
      return `timeout waiting for ${failure.phase}`;
    case 'reset':
      return `connection reset: ${failure.detail}`;
    case 'http':
      return `HTTP ${failure.status}${failure.body ? `: ${failure.body.slice(0, 200)}` : ''}`;
    case 'protocol':
      return `invalid response: ${failure.detail}`;
  }
}

/** A 2xx answer to one batch request. */
export interface TransportReply {
  readonly status: number;
  /** The raw response body; the core parses it with the shared protocol module. */
  readonly body: string;
}

/** Sends one batch-sync request body (JSON text) to the backend. */
export interface Transport {
  /** Resolves on a 2xx answer; rejects with TransportError on anything else. */
  postBatch(body: string): Promise<TransportReply>;
}

/** The structured logger the core writes AppLog events to; a pino logger satisfies it. */
export interface Logger {
  debug(meta: object, message: string): void;
  info(meta: object, message: string): void;
  warn(meta: object, message: string): void;
  error(meta: object, message: string): void;
}

/** A logger that drops everything: the default when none is injected. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
