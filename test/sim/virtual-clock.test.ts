import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { VirtualClock, VirtualClockStallError } from '../../src/sim/virtual-clock.ts';

const START = Date.UTC(2025, 0, 6, 1, 0, 0);

describe('VirtualClock basics', () => {
  it('starts at the given epoch and reports elapsed virtual time', async () => {
    const clock = new VirtualClock(START);
    expect(clock.now()).toBe(START);
    expect(clock.monotonic()).toBe(0);
    let seen: [number, number] | undefined;
    clock.schedule(1500.5, () => {
      seen = [clock.now(), clock.monotonic()];
    });
    await clock.run();
    expect(seen).toEqual([START + 1500, 1500.5]);
  });

  it('orders events by time, then by the order they were scheduled', async () => {
    const clock = new VirtualClock(START);
    const trace: string[] = [];
    clock.schedule(20, () => trace.push('b20'));
    clock.schedule(10, () => trace.push('a10'));
    clock.schedule(20, () => trace.push('c20'));
    clock.schedule(0, () => {
      trace.push('z0');
      // Same instant, scheduled later: runs after everything already due now.
      clock.schedule(0, () => trace.push('z0-child'));
      clock.schedule(10, () => trace.push('z0-child10'));
    });
    await clock.run();
    expect(trace).toEqual(['z0', 'z0-child', 'a10', 'z0-child10', 'b20', 'c20']);
  });

  it('cancels events; cancelling twice or after dispatch is a no-op', async () => {
    const clock = new VirtualClock(START);
    const trace: string[] = [];
    const cancelA = clock.schedule(10, () => trace.push('a'));
    const cancelB = clock.schedule(20, () => trace.push('b'));
    clock.schedule(5, () => cancelA());
    expect(clock.pendingEvents).toBe(3);
    await clock.run();
    cancelA();
    cancelB();
    expect(trace).toEqual(['b']);
    expect(clock.pendingEvents).toBe(0);
  });

  it('keeps the order when many cancelled events are swept', async () => {
    const clock = new VirtualClock(START);
    const trace: number[] = [];
    const cancels: (() => void)[] = [];
    for (let i = 0; i < 5000; i++) cancels.push(clock.schedule((i * 7919) % 1000, () => trace.push(i)));
    for (let i = 0; i < 5000; i++) if (i % 5 !== 0) (cancels[i] as () => void)();
    expect(clock.pendingEvents).toBe(1000);
    await clock.run();
    const expected = Array.from({ length: 1000 }, (_, k) => k * 5).sort(
      (a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b,
    );
    expect(trace).toEqual(expected);
  });

  it('resolves sleeps in order of wake-up time, ties in call order', async () => {
    const clock = new VirtualClock(START);
    const trace: string[] = [];
    const sleeper = async (name: string, ms: number) => {
      await clock.sleep(ms);
      trace.push(`${name}@${clock.monotonic()}`);
    };
    void sleeper('c', 30);
    void sleeper('a', 10);
    void sleeper('b', 10);
    void sleeper('neg', -5);
    await clock.run();
    expect(trace).toEqual(['neg@0', 'a@10', 'b@10', 'c@30']);
  });

  it('settles a promise chain started by an event before the next event, even at the same instant', async () => {
    const clock = new VirtualClock(START);
    const trace: string[] = [];
    clock.schedule(5, () => {
      trace.push('a:start');
      void (async () => {
        for (let i = 0; i < 200; i++) await Promise.resolve(i);
        await new Promise<void>((resolve) => process.nextTick(resolve));
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        trace.push(`a:done@${clock.monotonic()}`);
      })();
    });
    clock.schedule(5, () => trace.push('b'));
    clock.schedule(6, () => trace.push('c'));
    await clock.run();
    expect(trace).toEqual(['a:start', 'a:done@5', 'b', 'c']);
  });

  it('rejects delays that are not numbers', () => {
    const clock = new VirtualClock(START);
    expect(() => clock.schedule(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => clock.schedule(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
  });

  it('refuses to run twice at once', async () => {
    const clock = new VirtualClock(START);
    clock.schedule(1, () => {});
    const first = clock.run();
    await expect(clock.run()).rejects.toThrow(/already running/);
    await first;
  });
});

describe('VirtualClock.run options', () => {
  it('stops after the events due at `until` and leaves time at `until`', async () => {
    const clock = new VirtualClock(START);
    const trace: number[] = [];
    for (const t of [10, 20, 30]) clock.schedule(t, () => trace.push(t));
    await clock.run({ until: 20 });
    expect(trace).toEqual([10, 20]);
    expect(clock.monotonic()).toBe(20);
    await clock.run({ until: 25 });
    expect(trace).toEqual([10, 20]);
    expect(clock.monotonic()).toBe(25);
    expect(clock.nextEventTime()).toBe(30);
    await clock.run();
    expect(trace).toEqual([10, 20, 30]);
    await clock.run({ until: 1000 });
    expect(clock.monotonic()).toBe(1000);
    expect(clock.now()).toBe(START + 1000);
  });

  it('stops when shouldStop says so, before the next event, with time where it is', async () => {
    const clock = new VirtualClock(START);
    const trace: number[] = [];
    for (const t of [10, 20, 30, 40]) clock.schedule(t, () => trace.push(t));
    await clock.run({ until: 100, shouldStop: () => trace.length >= 2 });
    expect(trace).toEqual([10, 20]);
    expect(clock.monotonic()).toBe(20);
    expect(clock.dispatched).toBe(2);
  });

  it('propagates an error thrown by a callback and can run again', async () => {
    const clock = new VirtualClock(START);
    clock.schedule(1, () => {
      throw new Error('boom');
    });
    clock.schedule(2, () => {});
    await expect(clock.run()).rejects.toThrow('boom');
    await clock.run();
    expect(clock.monotonic()).toBe(2);
  });
});

describe('VirtualClock tasks', () => {
  it('answers a real fastify inject at exactly +50 ms of virtual time, with no later event run early', async () => {
    const clock = new VirtualClock(START);
    const app = Fastify();
    // Real event-loop turns on both sides of the sleep, as real I/O (a database, a stream) would take:
    // without the task accounting, time would move on before the handler even started sleeping.
    const realTurns = async () => {
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    app.addHook('preHandler', realTurns);
    app.addHook('onSend', realTurns);
    app.get('/slow', async () => {
      const received = clock.monotonic();
      await clock.taskClock.sleep(50);
      return { received, answered: clock.monotonic() };
    });
    await app.ready();
    const trace: string[] = [];
    for (const t of [30, 59, 60, 61, 200]) clock.schedule(t, () => trace.push(`e${t}`));
    clock.schedule(10, () => {
      trace.push('send');
      void clock
        .runTask(() => app.inject({ method: 'GET', url: '/slow' }))
        .then((response) => {
          const body = response.json() as { received: number; answered: number };
          trace.push(
            `response@${clock.monotonic()}:${response.statusCode}:${body.received}-${body.answered}`,
          );
        });
    });
    await clock.run();
    await app.close();
    // The handler's sleep was scheduled after e60 was, so e60 runs first at the same instant.
    expect(trace).toEqual(['send', 'e30', 'e59', 'e60', 'response@60:200:10-60', 'e61', 'e200']);
    expect(clock.busyTasks).toBe(0);
  });

  it('serves concurrent injects in virtual time', async () => {
    const clock = new VirtualClock(START);
    const app = Fastify();
    app.get('/sleep/:ms', async (request) => {
      const { ms } = request.params as { ms: string };
      await clock.taskClock.sleep(Number(ms));
      return { at: clock.monotonic() };
    });
    await app.ready();
    const answers: string[] = [];
    clock.schedule(0, () => {
      for (const ms of [30, 10, 20]) {
        void clock
          .runTask(() => app.inject({ url: `/sleep/${ms}` }))
          .then((r) => answers.push(`${ms}:${(r.json() as { at: number }).at}@${clock.monotonic()}`));
      }
    });
    await clock.run();
    await app.close();
    expect(answers).toEqual(['10:10@10', '20:20@20', '30:30@30']);
  });

  it('lets a task park on a promise that only virtual time settles', async () => {
    const clock = new VirtualClock(START);
    let release: () => void = () => {};
    const slot = new Promise<void>((resolve) => {
      release = resolve;
    });
    const trace: string[] = [];
    clock.schedule(0, () => {
      void clock.runTask(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        await clock.park(slot);
        trace.push(`task@${clock.monotonic()}`);
      });
    });
    clock.schedule(40, () => release());
    await clock.run();
    expect(trace).toEqual(['task@40']);
  });

  it('fails with a stall error when a task waits on virtual time without parking', async () => {
    const clock = new VirtualClock(START, { maxDrainTurns: 50 });
    clock.schedule(0, () => {
      void clock.runTask(() => clock.sleep(10));
    });
    await expect(clock.run()).rejects.toBeInstanceOf(VirtualClockStallError);
  });

  it('settles tasks started before run() at time 0', async () => {
    const clock = new VirtualClock(START);
    const trace: string[] = [];
    void clock
      .runTask(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => setImmediate(resolve));
      })
      .then(() => trace.push(`task@${clock.monotonic()}`));
    clock.schedule(1, () => trace.push('e1'));
    await clock.run();
    expect(trace).toEqual(['task@0', 'e1']);
  });
});

describe('VirtualClock determinism', () => {
  interface Op {
    readonly delay: number;
    readonly children: readonly { readonly delay: number; readonly kind: 'schedule' | 'sleep' | 'cancel' }[];
  }
  const opArb = fc.record({
    delay: fc.integer({ min: 0, max: 50 }),
    children: fc.array(
      fc.record({
        delay: fc.integer({ min: 0, max: 50 }),
        kind: fc.constantFrom('schedule' as const, 'sleep' as const, 'cancel' as const),
      }),
      { maxLength: 4 },
    ),
  });

  async function trace(ops: readonly Op[]): Promise<string[]> {
    const clock = new VirtualClock(START);
    const out: string[] = [];
    const cancels: (() => void)[] = [];
    ops.forEach((op, i) => {
      cancels.push(
        clock.schedule(op.delay, () => {
          out.push(`${i}@${clock.monotonic()}`);
          op.children.forEach((child, j) => {
            const name = `${i}.${j}`;
            if (child.kind === 'schedule') {
              clock.schedule(child.delay, () => out.push(`${name}@${clock.monotonic()}`));
            } else if (child.kind === 'sleep') {
              void (async () => {
                await Promise.resolve();
                await clock.sleep(child.delay);
                out.push(`${name}:woke@${clock.monotonic()}`);
              })();
            } else {
              (cancels[(i + child.delay) % cancels.length] as () => void)();
            }
          });
        }),
      );
    });
    await clock.run();
    return out;
  }

  it('gives the same trace twice for random schedules, in time order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
        const first = await trace(ops);
        const second = await trace(ops);
        expect(second).toEqual(first);
        const times = first.map((entry) => Number(entry.split('@')[1]));
        for (let k = 1; k < times.length; k++)
          expect(times[k]).toBeGreaterThanOrEqual(times[k - 1] as number);
      }),
      { numRuns: 60 },
    );
  });

  it('runs top-level events as a stable sort by delay', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), async (delays) => {
        const clock = new VirtualClock(START);
        const out: number[] = [];
        delays.forEach((delay, i) => {
          clock.schedule(delay, () => out.push(i));
        });
        await clock.run();
        const expected = delays
          .map((_, i) => i)
          .sort((a, b) => (delays[a] as number) - (delays[b] as number) || a - b);
        expect(out).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });
});
