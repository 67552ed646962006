/**
 * In-process requests for the simulator: `injectBatch(backend, bodyText, headers)` posts one batch through
 * the app's request handler without a socket (in-process-http.ts) and says what a socket would have said.
 *
 * When the handler destroys the response (lost ack, truncated body with a reset, crash with a reset), the
 * client gets no complete answer, as over a real socket whose connection closes first; whatever part of the
 * body was written is dropped. That is `{ kind: 'reset' }` here; `committed` and `fault` come from the route
 * itself (through an id in the INJECT_HEADER), so the caller knows that the server did commit although the
 * client got no answer.
 */
import type { Backend } from './app.ts';
import { INJECT_HEADER, type InjectionRecord } from './context.ts';
import type { FaultKind } from './faults.ts';
import { type ExchangeAnswer, exchange } from './in-process-http.ts';

/** What the route itself reports of a request, beside what the client received. */
interface ServerSide {
  /** The fault this request suffered, if any (a `short` truncated body is a response too). */
  readonly fault: FaultKind | null;
  /** Rows this request inserted; after a reset too: they ARE stored. */
  readonly committed: number;
}

export type InjectOutcome =
  | (Omit<ExchangeAnswer, 'kind'> & ServerSide & { readonly kind: 'response' })
  /** The connection closed without a complete answer: the same failure a socket reset gives. */
  | (ServerSide & { readonly kind: 'reset'; readonly detail: string });

const RESET_DETAIL: Readonly<Record<FaultKind, string>> = {
  unauthorized: 'connection closed',
  'http-before-commit': 'connection closed',
  'http-after-commit': 'connection closed',
  'partial-commit': 'connection reset by the server after a crash mid-batch',
  'lost-ack': 'connection reset by the server before it answered',
  'slow-response': 'connection closed',
  'truncated-body': 'connection closed before the end of the body',
};

/**
 * Posts one batch body (JSON text) to the backend's batch route in-process. Resolves with the answer or a
 * reset; never rejects for anything the backend does on purpose (a rejection is a bug).
 */
export async function injectBatch(
  backend: Backend,
  bodyText: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<InjectOutcome> {
  const ctx = backend.context;
  const id = String(++ctx.nextInjection);
  const record: InjectionRecord = { fault: null, committed: 0 };
  ctx.injections.set(id, record);
  try {
    const requestHeaders: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(headers)) requestHeaders[name.toLowerCase()] = value;
    requestHeaders[INJECT_HEADER] = id;
    const reply = await exchange(backend.app.routing, {
      method: 'POST',
      url: backend.options.path,
      headers: requestHeaders,
      body: bodyText,
    });
    if (reply.kind === 'reset') {
      const detail = record.fault ? RESET_DETAIL[record.fault] : 'connection closed';
      return { kind: 'reset', detail, fault: record.fault, committed: record.committed };
    }
    return {
      kind: 'response',
      status: reply.status,
      headers: reply.headers,
      body: reply.body,
      fault: record.fault,
      committed: record.committed,
    };
  } finally {
    ctx.injections.delete(id);
  }
}
