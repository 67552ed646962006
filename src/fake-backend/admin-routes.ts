/**
 * The admin and inspection API under `/__syncsim/`, mounted only when `admin` is on:
 *
 *   GET  /__syncsim/ledger?device_id=&after=        every stored row as NDJSON (LedgerEntrySchema per line),
 *                                                   streamed a page at a time
 *   GET  /__syncsim/ledger/page?device_id=&after=&limit=   {entries: LedgerEntry[], nextAfter: number | null}
 *   GET  /__syncsim/counters                        BackendCounters plus ledgerRows
 *   GET  /__syncsim/faults                          {plan, elapsedMs, activePhase}
 *   PUT  /__syncsim/faults                          body: a FaultPlan; validated (400 naming the field)
 *   POST /__syncsim/reset                           empties the ledger and counters, restarts the plan
 *
 * Protected by the same bearer token as the batch route when one is set.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { isSyncsimError } from '../core/errors.ts';
import { isRecord } from '../core/is-record.ts';
import { LIMITS } from '../core/protocol.ts';
import { authHook } from './auth.ts';
import type { BackendContext } from './context.ts';
import { snapshotCounters } from './counters.ts';
import { sendProblem } from './error-handler.ts';
import { BadRequestError, problem } from './errors.ts';
import type { FaultState } from './faults.ts';
import { DEFAULT_PAGE_SIZE, type LedgerQuery, MAX_PAGE_SIZE } from './storage.ts';

export const ADMIN_PREFIX = '/__syncsim';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly field: string; readonly message: string };

/** The path a fault plan's first problem names (`body/phases/0/lostAck/rate must be <= 1`), else `body`. */
function firstField(problems: unknown): string {
  const first =
    Array.isArray(problems) && typeof problems[0] === 'string' ? problems[0].split(' ')[0] : undefined;
  return first?.startsWith('body') === true ? first : 'body';
}

function integerParam(raw: unknown, field: string, min: number, max: number): Parsed<number | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    return { ok: false, field, message: `${field} must be a whole number` };
  }
  // Compared as a number even when it has more digits than a safe integer: then it is simply too large.
  const value = Number(raw);
  if (value < min || value > max)
    return { ok: false, field, message: `${field} must be between ${min} and ${max}` };
  return { ok: true, value };
}

/** Parses `?device_id=&after=&limit=` by hand: the route's body schemas are strict and never coerce types. */
export function parseLedgerQuery(query: unknown, withLimit: boolean): Parsed<LedgerQuery> {
  const q = isRecord(query) ? query : {};
  const known = withLimit ? ['device_id', 'after', 'limit'] : ['device_id', 'after'];
  const unknownKey = Object.keys(q).find((key) => !known.includes(key));
  if (unknownKey !== undefined) {
    const field = `querystring/${unknownKey}`;
    return { ok: false, field, message: `${field} is not allowed (expected one of: ${known.join(', ')})` };
  }
  const deviceId = q.device_id;
  if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId.length > LIMITS.identifier)) {
    const field = 'querystring/device_id';
    return {
      ok: false,
      field,
      message: `${field} must be one string of at most ${LIMITS.identifier} characters`,
    };
  }
  const after = integerParam(q.after, 'querystring/after', 0, Number.MAX_SAFE_INTEGER);
  if (!after.ok) return after;
  const limit = withLimit
    ? integerParam(q.limit, 'querystring/limit', 1, MAX_PAGE_SIZE)
    : { ok: true as const, value: undefined };
  if (!limit.ok) return limit;
  return { ok: true, value: { deviceId, after: after.value, limit: limit.value ?? DEFAULT_PAGE_SIZE } };
}

export function faultView(state: FaultState): {
  plan: FaultState['plan'];
  elapsedMs: number;
  activePhase: number | null;
} {
  return { plan: state.plan, elapsedMs: state.elapsedMs, activePhase: state.activePhase };
}

export function adminRoutes(ctx: BackendContext, reset: () => void) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRequest', authHook(ctx));

    app.get('/ledger', async (request, reply) => {
      const query = parseLedgerQuery(request.query, false);
      if (!query.ok)
        return sendProblem(reply, problem(new BadRequestError(query.message), { field: query.field }));
      const chunks = ctx.ledger.ndjsonChunks(query.value);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .send(Readable.from(chunks, { objectMode: false }));
    });

    app.get('/ledger/page', async (request, reply) => {
      const query = parseLedgerQuery(request.query, true);
      if (!query.ok)
        return sendProblem(reply, problem(new BadRequestError(query.message), { field: query.field }));
      return reply.send(ctx.ledger.page(query.value));
    });

    app.get('/counters', async (_request, reply) => {
      return reply.send({ ...snapshotCounters(ctx.counters), ledgerRows: ctx.ledger.count() });
    });

    app.get('/faults', async (_request, reply) => reply.send(faultView(ctx.faults.state())));

    app.put('/faults', async (request, reply) => {
      try {
        return reply.send(faultView(ctx.faults.setPlan(request.body, 'body')));
      } catch (error) {
        if (!isSyncsimError(error)) throw error;
        // A bad body, like a schema violation on the batch route, with the path of its first problem.
        return sendProblem(
          reply,
          problem(new BadRequestError(error.message), { field: firstField(error.args[1]) }),
        );
      }
    });

    app.post('/reset', async (_request, reply) => {
      reset();
      return reply.send({ success: true });
    });
  };
}
