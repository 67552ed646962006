import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.ts';
import {
  activePhaseIndex,
  createFaultController,
  decideFault,
  faultKindOf,
} from '../../src/fake-backend/faults.ts';
import type { FaultPhase } from '../../src/fake-backend/options.ts';
import { createManualClock } from './helpers.ts';

describe('fault decisions', () => {
  it('finds the phase in force on the timeline', () => {
    const plan = { phases: [{ atMs: 100 }, { atMs: 200 }, { atMs: 200 }, { atMs: 500 }] };
    expect(activePhaseIndex(plan, 0)).toBeNull();
    expect(activePhaseIndex(plan, 100)).toBe(0);
    expect(activePhaseIndex(plan, 250)).toBe(2);
    expect(activePhaseIndex(plan, 10_000)).toBe(3);
  });

  it('draws at most one fault per request, at the configured rates, reproducibly', () => {
    const phase: FaultPhase = {
      atMs: 0,
      http: [{ status: 502, rate: 0.2 }],
      lostAck: { rate: 0.3 },
      partialCommit: { rate: 0.1 },
    };
    const counts: Record<string, number> = {};
    const draws: string[] = [];
    for (let seq = 0; seq < 4000; seq++) {
      const kind = faultKindOf(decideFault(phase, createRandom('s', 'backend', 'fault', seq), 10)) ?? 'none';
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (seq < 50) draws.push(kind);
    }
    expect(counts['http-before-commit']! / 4000).toBeCloseTo(0.2, 1);
    expect(counts['lost-ack']! / 4000).toBeCloseTo(0.3, 1);
    expect(counts['partial-commit']! / 4000).toBeCloseTo(0.1, 1);
    expect(counts.none! / 4000).toBeCloseTo(0.4, 1);
    const again = Array.from(
      { length: 50 },
      (_, seq) => faultKindOf(decideFault(phase, createRandom('s', 'backend', 'fault', seq), 10)) ?? 'none',
    );
    expect(again).toEqual(draws);
  });

  it('crashes after at least one and at most all but one row', () => {
    const phase: FaultPhase = { atMs: 0, partialCommit: { rate: 1, ending: 'reset' } };
    for (let seq = 0; seq < 200; seq++) {
      const decision = decideFault(phase, createRandom(1, 'backend', 'fault', seq), 5);
      expect(decision).toMatchObject({ kind: 'partial-commit', ending: 'reset' });
      if (decision.kind === 'partial-commit') {
        expect(decision.afterRows).toBeGreaterThanOrEqual(1);
        expect(decision.afterRows).toBeLessThanOrEqual(4);
      }
    }
    expect(decideFault(phase, createRandom(1), 1)).toMatchObject({ afterRows: 0 });
  });

  it('switches phases with the clock and restarts the timeline when the plan changes', async () => {
    const clock = createManualClock();
    const controller = createFaultController(
      { phases: [{ atMs: 1000, lostAck: { rate: 1 } }, { atMs: 2000 }] },
      clock,
    );
    const decide = () => controller.decide(createRandom(1), 3).kind;
    expect(decide()).toBe('none');
    void clock.sleep(1000);
    clock.wakeNext();
    expect(decide()).toBe('lost-ack');
    expect(controller.state()).toMatchObject({ elapsedMs: 1000, activePhase: 0 });
    void clock.sleep(1000);
    clock.wakeNext();
    expect(decide()).toBe('none');
    controller.setPlan({ phases: [{ atMs: 0, http: [{ status: 503, rate: 1, when: 'after-commit' }] }] });
    expect(controller.decide(createRandom(1), 3)).toEqual({
      kind: 'http',
      status: 503,
      when: 'after-commit',
    });
    expect(() => controller.setPlan({ phases: [{ atMs: 0, lostAck: { rate: 3 } }] })).toThrow(
      /faults\/phases\/0\/lostAck\/rate must be <= 1/,
    );
  });
});
