/** Run folders: `reports/<scenario>-<seed>-<time>/` unless `--out DIR` says otherwise. */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { messageOf } from '../core/errors.ts';
import { REPORT_FILES } from '../report/index.ts';
import { ERR_FILE } from './errors.ts';

/** Local wall time as YYYYMMDD-HHMMSS: folders sort by when they ran. */
export function timestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/** What a run writes into its folder: what an earlier run left there would be read as this run's. */
const RUN_OUTPUTS = [
  ...REPORT_FILES,
  'devices',
  'server.sqlite',
  'server.sqlite-wal',
  'server.sqlite-shm',
  'server.sqlite-journal',
];

function isFolder(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch {
    return null;
  }
}

/**
 * Creates a folder and its missing parents, one level at a time: Node's recursive mkdir never returns under
 * /proc (it retries forever, deaf to Ctrl-C), and a parent that is a file is named as such.
 */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    const folder = isFolder(current);
    if (folder === true) break;
    if (folder === false)
      throw new ERR_FILE(
        path,
        current === resolve(path) ? 'is a file, not a folder' : `cannot be created: ${current} is a file`,
      );
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      throw new ERR_FILE(path, `cannot be created: ${messageOf(error)}`, { cause: error });
    }
  }
}

/**
 * Makes a run folder ready for one run: created if missing, and an earlier run's outputs removed, so that
 * none of them (its devices, its shards, its violations) sit beside this run's summary. Only in a folder an
 * earlier run finished in (it has a summary.json): `--out` may name a folder that holds other things.
 */
export function prepareRunFolder(path: string): void {
  makeFolder(path);
  if (!existsSync(join(path, 'summary.json'))) return;
  for (const name of [...RUN_OUTPUTS, SHARDS_FOLDER]) {
    try {
      rmSync(join(path, name), { recursive: true, force: true });
    } catch (error) {
      throw new ERR_FILE(join(path, name), `cannot be removed for the new run: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }
}

/** Where `run --workers N` keeps its shards' own run folders, inside the run folder. */
export const SHARDS_FOLDER = 'shards';

export function shardFolder(runFolder: string, index: number): string {
  return join(runFolder, SHARDS_FOLDER, `shard-${index}`);
}

export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'run';
}

export function defaultRunFolder(scenario: string, seed: string, now: Date, suffix = ''): string {
  return join('reports', `${safeName(scenario)}-${safeName(seed)}${suffix}-${timestamp(now)}`);
}

/** A seed for a run that was not given one: printed first, so the run can be replayed. */
export function pickSeed(): string {
  return String(Math.floor(Math.random() * 1_000_000_000));
}
