/**
 * One place that turns anything that goes wrong into our JSON error body (ErrorResponseSchema): fastify's own
 * errors (validation, body too large, media type), ours, and bugs. Never a stack trace; never a crash.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { codeOf, isSyncsimError } from '../core/errors.ts';
import { isRecord } from '../core/is-record.ts';
import type { BackendContext } from './context.ts';
import {
  BadRequestError,
  BodyTooLargeError,
  errorBody,
  InternalError,
  InvalidBodyError,
  NotFoundError,
  type Problem,
  problem,
  UnsupportedMediaTypeError,
} from './errors.ts';

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .code(p.status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(p)));
}

/** The first schema error as a field and what is wrong with it: `body/transactions/3/items/0/quantity`, `must be > 0`. */
export function describeValidation(error: unknown, context: string): { field: string; problem: string } {
  if (!isRecord(error)) return { field: context, problem: 'is not valid' };
  const path = typeof error.instancePath === 'string' ? error.instancePath : '';
  const params = isRecord(error.params) ? error.params : {};
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { field: `${context}${path}/${params.missingProperty}`, problem: 'is required' };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { field: `${context}${path}/${params.additionalProperty}`, problem: 'is not allowed' };
  }
  return {
    field: `${context}${path}`,
    problem: typeof error.message === 'string' ? error.message : 'is not valid',
  };
}

/** Keeps echoed client input short. */
export function clip(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The part of the request a parsing error is about. */
const FIELD_BY_CODE: Readonly<Record<string, string>> = {
  SYNCSIM_ERR_BACKEND_INVALID_JSON: 'body',
  SYNCSIM_ERR_BACKEND_UNSUPPORTED_ENCODING: 'headers/content-encoding',
};

export function problemFor(error: unknown, request: FastifyRequest): Problem {
  if (isSyncsimError(error)) {
    const field = FIELD_BY_CODE[error.code];
    return problem(error, field === undefined ? {} : { field });
  }
  if (error instanceof Error) {
    const validation = Reflect.get(error, 'validation');
    if (Array.isArray(validation)) {
      const context = String(Reflect.get(error, 'validationContext') ?? 'body');
      const { field, problem: what } = describeValidation(validation[0], context);
      return problem(new InvalidBodyError(field, what), { field });
    }
    const code = codeOf(error);
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return problem(new BodyTooLargeError(request.routeOptions.bodyLimit ?? 0), { field: 'body' });
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const given = request.headers['content-type'];
      return problem(new UnsupportedMediaTypeError(given === undefined ? 'none' : clip(`'${given}'`)), {
        field: 'headers/content-type',
      });
    }
    const status = Reflect.get(error, 'statusCode');
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return problem(new BadRequestError(clip(error.message, 300)), { status });
    }
  }
  return problem(new InternalError(String(request.id)));
}

export function errorHandler(ctx: BackendContext) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // A client that went away mid-body: nobody will read an answer, but the reply still has to be finished.
    // Not `destroyed` alone: Node destroys every request once its body is read, so a bad body counted too.
    if (!request.raw.complete && (request.raw.aborted || request.raw.destroyed)) ctx.counters.aborted++;
    const p = problemFor(error, request);
    if (p.status >= 500) request.log.error({ err: error }, 'batch-sync backend error');
    return sendProblem(reply, p);
  };
}

/**
 * What Node itself refuses before Fastify sees a request (a malformed request line, conflicting lengths, a
 * header too large, a request too slow): answered in the same error shape as every other, then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const text = JSON.stringify(
    errorBody(
      problem(new BadRequestError(`the request is not valid HTTP (${error.code ?? error.message})`), {
        status,
      }),
    ),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** Fastify's own refusals before routing (a URL it cannot decode), in the error shape of every other answer. */
export function frameworkErrorHandler(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, problem(new BadRequestError(clip(error.message, 300)), { field: 'url' }));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, problem(new NotFoundError(request.method, clip(request.url))));
}
