/**
 * `buildBackend(options, { clock })` builds the fake batch-sync backend: a ready Fastify app that does NOT
 * listen (use `app.inject`, injectBatch, or `app.listen`; serve.ts does the latter), plus handles on its
 * ledger, counters and fault plan for in-process callers.
 *
 *   const backend = await buildBackend({ storage: { file: ':memory:' }, seed: 42 }, { clock });
 *   const outcome = await injectBatch(backend, JSON.stringify(batch));
 *   for (const entry of backend.ledger.entries()) ...
 *   await backend.close();
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../core/ports.ts';
import { ADMIN_PREFIX, adminRoutes } from './admin-routes.ts';
import { batchSyncRoute } from './batch-sync-route.ts';
import { createCapacity } from './capacity.ts';
import type { BackendContext } from './context.ts';
import { type BackendCounters, emptyCounters, snapshotCounters } from './counters.ts';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from './error-handler.ts';
import { InvalidJsonError, UnsupportedEncodingError } from './errors.ts';
import { createFaultController, type FaultState } from './faults.ts';
import {
  type BackendOptions,
  type BackendOptionsInput,
  DEFAULT_BODY_LIMIT,
  resolveBackendOptions,
} from './options.ts';
import { type Ledger, openLedger } from './storage.ts';

/** How long a client has to send its whole request over HTTP. */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface BackendRuntime {
  /** Every delay and every time read of the backend goes through this clock (virtual in simulations). */
  readonly clock: Clock;
}

export interface Backend {
  /** Ready, not listening. */
  readonly app: FastifyInstance;
  readonly options: BackendOptions;
  /** Read it in-process: `ledger.entries()`, `ledger.page({ deviceId, after, limit })`, `ledger.count()`. */
  readonly ledger: Ledger;
  /** A snapshot of the counters. */
  counters(): BackendCounters;
  faultState(): FaultState;
  /** Validates and installs a fault plan now (its timeline restarts); throws InvalidFaultPlanError. */
  setFaultPlan(plan: unknown): FaultState;
  /** Empties the ledger (server_id restarts at 1), zeroes the counters and the queue, restarts the fault plan. */
  reset(): void;
  /** Closes the app (waiting for in-flight HTTP requests) and then the database. */
  close(): Promise<void>;
  /** @internal the shared state, for inject.ts. */
  readonly context: BackendContext;
}

/** JSON bodies only: text/plain and the rest get 415. Our own parser, so malformed JSON gets our error. */
function parseJson(
  request: FastifyRequest,
  body: string,
  done: (error: Error | null, value?: unknown) => void,
): void {
  // A compressed body would be read as text and answered "not JSON": say what is wrong instead.
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    done(new UnsupportedEncodingError(JSON.stringify(encoding).slice(0, 80)));
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    done(new InvalidJsonError(error instanceof Error ? error.message : String(error)));
  }
}

export async function buildBackend(
  input: BackendOptionsInput | undefined,
  runtime: BackendRuntime,
): Promise<Backend> {
  const options = resolveBackendOptions(input ?? {});
  const { clock } = runtime;
  const ledger = openLedger(options.storage, clock);
  const ctx: BackendContext = {
    options,
    clock,
    ledger,
    capacity: createCapacity(options.capacity),
    faults: createFaultController(options.faults, clock),
    counters: emptyCounters(),
    requestsByDevice: new Map(),
    injections: new Map(),
    nextInjection: 0,
    closing: false,
  };
  const reset = (): void => {
    ledger.clear();
    ctx.counters = emptyCounters();
    ctx.capacity.reset();
    ctx.requestsByDevice.clear();
    ctx.faults.restart();
  };

  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    bodyLimit: DEFAULT_BODY_LIMIT,
    // A client that sends its request a byte at a time must not hold a connection (and a shutdown) forever.
    requestTimeout: REQUEST_TIMEOUT_MS,
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // Strict: no type coercion, no defaults, nothing removed; the body is validated as sent.
    ajv: {
      customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false },
    },
  });
  try {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
    app.setErrorHandler(errorHandler(ctx));
    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => notFoundHandler(request, reply));
    // Node closes idle keep-alive connections once, when close() starts; a connection whose answer was still
    // in flight would then stay open and hold close() forever, so those answers say `Connection: close`.
    app.addHook('preClose', async () => {
      ctx.closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (ctx.closing) reply.header('connection', 'close');
    });
    app.addHook('onClose', async () => ledger.close());
    await app.register(batchSyncRoute(ctx));
    if (options.admin) await app.register(adminRoutes(ctx, reset), { prefix: ADMIN_PREFIX });
    await app.ready();
  } catch (error) {
    ledger.close();
    throw error;
  }

  return {
    app,
    options,
    ledger,
    counters: () => snapshotCounters(ctx.counters),
    faultState: () => ctx.faults.state(),
    setFaultPlan: (plan) => ctx.faults.setPlan(plan),
    reset,
    close: () => app.close(),
    context: ctx,
  };
}
