/** shardProblem: a merge of folders that are not the parts of one run names what differs, and where. */
import { describe, expect, it } from 'vitest';
import { shardProblem } from '../../src/cli/merge-shards.ts';
import { type Summary, templateSummary } from '../../src/sim/summary.ts';

function shard(index: number, count: number, overrides: Partial<Summary> = {}): Summary {
  const scenario = { name: 'steady-day', devices: { count: 4 }, duration: '1h' };
  return {
    ...templateSummary(),
    scenario: 'steady-day',
    seed: '8',
    shard: { index, count },
    replay: { scenario, seed: '8', shard: { index, count }, realtime: null },
    ...overrides,
  };
}

describe('shardProblem', () => {
  it('accepts the N distinct parts of one run, in any order', () => {
    expect(shardProblem([shard(1, 2), shard(0, 2)])).toBeNull();
  });

  it('names the field that differs between two runs, its two values and the folders', () => {
    expect(shardProblem([shard(0, 2), shard(1, 2, { mode: 'realtime' })], ['sh0', 'vsh1'])).toBe(
      'shards of different runs: mode: "virtual" -> "realtime" (sh0 -> vsh1)',
    );
    const longer = shard(1, 2);
    const replay = longer.replay!;
    const other = {
      ...longer,
      replay: { ...replay, scenario: { ...(replay.scenario as object), duration: '2h' } },
    };
    expect(shardProblem([shard(0, 2), other], ['a', 'b'])).toBe(
      'shards ran different scenario settings: scenario.duration: "1h" -> "2h" (a -> b)',
    );
  });

  it('names a shard given twice, and the missing ones', () => {
    expect(shardProblem([shard(0, 2), shard(0, 2)], ['s0', 's0-again'])).toBe(
      'the same shard 0/2 is given twice (s0-again)',
    );
    expect(shardProblem([shard(0, 3), shard(2, 3)])).toBe('missing shard(s) 1/3');
  });
});
