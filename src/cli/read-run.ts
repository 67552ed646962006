/** Reading a finished run folder back: its summary.json and histograms.json, with errors naming the file. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jsonErrorOf, messageOf } from '../core/errors.ts';
import { isRecord } from '../core/is-record.ts';
import { parseHistogramsJson } from '../report/index.ts';
import type { MetricsSnapshot } from '../sim/metrics.ts';
import type { ReplayInfo, Summary } from '../sim/summary.ts';
import { ERR_FILE, ERR_REPLAY } from './errors.ts';
import { MAX_SPEED, MAX_WORKERS, seedProblem } from './flags.ts';

/** A run folder or its summary.json, as the user typed it. */
export function summaryPath(path: string): string {
  if (!existsSync(path)) throw new ERR_FILE(path, 'no such file or folder');
  return statSync(path).isDirectory() ? join(path, 'summary.json') : path;
}

export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ERR_FILE(file, `cannot be read: ${messageOf(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ERR_REPLAY(file, `is not valid JSON: ${jsonErrorOf(error)}`);
  }
}

export function readSummary(path: string): { file: string; summary: Summary } {
  const file = summaryPath(path);
  const value = readJson(file);
  if (typeof value !== 'object' || value === null || !('seed' in value) || !('invariants' in value)) {
    throw new ERR_REPLAY(file, 'is not a syncsim summary.json');
  }
  return { file, summary: value as Summary };
}

export function readMetrics(summaryFile: string): MetricsSnapshot {
  const file = join(dirname(summaryFile), 'histograms.json');
  if (!existsSync(file))
    throw new ERR_FILE(file, 'missing: the run folder must hold histograms.json next to summary.json');
  try {
    return parseHistogramsJson(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ERR_REPLAY(file, messageOf(error));
  }
}

function isWhole(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

/**
 * A summary's replay section, checked field by field: it is a file, and a hand-edited one must be refused
 * by name, not run as something else (0 devices, 50 threads, an hour in real time) or crash.
 */
export function replayInfoOf(summary: Summary, file: string): ReplayInfo {
  const replay: unknown = summary.replay;
  const bad = (field: string, expected: string): never => {
    throw new ERR_REPLAY(file, `replay.${field} must be ${expected}`);
  };
  if (replay === undefined)
    throw new ERR_REPLAY(file, 'has no replay section (it was not written by `syncsim run`)');
  if (!isRecord(replay)) throw new ERR_REPLAY(file, 'replay must be an object');
  const { seed, shard, realtime, workers } = replay;
  if (typeof seed !== 'string' || seedProblem(seed) !== null)
    bad('seed', 'a non-empty string without control characters');
  if (shard !== null) {
    if (!isRecord(shard) || !isWhole(shard.count, 1) || !isWhole(shard.index, 0, (shard.count as number) - 1))
      bad('shard', 'null or {"index": i, "count": N} with 0 <= i < N');
  }
  if (realtime !== null) {
    if (
      !isRecord(realtime) ||
      typeof realtime.speed !== 'number' ||
      !(realtime.speed > 0) ||
      realtime.speed > MAX_SPEED
    )
      bad('realtime', `null (virtual time) or {"speed": X} with 0 < X <= ${MAX_SPEED}`);
  }
  if (workers !== undefined && !isWhole(workers, 1, MAX_WORKERS))
    bad('workers', `a whole number from 1 to ${MAX_WORKERS}`);
  return replay as unknown as ReplayInfo;
}
