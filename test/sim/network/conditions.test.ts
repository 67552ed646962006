/**
 * Client-side network conditions (withConditions) around the real in-process transport, which calls a real
 * fake backend (buildBackend, in memory) on a VirtualClock: each condition does what it says to the request,
 * to the server's ledger and to virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Transport, TransportError, type TransportReply } from '../../../src/core/ports.ts';
import { createRandom } from '../../../src/core/random.ts';
import { type Backend, buildBackend } from '../../../src/fake-backend/app.ts';
import type { BackendOptionsInput } from '../../../src/fake-backend/options.ts';
import { type NetworkConditions, withConditions } from '../../../src/sim/network/conditions.ts';
import { createInProcessTransport } from '../../../src/sim/network/in-process-transport.ts';
import { VirtualClock } from '../../../src/sim/virtual-clock.ts';
import { batchBody, makeSales, resultsOf } from '../../fake-backend/helpers.ts';
import { countingTransport } from '../helpers.ts';

const EPOCH = Date.parse('2026-03-02T12:00:00+07:00');
const ROWS = 3;
const BODY = batchBody(makeSales(ROWS, 'POS-0001'), 'POS-0001');

type Outcome =
  | { readonly kind: 'reply'; readonly reply: TransportReply; readonly atMs: number; readonly stored: number }
  | { readonly kind: 'error'; readonly error: unknown; readonly atMs: number; readonly stored: number };

interface Rig {
  readonly clock: VirtualClock;
  readonly backend: Backend;
  /** The in-process transport, counting the requests that got past the conditions. */
  readonly inner: Transport & { readonly calls: number };
  readonly transport: Transport;
  online: boolean;
  conditions: NetworkConditions;
  /** Sends BODY, runs virtual time until nothing is left, and says when (and with what ledger) it settled. */
  send(): Promise<Outcome>;
}

let backends: Backend[] = [];
afterEach(async () => {
  await Promise.all(backends.map((backend) => backend.close()));
  backends = [];
});

async function rig(
  options: { backend?: BackendOptionsInput; enforceTimeout?: boolean; conditions?: NetworkConditions } = {},
): Promise<Rig> {
  const clock = new VirtualClock(EPOCH);
  const backend = await buildBackend(
    { seed: 7, ...options.backend, storage: { file: ':memory:' } },
    { clock: clock.taskClock },
  );
  backends.push(backend);
  const inner = countingTransport(createInProcessTransport(backend, clock, clock));
  const state: Rig = {
    clock,
    backend,
    inner,
    online: true,
    conditions: options.conditions ?? {},
    transport: withConditions(inner, {
      clock,
      random: createRandom('conditions-test', 'network', 0),
      isOnline: () => state.online,
      conditions: () => state.conditions,
      enforceTimeout: options.enforceTimeout ?? true,
    }),
    async send() {
      let outcome: Outcome | null = null;
      state.transport.postBatch(BODY).then(
        (reply) => {
          outcome = { kind: 'reply', reply, atMs: clock.monotonic(), stored: backend.ledger.count() };
        },
        (error: unknown) => {
          outcome = { kind: 'error', error, atMs: clock.monotonic(), stored: backend.ledger.count() };
        },
      );
      await clock.run();
      if (outcome === null) throw new Error('the request neither answered nor failed');
      return outcome;
    },
  };
  return state;
}

function failureOf(outcome: Outcome) {
  expect(outcome.kind).toBe('error');
  const error = outcome.kind === 'error' ? outcome.error : null;
  expect(error).toBeInstanceOf(TransportError);
  return (error as TransportError).failure;
}

