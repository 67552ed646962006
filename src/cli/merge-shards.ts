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
import { readMetrics, readSummary } from './read-run.ts';

/** Checks that the shards are the N distinct parts of one run; returns a message for the first problem. */
export function shardProblem(summaries: readonly Summary[]): string | null {
  const first = summaries[0];
  if (first === undefined) return 'no shards given';
  const identity = shardIdentity(first);
  for (const summary of summaries) {
    if (shardIdentity(summary) !== identity) {
      return `shards of different runs: ${first.scenario}/${first.seed}/${first.policy} and ${summary.scenario}/${summary.seed}/${summary.policy}`;
    }
    if (JSON.stringify(summary.replay?.scenario) !== JSON.stringify(first.replay?.scenario)) {
      return `shards ran different scenario settings (${summary.scenario}): merge only shards of one run`;
    }
  }
  const shards = summaries.map((s) => s.shard);
  if (shards.some((s) => s === null))
    return 'one of the folders is not a shard (it ran every device): nothing to merge it with';
  const count = shards[0]?.count ?? 0;
  if (shards.some((s) => s?.count !== count))
    return 'shards split the fleet differently (different N in --shard i/N)';
  const seen = new Set(shards.map((s) => s?.index));
  if (seen.size !== shards.length) return 'the same shard is given twice';
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
  const problem = shardProblem(summaries);
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
