/**
 * A summary's replay section read back for `syncsim replay`: a hand-edited one is refused by the field it
 * broke (exit 2), never run as something else or crashed on.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { replayInfoOf } from '../../src/cli/read-run.ts';
import type { ReplayInfo, Summary } from '../../src/sim/summary.ts';
import { templateSummary } from '../../src/sim/summary.ts';

const GOOD: ReplayInfo = { scenario: { name: 'x' }, seed: '42', shard: null, realtime: null };

function withReplay(replay: unknown): Summary {
  return { ...templateSummary(), replay: replay as ReplayInfo };
}

function refusal(replay: unknown): { message: string; code: number } {
  try {
    replayInfoOf(withReplay(replay), 'run/summary.json');
  } catch (error) {
    return { message: (error as Error).message, code: exitCodeFor(error) };
  }
  throw new Error(`accepted ${JSON.stringify(replay)}`);
}

describe('replayInfoOf', () => {
  it('takes what syncsim run writes: one process, a shard, real time, workers', () => {
    for (const replay of [
      GOOD,
      { ...GOOD, shard: { index: 1, count: 2 } },
      { ...GOOD, realtime: { speed: 60 } },
      { ...GOOD, workers: 2 },
    ]) {
      expect(replayInfoOf(withReplay(replay), 'summary.json')).toEqual(replay);
    }
  });

  it('refuses each broken field by name, as bad configuration (exit 2)', () => {
    const cases: [unknown, string][] = [
      [undefined, 'has no replay section'],
      [null, 'replay must be an object'],
      [{ ...GOOD, seed: 5 }, 'replay.seed must be a non-empty string'],
      [{ ...GOOD, seed: ' ' }, 'replay.seed must be a non-empty string'],
      [
        { ...GOOD, seed: '1\u001b]0;PWNED\u0007' },
        'replay.seed must be a non-empty string without control characters',
      ],
      [{ ...GOOD, shard: { index: 5, count: 2 } }, 'replay.shard must be null or {"index": i, "count": N}'],
      [{ ...GOOD, shard: 'all' }, 'replay.shard must be'],
      [{ ...GOOD, realtime: { speed: -1 } }, 'replay.realtime must be null (virtual time) or {"speed": X}'],
      [{ ...GOOD, realtime: 'yes' }, 'replay.realtime must be'],
      [{ ...GOOD, workers: 0 }, 'replay.workers must be a whole number from 1 to 256'],
      [{ ...GOOD, workers: 1000 }, 'replay.workers must be'],
    ];
    for (const [replay, message] of cases) {
      const refused = refusal(replay);
      expect(refused.message, JSON.stringify(replay)).toContain(message);
      expect(refused.message).toMatch(/^run\/summary\.json: /);
      expect(refused.code).toBe(2);
    }
  });
});
