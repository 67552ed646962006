/**
 * `run --shard i/N` and `merge`: two shards of one run, merged, equal the unsharded run: counts summed,
 * histograms added (so percentiles too), invariants, thresholds and the verdict.
 *
 * The fake backend draws service times and faults keyed by the sending device and its own request count,
 * so a shard meets the same ones as the full run, and the percentiles of the merge equal the full run's too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/sim/summary.ts';
import { type Finished, readJson, removeDir, SMALL_RUN, syncsim, tempDir, transcript } from './helpers.ts';

let cwd: string;
let shards: Finished[];
let full: Finished;

beforeAll(async () => {
  cwd = tempDir();
  [full, ...shards] = await Promise.all([
    syncsim([...SMALL_RUN, '--out', 'full'], { cwd }),
    syncsim([...SMALL_RUN, '--shard', '0/2', '--out', 'shard-0'], { cwd }),
    syncsim([...SMALL_RUN, '--shard', '1/2', '--out', 'shard-1'], { cwd }),
  ]);
});
afterAll(() => removeDir(cwd));

describe('syncsim merge', () => {
  it('each shard runs only its devices (index = i mod N)', () => {
    for (const [index, shard] of shards.entries()) {
      expect(shard.code, transcript(shard)).toBe(0);
      const summary = readJson<Summary>(join(cwd, `shard-${index}`, 'summary.json'));
      expect(summary.shard).toEqual({ index, count: 2 });
      expect(summary.devices).toBe(4);
    }
    expect(full.code, transcript(full)).toBe(0);
  });

  it('the merge of the two shards equals the unsharded run: counts, percentiles, invariants, verdict', async () => {
    const merged = await syncsim(['merge', 'shard-1', 'shard-0', '--out', 'merged', '--json'], { cwd });
    expect(merged.code, transcript(merged)).toBe(0);
    const summary = JSON.parse(merged.stdout) as Summary;
    expect(summary).toEqual(readJson<Summary>(join(cwd, 'merged', 'summary.json')));
    const whole = readJson<Summary>(join(cwd, 'full', 'summary.json'));
    const shardSales = [0, 1].map(
      (i) => readJson<Summary>(join(cwd, `shard-${i}`, 'summary.json')).sales.created,
    );
    // Both halves did some work, so the sum is a real test of the merge.
    expect(Math.min(...shardSales)).toBeGreaterThan(0);

    expect(summary.devices).toBe(8);
    expect(summary.sales).toEqual(whole.sales);
    expect(summary.requests).toEqual(whole.requests);
    expect(summary.latency).toEqual(whole.latency);
    expect(summary.batches).toEqual(whole.batches);
    expect(summary.invariants).toEqual(whole.invariants);
    expect(summary.server).toEqual(whole.server);
    expect(summary.thresholds).toEqual(whole.thresholds);
    expect(summary.passed).toBe(whole.passed);
    expect(summary.sales.created).toBe(shardSales[0]! + shardSales[1]!);
  });

  it('a merged run replays as the whole run, its shards at once: the same summary', async () => {
    const merged = readJson<Summary>(join(cwd, 'merged', 'summary.json'));
    expect(merged.replay).toMatchObject({ shard: null, workers: 2 });
    const replayed = await syncsim(['replay', 'merged', '--out', 'merged-replay', '--no-progress'], { cwd });
    expect(replayed.code, transcript(replayed)).toBe(0);
    expect(replayed.stdout).toContain('replay: identical to the original');
  });

  it('will not write the merge into a shard it merges (its reports would be replaced)', async () => {
    const result = await syncsim(['merge', 'shard-0', 'shard-1', '--out', 'shard-0'], { cwd });
    expect(result.code, transcript(result)).toBe(2);
    expect(result.stderr).toContain("--out shard-0 is one of the shards' folders");
    expect(readJson<Summary>(join(cwd, 'shard-0', 'summary.json')).shard).toEqual({ index: 0, count: 2 });
  });

  it('refuses to merge a shard with a run that is not one', async () => {
    const result = await syncsim(['merge', 'full', 'shard-0'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a shard');
  });
});
