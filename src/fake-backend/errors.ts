/**
 * Every error the fake backend can raise or answer with, defined once with a stable code (like fastify's
 * FST_ERR_*), and the HTTP status each code maps to. Messages name the field or value at fault.
 */
import { STATUS_CODES } from 'node:http';
import { defineError, type SyncsimError } from '../core/errors.ts';
import type { ErrorResponse } from '../core/protocol.ts';

// Client errors on the batch route.
export const InvalidJsonError = defineError(
  'SYNCSIM_ERR_BACKEND_INVALID_JSON',
  'protocol',
  (detail: string) => `body is not valid JSON: ${detail}`,
);
export const InvalidBodyError = defineError(
  'SYNCSIM_ERR_BACKEND_INVALID_BODY',
  'protocol',
  (field: string, problem: string) => `${field} ${problem}`,
);
export const BodyTooLargeError = defineError(
  'SYNCSIM_ERR_BACKEND_BODY_TOO_LARGE',
  'protocol',
  (limitBytes: number) => `body is larger than the limit of ${limitBytes} bytes`,
);
export const TooManyRowsError = defineError(
  'SYNCSIM_ERR_BACKEND_TOO_MANY_ROWS',
  'protocol',
  (rows: number, maxRows: number) => `body/transactions has ${rows} rows; the limit is ${maxRows} per batch`,
);
export const UnsupportedMediaTypeError = defineError(
  'SYNCSIM_ERR_BACKEND_UNSUPPORTED_MEDIA_TYPE',
  'protocol',
  (contentType: string) => `content-type must be application/json, got ${contentType}`,
);
export const UnsupportedEncodingError = defineError(
  'SYNCSIM_ERR_BACKEND_UNSUPPORTED_ENCODING',
  'protocol',
  (encoding: string) => `content-encoding must be identity (the body as it is), got ${encoding}`,
);
export const UnauthorizedError = defineError(
  'SYNCSIM_ERR_BACKEND_UNAUTHORIZED',
  'protocol',
  (why: string) => `headers/authorization ${why}`,
);
export const NotFoundError = defineError(
  'SYNCSIM_ERR_BACKEND_NOT_FOUND',
  'protocol',
  (method: string, url: string) => `no route ${method} ${url}`,
);
export const BadRequestError = defineError(
  'SYNCSIM_ERR_BACKEND_BAD_REQUEST',
  'protocol',
  (detail: string) => detail,
);

// The server's own troubles, real or injected.
export const OverloadedError = defineError(
  'SYNCSIM_ERR_BACKEND_OVERLOADED',
  'unavailable',
  (queued: number, retryAfterSeconds: number) =>
    `server overloaded: ${queued} requests queued; retry after ${retryAfterSeconds} s`,
);
export const InjectedFaultError = defineError(
  'SYNCSIM_ERR_BACKEND_INJECTED_FAULT',
  'unavailable',
  (status: number, when: string) => `injected fault: HTTP ${status} ${when}`,
);
export const CrashedError = defineError(
  'SYNCSIM_ERR_BACKEND_CRASHED',
  'unavailable',
  (committed: number, rows: number) => `injected crash after ${committed} of ${rows} rows were processed`,
);
export const StorageError = defineError(
  'SYNCSIM_ERR_BACKEND_STORAGE',
  'unavailable',
  (file: string, detail: string) => `storage ${file}: ${detail}`,
);
export const ListenError = defineError(
  'SYNCSIM_ERR_BACKEND_LISTEN',
  'unavailable',
  (host: string, port: number, detail: string) => `cannot listen on ${host}:${port}: ${detail}`,
);
export const InternalError = defineError(
  'SYNCSIM_ERR_BACKEND_INTERNAL',
  'internal',
  (requestId: string) => `internal error (request ${requestId}); see the server log`,
);

// Configuration.
export const InvalidOptionsError = defineError(
  'SYNCSIM_ERR_BACKEND_INVALID_OPTIONS',
  'config',
  (problems: readonly string[]) => `invalid backend options: ${problems.join('; ')}`,
);
/** The fault plan's file itself: missing or unreadable, as a missing scenario file is (not its content). */
export const FaultPlanUnreadableError = defineError(
  'SYNCSIM_ERR_BACKEND_FAULT_PLAN_UNREADABLE',
  'unavailable',
  (path: string, reason: string) => `cannot read the fault plan ${path}: ${reason}`,
);
export const InvalidFaultPlanError = defineError(
  'SYNCSIM_ERR_BACKEND_INVALID_FAULT_PLAN',
  'config',
  (source: string, problems: readonly string[]) => `invalid fault plan in ${source}: ${problems.join('; ')}`,
);

/** The status each code answers with when thrown; errors built with an explicit status (overload, faults) override it. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  SYNCSIM_ERR_BACKEND_INVALID_JSON: 400,
  SYNCSIM_ERR_BACKEND_INVALID_BODY: 400,
  SYNCSIM_ERR_BACKEND_BAD_REQUEST: 400,
  SYNCSIM_ERR_BACKEND_UNAUTHORIZED: 401,
  SYNCSIM_ERR_BACKEND_NOT_FOUND: 404,
  SYNCSIM_ERR_BACKEND_BODY_TOO_LARGE: 413,
  SYNCSIM_ERR_BACKEND_TOO_MANY_ROWS: 413,
  SYNCSIM_ERR_BACKEND_UNSUPPORTED_MEDIA_TYPE: 415,
  SYNCSIM_ERR_BACKEND_UNSUPPORTED_ENCODING: 415,
  SYNCSIM_ERR_BACKEND_OVERLOADED: 429,
  SYNCSIM_ERR_BACKEND_INJECTED_FAULT: 500,
  SYNCSIM_ERR_BACKEND_CRASHED: 500,
  SYNCSIM_ERR_BACKEND_STORAGE: 503,
  SYNCSIM_ERR_BACKEND_INVALID_FAULT_PLAN: 400,
  SYNCSIM_ERR_BACKEND_INVALID_OPTIONS: 400,
  SYNCSIM_ERR_BACKEND_INTERNAL: 500,
};

export function statusOf(error: SyncsimError): number {
  return STATUS_BY_CODE[error.code] ?? 500;
}

/** An answer the backend gives on purpose: the error, its status and the field at fault. */
export interface Problem {
  readonly error: SyncsimError;
  readonly status: number;
  readonly field?: string;
}

export function problem(error: SyncsimError, options: { status?: number; field?: string } = {}): Problem {
  const status = options.status ?? statusOf(error);
  return options.field === undefined ? { error, status } : { error, status, field: options.field };
}

/** The JSON body of every non-2xx answer (ErrorResponseSchema). Never a stack trace. */
export function errorBody(p: Problem): ErrorResponse {
  const body: ErrorResponse = {
    success: false,
    statusCode: p.status,
    code: p.error.code,
    error: STATUS_CODES[p.status] ?? 'Error',
    message: p.error.message,
  };
  if (p.field !== undefined) body.field = p.field;
  return body;
}