describe('withConditions over the in-process transport and a real fake backend', () => {
  it('passes a request through untouched when no condition is set', async () => {
    const r = await rig();
    const outcome = await r.send();
    expect(outcome.kind).toBe('reply');
    if (outcome.kind !== 'reply') return;
    expect(outcome.reply.status).toBe(200);
    expect(resultsOf(outcome.reply.body).map((result) => result.success)).toEqual([true, true, true]);
    expect(outcome.atMs).toBe(0);
    expect(r.inner.calls).toBe(1);
    expect(r.backend.ledger.count()).toBe(ROWS);
    // The client's timeout was cancelled by the answer: no timer left for virtual time to run to.
    expect(r.clock.monotonic()).toBe(0);
    expect(r.clock.nextEventTime()).toBeNull();
  });

  it('offline: fails at once with kind offline, no request made, no time spent, even with latency set', async () => {
    const r = await rig({ conditions: { latencyMs: { kind: 'fixed', value: 300 } } });
    r.online = false;
    const outcome = await r.send();
    expect(failureOf(outcome)).toEqual({ kind: 'offline' });
    expect(outcome.atMs).toBe(0);
    expect(r.inner.calls).toBe(0);
    expect(r.backend.ledger.count()).toBe(0);
    expect(r.backend.counters().requests).toBe(0);
    // Back online, the same transport sends again.
    r.online = true;
    const again = await r.send();
    expect(again.kind).toBe('reply');
    expect(r.inner.calls).toBe(1);
  });

  it('latency: the round trip takes exactly the drawn latency of virtual time, half before the server', async () => {
    const r = await rig({ conditions: { latencyMs: { kind: 'fixed', value: 300 } } });
    let storedAtMs: number | null = null;
    const poll = (): void => {
      if (r.backend.ledger.count() > 0 && storedAtMs === null) storedAtMs = r.clock.monotonic();
      else if (storedAtMs === null) r.clock.schedule(1, poll);
    };
    r.clock.schedule(0, poll);
    const outcome = await r.send();
    expect(outcome.kind).toBe('reply');
    expect(outcome.atMs).toBe(300);
    // The server saw the request after the first half of the latency.
    expect(storedAtMs).toBe(150);
  });

  it('latency with jitter: each request draws its own latency from the seeded stream, the same on a replay', async () => {
    const jitter: NetworkConditions = { latencyMs: { kind: 'uniform', min: 100, max: 900 } };
    const times = async (): Promise<number[]> => {
      const r = await rig({ conditions: jitter });
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        const start = r.clock.monotonic();
        const outcome = await r.send();
        seen.push(outcome.atMs - start);
      }
      return seen;
    };
    const first = await times();
    for (const ms of first) {
      expect(ms).toBeGreaterThanOrEqual(100);
      expect(ms).toBeLessThanOrEqual(900);
    }
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await times()).toEqual(first);
  });

  it('a dropped request never reaches the server; the client times out after timeoutMs', async () => {
    const r = await rig({ conditions: { dropRequestRate: 1, timeoutMs: 7_000 } });
    const outcome = await r.send();
    expect(failureOf(outcome)).toEqual({ kind: 'timeout', phase: 'headers' });
    expect(outcome.atMs).toBe(7_000);
    expect(r.inner.calls).toBe(0);
    expect(r.backend.ledger.count()).toBe(0);
    expect(r.backend.counters().requests).toBe(0);
  });

  it('the timeout covers the round trip, latency too: a minute of latency under a 1 s timeout times out at 1 s', async () => {
    const r = await rig({ conditions: { latencyMs: { kind: 'fixed', value: 60_000 }, timeoutMs: 1_000 } });
    const outcome = await r.send();
    expect(failureOf(outcome)).toEqual({ kind: 'timeout', phase: 'headers' });
    expect(outcome.atMs).toBe(1_000);
    // Still on its way out when the client gave up: it reaches the server later, as a real request would.
    expect(r.inner.calls).toBe(1);
    expect(r.backend.ledger.count()).toBe(ROWS);
  });

  it('latency and service inside the timeout: answered, the timeout counted from the send', async () => {
    const r = await rig({ conditions: { latencyMs: { kind: 'fixed', value: 4_000 }, timeoutMs: 5_000 } });
    const outcome = await r.send();
    expect(outcome.kind).toBe('reply');
    expect(outcome.atMs).toBeGreaterThanOrEqual(4_000);
    expect(outcome.atMs).toBeLessThan(5_000);
  });

  it('a lost response: the server stored the rows, the client sees a reset', async () => {
    const r = await rig({ conditions: { loseResponseRate: 1 } });
    const outcome = await r.send();
    const failure = failureOf(outcome);
    expect(failure.kind).toBe('reset');
    expect(outcome.stored).toBe(ROWS);
    expect(r.inner.calls).toBe(1);
    expect(r.backend.ledger.count()).toBe(ROWS);
  });

  it('a backend slower than timeoutMs: the client times out at timeoutMs while the commit still happens', async () => {
    const r = await rig({
      backend: {
        faults: {
          phases: [{ atMs: 0, slowResponse: { rate: 1, delayMs: { kind: 'fixed', value: 60_000 } } }],
        },
      },
      conditions: { timeoutMs: 5_000 },
    });
    const outcome = await r.send();
    expect(failureOf(outcome)).toEqual({ kind: 'timeout', phase: 'headers' });
    expect(outcome.atMs).toBe(5_000);
    // Committed before the slow answer, so already stored when the client gave up.
    expect(outcome.stored).toBe(ROWS);
    expect(r.backend.counters().faults['slow-response']).toBe(1);
    // The request ran on to its late answer, which nobody read.
    expect(r.clock.monotonic()).toBe(60_000);
    expect(r.backend.ledger.count()).toBe(ROWS);
  });

  it('without enforceTimeout (HTTP: undici times out itself) the slow answer is waited for', async () => {
    const r = await rig({
      backend: {
        faults: {
          phases: [{ atMs: 0, slowResponse: { rate: 1, delayMs: { kind: 'fixed', value: 60_000 } } }],
        },
      },
      conditions: { timeoutMs: 5_000 },
      enforceTimeout: false,
    });
    const outcome = await r.send();
    expect(outcome.kind).toBe('reply');
    expect(outcome.atMs).toBe(60_000);
  });

  it('reads the conditions in force per request: clearing them (the heal phase) stops the faults', async () => {
    const r = await rig({ conditions: { dropRequestRate: 1, timeoutMs: 1_000 } });
    expect((await r.send()).kind).toBe('error');
    r.conditions = {};
    const outcome = await r.send();
    expect(outcome.kind).toBe('reply');
    expect(r.inner.calls).toBe(1);
    expect(r.backend.ledger.count()).toBe(ROWS);
  });
});
