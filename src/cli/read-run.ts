/** Reading a finished run folder back: its summary.json and histograms.json, with errors naming the file. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { messageOf } from '../core/errors.ts';
import { parseHistogramsJson } from '../report/index.ts';
import type { MetricsSnapshot } from '../sim/metrics.ts';
import type { Summary } from '../sim/summary.ts';
import { ERR_FILE, ERR_REPLAY } from './errors.ts';

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
    throw new ERR_REPLAY(file, `is not valid JSON: ${messageOf(error)}`);
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
