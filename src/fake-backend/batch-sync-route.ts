/**
 * `POST /api/v1/pos/offline/batch-sync` (path configurable): validates the body, checks each row, waits for a
 * worker per the capacity model, commits through the ledger, and misbehaves as the fault plan says.
 *
 * Order of a request: auth (onRequest) -> body size and JSON -> row limit (preValidation) -> schema ->
 * handler: fault draw, row checks, service-time draw, admission (429/503 when full), sleep until its start,
 * process rows, then the post-commit fault if any. Every wait is a clock.sleep.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRecord } from '../core/is-record.ts';
import {
  type BatchSyncRequest,
  BatchSyncRequestSchema,
  type BatchSyncResponse,
  type SyncResult,
  type SyncTransaction,
} from '../core/protocol.ts';
import { createRandom } from '../core/random.ts';
import { authHook } from './auth.ts';
import { drawServiceTimes, type ServiceTimes } from './capacity.ts';
import { type BackendContext, INJECT_HEADER, type InjectionRecord } from './context.ts';
import { type BackendCounters, countResponse } from './counters.ts';
import { sendProblem } from './error-handler.ts';
import {
  CrashedError,
  InjectedFaultError,
  OverloadedError,
  problem,
  TooManyRowsError,
  UnauthorizedError,
} from './errors.ts';
import { type FaultDecision, faultKindOf } from './faults.ts';
import { checkTransaction } from './row-checks.ts';
import type { RowCommit } from './storage.ts';
import { planWork, type WorkPlan } from './work-plan.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

function storedResult(row: SyncTransaction, commit: RowCommit): SyncResult {
  return {
    offline_id: row.offline_id,
    offline_reference: row.offline_reference,
    success: true,
    duplicate: commit.outcome === 'duplicate',
    server_id: commit.serverId,
    transaction_code: commit.transactionCode,
    error: null,
  };
}

function failedResult(row: SyncTransaction, reason: string): SyncResult {
  return {
    offline_id: row.offline_id,
    offline_reference: row.offline_reference,
    success: false,
    duplicate: false,
    server_id: null,
    transaction_code: null,
    error: reason,
  };
}

export function responseBody(results: readonly SyncResult[]): BatchSyncResponse {
  const stored = results.filter((r) => r.success && !r.duplicate).length;
  const duplicates = results.filter((r) => r.duplicate).length;
  const failed = results.length - stored - duplicates;
  return {
    success: true,
    data: { results: [...results] },
    message: `${results.length} rows: ${stored} stored, ${duplicates} duplicate, ${failed} failed`,
  };
}

/** The first `keepFraction` of the body's bytes. */
export function truncate(body: string, keepFraction: number): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return bytes.subarray(0, Math.floor(bytes.length * keepFraction));
}

/** A request's view of the world: the context, the counters it counts into, its in-process record. */
interface RequestScope {
  readonly ctx: BackendContext;
  readonly counters: BackendCounters;
  readonly record: InjectionRecord | null;
}

function recordCommit(scope: RequestScope, commit: RowCommit): void {
  if (commit.outcome === 'stored') {
    scope.counters.rowsStored++;
    if (scope.record) scope.record.committed++;
  } else {
    scope.counters.rowsDuplicate++;
  }
}

async function sleep(scope: RequestScope, ms: number): Promise<void> {
  if (ms > 0) await scope.ctx.clock.sleep(ms);
}

/** Runs the rows through the ledger per the commit mode, sleeping the service times the plan accounted for. */
async function processRows(
  scope: RequestScope,
  rows: readonly SyncTransaction[],
  verdicts: readonly (string | null)[],
  times: ServiceTimes,
  work: WorkPlan,
  crash: boolean,
): Promise<SyncResult[]> {
  const { ledger, options } = scope.ctx;
  const results: SyncResult[] = [];
  const rejected = (i: number): void => {
    scope.counters.rowsRejected++;
    results[i] = failedResult(rows[i]!, verdicts[i]!);
  };
  if (options.storage.commit === 'batch') {
    let rowMs = 0;
    for (let i = 0; i < work.rowsProcessed; i++) rowMs += times.rowMs[i] ?? 0;
    await sleep(scope, times.requestMs + rowMs);
    // A crash inside the batch transaction rolls it back: nothing of this request is stored.
    if (crash) return results;
    const good = rows.filter((_, i) => verdicts[i] === null);
    const commits = await ledger.commitBatch(good);
    let next = 0;
    rows.forEach((row, i) => {
      if (verdicts[i] !== null) {
        rejected(i);
        return;
      }
      const commit = commits[next++]!;
      recordCommit(scope, commit);
      results[i] = storedResult(row, commit);
    });
    return results;
  }
  await sleep(scope, times.requestMs);
  for (let i = 0; i < work.rowsProcessed; i++) {
    await sleep(scope, times.rowMs[i] ?? 0);
    if (verdicts[i] !== null) {
      rejected(i);
      continue;
    }
    const commit = await ledger.commitRow(rows[i]!);
    recordCommit(scope, commit);
    results[i] = storedResult(rows[i]!, commit);
  }
  return results;
}

