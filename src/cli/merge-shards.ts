/**
 * The shards of one run (`run --shard i/N`, or the threads of `run --workers N`) read back from their run
 * folders and combined exactly: histograms added, counters and invariants summed, thresholds evaluated again
 * on the whole. Shared by `syncsim merge` and `syncsim run --workers`.
 */
import { dirname } from 'node:path';
import { applyThresholds } from '../scenarios/thresholds.ts';
import { validateScenario } from '../scenarios/validate.ts';
import { mergeSummaries, shardIdentity } from '../sim/merge-summaries.ts';
import type { MetricsSnapshot } from '../sim/metrics.ts';
import { mergeMetricsSnapshots } from '../sim/metrics-merge.ts';
import type { Summary } from '../sim/summary.ts';
import { ERR_MERGE } from './errors.ts';
import { differences } from './json-differences.ts';
import { readMetrics, readSummary } from './read-run.ts';

/**
 * Checks that the shards are the N distinct parts of one run; returns a message for the first problem, naming
 * what differs and where (`names`: the shards' folders, in the same order).
 */
export function shardProblem(summaries: readonly Summary[], names: readonly string[] = []): string | null {
  const first = summaries[0];
  if (first === undefined) return 'no shards given';
  const identity = shardIdentity(first);
  const nameOf = (i: number): string => names[i] ?? `shard ${i + 1}`;
  for (const [i, summary] of summaries.entries()) {
    const where = `(${nameOf(0)} -> ${nameOf(i)})`;
    const [difference] = differences(identity, shardIdentity(summary), '', 1);
    if (difference !== undefined) return `shards of different runs: ${difference} ${where}`;
    const [setting] = differences(first.replay?.scenario, summary.replay?.scenario, 'scenario', 1);
    if (setting !== undefined) return `shards ran different scenario settings: ${setting} ${where}`;
  }
  const shards = summaries.map((s) => s.shard);
  if (shards.some((s) => s === null))
    return 'one of the folders is not a shard (it ran every device): nothing to merge it with';
  const count = shards[0]?.count ?? 0;
  if (shards.some((s) => s?.count !== count))
    return 'shards split the fleet differently (different N in --shard i/N)';
  const seen = new Set(shards.map((s) => s?.index));
  if (seen.size !== shards.length) {
    const index = shards.findIndex((s, i) => shards.findIndex((t) => t?.index === s?.index) !== i);
    return `the same shard ${shards[index]?.index}/${count} is given twice (${nameOf(index)})`;
  }
  if (seen.size !== count) {
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    return `missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`;
  }
  return null;
}

export interface MergedRun {
  /** The whole run's summary, its thresholds evaluated on the merged figures. */
  readonly summary: Summary;
  readonly metrics: MetricsSnapshot;
  /** The shards' run folders. */
  readonly shards: readonly string[];
}

/** Reads the shards' run folders and merges them; throws ERR_MERGE when they are not the parts of one run. */
export function mergeShardFolders(folders: readonly string[]): MergedRun {
  const shards = folders.map((folder) => readSummary(folder));
  const summaries = shards.map((s) => s.summary);
  const problem = shardProblem(summaries, folders);
  if (problem !== null) throw new ERR_MERGE(problem);
  const metrics = mergeMetricsSnapshots(shards.map((s) => readMetrics(s.file)));
  const first = shards[0];
  const replay = first?.summary.replay;
  const scenario =
    replay === undefined ? null : validateScenario(replay.scenario, `${first?.file} (replay.scenario)`);
  const merged = applyThresholds(mergeSummaries(summaries, metrics), scenario?.thresholds ?? []);
  return {
    // Replayed as the whole run it is: every shard at once, a thread each, which gives this summary again.
    summary:
      replay === undefined
        ? merged
        : { ...merged, replay: { ...replay, shard: null, workers: summaries.length } },
    metrics,
    shards: shards.map((s) => dirname(s.file)),
  };
}
