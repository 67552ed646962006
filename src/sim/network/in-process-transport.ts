/**
 * The Transport to the fake backend in the same process, through its request handler (injectBatch), in
 * virtual time. The backend's own delays (queueing, service time, check-then-insert gaps, slow responses) run
 * on the virtual clock's task view, so hours of load pass in seconds and replay exactly. A socket-level fault
 * (lost acknowledgement, truncated body) arrives as the same reset a real socket would give.
 */
import type { Clock, Transport, TransportReply } from '../../core/ports.ts';
import { TransportError } from '../../core/ports.ts';
import type { Backend } from '../../fake-backend/app.ts';
import { injectBatch } from '../../fake-backend/inject.ts';
import { parseRetryAfter } from './retry-after.ts';

export interface TaskRunner {
  runTask<T>(work: () => Promise<T>): Promise<T>;
}

export function createInProcessTransport(
  backend: Backend,
  runner: TaskRunner,
  clock: Clock,
  headers: Readonly<Record<string, string>> = {},
): Transport {
  return {
    async postBatch(body: string): Promise<TransportReply> {
      const outcome = await runner.runTask(() => injectBatch(backend, body, headers));
      if (outcome.kind === 'reset') throw new TransportError({ kind: 'reset', detail: outcome.detail });
      if (outcome.status >= 200 && outcome.status < 300)
        return { status: outcome.status, body: outcome.body };
      throw new TransportError({
        kind: 'http',
        status: outcome.status,
        body: outcome.body.slice(0, 4096),
        retryAfterMs: parseRetryAfter(outcome.headers['retry-after'], clock.now()),
      });
    },
  };
}