function resetConnection(scope: RequestScope, reply: FastifyReply): FastifyReply {
  scope.counters.resets++;
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

/** Headers promise the whole body; the connection closes after part of it. */
function truncatedReset(
  scope: RequestScope,
  reply: FastifyReply,
  body: string,
  keepFraction: number,
): FastifyReply {
  scope.counters.resets++;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body, 'utf8') });
  // Destroy once the part is handed to the socket, or the client might not even see it.
  raw.write(truncate(body, keepFraction), 'utf8', () => raw.destroy());
  return reply;
}

async function answer(
  scope: RequestScope,
  reply: FastifyReply,
  decision: FaultDecision,
  results: readonly SyncResult[],
): Promise<FastifyReply> {
  const body = JSON.stringify(responseBody(results));
  switch (decision.kind) {
    case 'http':
      return sendProblem(
        reply,
        problem(new InjectedFaultError(decision.status, 'after commit'), { status: decision.status }),
      );
    case 'lost-ack':
      return resetConnection(scope, reply);
    case 'slow-response':
      await sleep(scope, decision.delayMs);
      return reply.code(200).type(JSON_TYPE).send(body);
    case 'truncated-body':
      if (decision.mode === 'reset') return truncatedReset(scope, reply, body, decision.keepFraction);
      return reply.code(200).type(JSON_TYPE).send(truncate(body, decision.keepFraction));
    default:
      return reply.code(200).type(JSON_TYPE).send(body);
  }
}

async function handleBatch(
  scope: RequestScope,
  body: BatchSyncRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { ctx, counters } = scope;
  const { options, clock } = ctx;
  const rows = body.transactions;
  const arrival = clock.monotonic();
  // Draws are keyed by the sending device and its own request count, not by arrival order across the fleet,
  // so a shard of the fleet meets the same faults and service times as in the full run. Separate streams, so
  // that turning a fault on does not shift anyone's service times.
  const seq = ctx.requestsByDevice.get(body.device_id) ?? 0;
  ctx.requestsByDevice.set(body.device_id, seq + 1);
  const decision = ctx.faults.decide(
    createRandom(options.seed, 'backend', 'fault', body.device_id, seq),
    rows.length,
  );
  const times = drawServiceTimes(
    options.capacity,
    createRandom(options.seed, 'backend', 'service', body.device_id, seq),
    rows.length,
  );
  const kind = faultKindOf(decision);
  const countFault = (): void => {
    if (kind === null) return;
    counters.faults[kind]++;
    if (scope.record) scope.record.fault = kind;
  };

  if (decision.kind === 'unauthorized') {
    countFault();
    const why = 'was refused: the session expired (injected fault)';
    return sendProblem(reply, problem(new UnauthorizedError(why), { field: 'headers/authorization' }));
  }

  counters.rowsReceived += rows.length;
  const verdicts = options.rowChecks ? rows.map(checkTransaction) : rows.map(() => null);
  const work = planWork({ decision, verdicts, times, storage: options.storage });
  const admission = ctx.capacity.admit(arrival, work.serviceMs);
  counters.queueMax = Math.max(counters.queueMax, admission.queued);
  if (admission.kind === 'full') {
    counters.overloaded++;
    reply.header('retry-after', String(admission.retryAfterSeconds));
    const refusal = new OverloadedError(admission.queued, admission.retryAfterSeconds);
    return sendProblem(reply, problem(refusal, { status: options.capacity.overloadStatus }));
  }
  countFault();
  await sleep(scope, admission.startAt - arrival);

  if (decision.kind === 'http' && decision.when === 'before-commit') {
    await sleep(scope, times.requestMs);
    return sendProblem(
      reply,
      problem(new InjectedFaultError(decision.status, 'before commit'), { status: decision.status }),
    );
  }

  const crash = decision.kind === 'partial-commit' ? decision : null;
  const results = await processRows(scope, rows, verdicts, times, work, crash !== null);
  if (crash) {
    if (crash.ending === 'reset') return resetConnection(scope, reply);
    return sendProblem(reply, problem(new CrashedError(crash.afterRows, rows.length)));
  }
  return answer(scope, reply, decision, results);
}

function injectionRecord(ctx: BackendContext, request: FastifyRequest): InjectionRecord | null {
  const id = request.headers[INJECT_HEADER];
  return typeof id === 'string' ? (ctx.injections.get(id) ?? null) : null;
}

export function batchSyncRoute(ctx: BackendContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const maxRows = ctx.options.limits.maxRows;
    app.withTypeProvider<TypeBoxTypeProvider>().post(
      ctx.options.path,
      {
        schema: { body: BatchSyncRequestSchema },
        bodyLimit: ctx.options.limits.bodyBytes,
        onRequest: authHook(ctx),
        // Before the schema, so that an oversized batch costs a length check, not a full validation.
        preValidation: async (request, reply) => {
          const body: unknown = request.body;
          if (maxRows === null || !isRecord(body) || !Array.isArray(body.transactions)) return;
          if (body.transactions.length > maxRows) {
            sendProblem(
              reply,
              problem(new TooManyRowsError(body.transactions.length, maxRows), {
                field: 'body/transactions',
              }),
            );
          }
        },
        onResponse: async (_request, reply) => {
          countResponse(ctx.counters, reply.statusCode);
        },
      },
      async (request, reply) => {
        const scope: RequestScope = { ctx, counters: ctx.counters, record: injectionRecord(ctx, request) };
        scope.counters.requests++;
        scope.counters.inFlight++;
        try {
          return await handleBatch(scope, request.body, reply);
        } finally {
          scope.counters.inFlight--;
        }
      },
    );
  };
}
