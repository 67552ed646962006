/** Errors of the command line itself (flags and arguments). */
import { defineError } from '../core/errors.ts';

export const ERR_FLAG = defineError(
  'SYNCSIM_ERR_FLAG',
  'usage',
  (flag: string, problem: string) => `${flag}: ${problem}`,
);
export const ERR_FILE = defineError(
  'SYNCSIM_ERR_FILE',
  'unavailable',
  (path: string, problem: string) => `${path}: ${problem}`,
);
export const ERR_REPLAY = defineError(
  'SYNCSIM_ERR_REPLAY',
  'config',
  (path: string, problem: string) => `${path}: ${problem}`,
);
export const ERR_MERGE = defineError('SYNCSIM_ERR_MERGE', 'config', (problem: string) => `merge: ${problem}`);
/** A shard thread of `run --workers` that ended without its result (it failed, threw, or could not start). */
export const ERR_WORKER = defineError(
  'SYNCSIM_ERR_WORKER',
  'unavailable',
  (problem: string) => `--workers: ${problem}`,
);
