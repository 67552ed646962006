/**
 * In-process requests for the simulator: `injectBatch(backend, bodyText, headers)` posts one batch through
 * fastify.inject (light-my-request) and says what a socket would have said.
 *
 * How light-my-request behaves when the handler destroys the response (lost ack, truncated body with a
 * reset, crash with a reset): inject's promise REJECTS with an Error whose code is `LIGHT_ECONNRESET`
 * ("response destroyed before completion"), and whatever part of the body was written is dropped. Over a real
 * socket the client sees the connection close before a complete answer. Both become `{ kind: 'reset' }` here;
 * `committed` and `fault` come from the route itself (through an id in the INJECT_HEADER), so the caller
 * knows that the server did commit although the client got no answer.
 */
import type { Backend } from './app.ts';
import { INJECT_HEADER, type InjectionRecord } from './context.ts';
import type { FaultKind } from './faults.ts';

export type InjectOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Lower-case names; `date` is left out so that outcomes replay byte for byte. */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
      /** The fault this request suffered, if any (a `short` truncated body is a response too). */
      readonly fault: FaultKind | null;
      /** Rows this request inserted. */
      readonly committed: number;
    }
  | {
      /** The connection closed without a complete answer: the same failure a socket reset gives. */
      readonly kind: 'reset';
      readonly detail: string;
      readonly fault: FaultKind | null;
      /** Rows this request inserted before the connection went: they ARE stored. */
      readonly committed: number;
    };

/** The error light-my-request rejects with when the handler destroys the response. */
export const LIGHT_RESET_CODE = 'LIGHT_ECONNRESET';

function isLightReset(error: unknown): boolean {
  return error instanceof Error && Reflect.get(error, 'code') === LIGHT_RESET_CODE;
}

const RESET_DETAIL: Readonly<Record<FaultKind, string>> = {
  unauthorized: 'connection closed',
  'http-before-commit': 'connection closed',
  'http-after-commit': 'connection closed',
  'partial-commit': 'connection reset by the server after a crash mid-batch',
  'lost-ack': 'connection reset by the server before it answered',
  'slow-response': 'connection closed',
  'truncated-body': 'connection closed before the end of the body',
};

function flattenHeaders(headers: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'date') continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return flat;
}

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
    const response = await backend.app.inject({
      method: 'POST',
      url: backend.options.path,
      payload: bodyText,
      headers: { 'content-type': 'application/json', ...headers, [INJECT_HEADER]: id },
    });
    return {
      kind: 'response',
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      body: response.body,
      fault: record.fault,
      committed: record.committed,
    };
  } catch (error) {
    if (!isLightReset(error)) throw error;
    const detail = record.fault ? RESET_DETAIL[record.fault] : 'connection closed';
    return { kind: 'reset', detail, fault: record.fault, committed: record.committed };
  } finally {
    ctx.injections.delete(id);
  }
}
