/**
 * Bearer-token auth for the batch route and the admin API: when the backend has a token, a request without
 * `Authorization: Bearer <token>` gets 401 before its body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BackendContext } from './context.ts';
import { sendProblem } from './error-handler.ts';
import { problem, UnauthorizedError } from './errors.ts';

/** Null when the header carries the token (or none is required), else why not. */
export function authProblem(token: string | null, header: string | undefined): string | null {
  if (token === null) return null;
  if (header === undefined || header === '') return 'is missing: send Authorization: Bearer <token>';
  // The scheme is case-insensitive (RFC 9110), the token is not.
  const match = /^bearer +(.*)$/i.exec(header);
  if (match?.[1] !== token) return 'does not carry the expected bearer token';
  return null;
}

export function authHook(ctx: BackendContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const why = authProblem(ctx.options.token, request.headers.authorization);
    if (why !== null) {
      // RFC 9110: a 401 names the scheme it wants.
      reply.header('www-authenticate', 'Bearer');
      sendProblem(reply, problem(new UnauthorizedError(why), { field: 'headers/authorization' }));
    }
  };
}
