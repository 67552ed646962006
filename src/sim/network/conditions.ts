/**
 * Client-side network conditions around any Transport, as the device would experience them: offline (fails
 * at once, no request is made), latency and jitter, a request dropped before it reaches the server, a
 * response lost after the server processed it, and the client's own timeout. All waits go through the
 * clock and all draws through the device's seeded stream, so virtual runs replay exactly.
 */
import Type from 'typebox';
import type { Random, Transport, TransportReply } from '../../core/ports.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, TransportError } from '../../core/ports.ts';
import { chance, type Distribution, DistributionSchema, sample } from '../../core/random.ts';
import type { SimClock } from '../sim-clock.ts';

export const NetworkConditionsSchema = Type.Object(
  {
    /** Round-trip latency added on the client side, ms (half before the request, half after the answer). */
    latencyMs: Type.Optional(DistributionSchema),
    /** Probability that a request vanishes before the server sees it (the client waits for its timeout). */
    dropRequestRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Probability that the answer is lost after the server processed the request (the client sees a reset). */
    loseResponseRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** The client gives up after this long without an answer, latency included (in process: the whole round trip). */
    timeoutMs: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export type NetworkConditions = Type.Static<typeof NetworkConditionsSchema>;

const NO_LATENCY: Distribution = { kind: 'fixed', value: 0 };

export interface ConditionsContext {
  readonly clock: SimClock;
  readonly random: Random;
  /** The device's real connectivity (not what its listener was told). */
  readonly isOnline: () => boolean;
  /** The conditions in force now (the heal phase switches them off). */
  readonly conditions: () => NetworkConditions;
  /** Apply the client's timeout here; false when the inner transport enforces its own (undici over HTTP). */
  readonly enforceTimeout: boolean;
  /**
   * Scenario ms per wall ms (the real-time speed factor; 1 in virtual time). Latencies and timeouts are wall
   * durations, as undici's are, whatever speed the scenario's schedule runs at.
   */
  readonly speed?: number;
}

export function withConditions(inner: Transport, context: ConditionsContext): Transport {
  const { random } = context;
  const scale = context.speed ?? 1;
  const clock: Timers = {
    sleep: (ms) => context.clock.sleep(ms * scale),
    schedule: (ms, callback) => context.clock.schedule(ms * scale, callback),
  };
  return {
    postBatch(body: string): Promise<TransportReply> {
      if (!context.isOnline()) return Promise.reject(new TransportError({ kind: 'offline' }));
      const conditions = context.conditions();
      const timeoutMs = conditions.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const enforce = context.enforceTimeout;
      const exchange = async (): Promise<TransportReply> => {
        const latency = sample(conditions.latencyMs ?? NO_LATENCY, random);
        if (latency > 0) await clock.sleep(latency / 2);
        if (chance(random, conditions.dropRequestRate ?? 0)) {
          // Nothing will answer: the client's timeout does (over HTTP, this one stands in for undici's).
          if (enforce) return NO_ANSWER;
          await clock.sleep(timeoutMs);
          throw new TransportError({ kind: 'timeout', phase: 'headers' });
        }
        const loseResponse = chance(random, conditions.loseResponseRate ?? 0);
        const request = inner.postBatch(body);
        // Sent: this frame waits out the round trip, and must not keep the body alive meanwhile (every
        // scavenge would copy it, then promote it: ~65 KB a 100-row request).
        body = '';
        const reply = await request;
        if (loseResponse)
          throw new TransportError({
            kind: 'reset',
            detail: 'response lost after the server processed the request',
          });
        if (latency > 0) await clock.sleep(latency / 2);
        return reply;
      };
      // In process the timeout covers the whole round trip, latency too, as a real client's does: a minute of
      // latency under a one-second timeout is a timeout. Over HTTP undici times the request itself.
      return enforce ? withTimeout(exchange(), clock, timeoutMs) : exchange();
    },
  };
}

type Timers = Pick<SimClock, 'sleep' | 'schedule'>;

/** A dropped request's answer: none, ever (the timeout settles the exchange first). */
const NO_ANSWER = new Promise<never>(() => {});

/**
 * Races the request against the client's timeout; the request carries on (the server may still commit). The
 * timeout is cancelled once the answer is in: almost every request answers in time, and a timer left to fire
 * would cost the virtual clock an event (and an event-loop turn) per request for nothing. One promise, not a
 * Promise.race of three: this runs once per request.
 */
function withTimeout(
  request: Promise<TransportReply>,
  clock: Timers,
  timeoutMs: number,
): Promise<TransportReply> {
  return new Promise((resolve, reject) => {
    let settled = false;
    // Whichever comes first settles the promise and cancels the timeout (a no-op once it has fired).
    const first =
      <T>(settle: (value: T) => void) =>
      (value: T): void => {
        if (settled) return;
        settled = true;
        cancel();
        settle(value);
      };
    const cancel = clock.schedule(timeoutMs, () =>
      first(reject)(new TransportError({ kind: 'timeout', phase: 'headers' })),
    );
    request.then(first(resolve), first(reject));
  });
}
