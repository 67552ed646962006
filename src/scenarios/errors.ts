/** Errors of scenario loading and threshold parsing: the user's input (exit 2), but for a missing file (exit 3). */
import { defineError } from '../core/errors.ts';

export const ERR_SCENARIO_NOT_FOUND = defineError(
  'SYNCSIM_ERR_SCENARIO_NOT_FOUND',
  'usage',
  (name: string, known: string) =>
    `no scenario or file named ${JSON.stringify(name)} (built-in scenarios: ${known})`,
);
/** A path that names no file: missing, as any input file can be, not a typo of a built-in name. */
export const ERR_SCENARIO_FILE_MISSING = defineError(
  'SYNCSIM_ERR_SCENARIO_FILE_MISSING',
  'unavailable',
  (file: string) => `${file}: no such scenario file`,
);
export const ERR_SCENARIO_FILE = defineError(
  'SYNCSIM_ERR_SCENARIO_FILE',
  'config',
  (file: string, problem: string) => `${file}: ${problem}`,
);
export const ERR_SCENARIO_INVALID = defineError(
  'SYNCSIM_ERR_SCENARIO_INVALID',
  'config',
  (source: string, problem: string) => `${source}: ${problem}`,
);
export const ERR_SET_OVERRIDE = defineError(
  'SYNCSIM_ERR_SET_OVERRIDE',
  'usage',
  (assignment: string, problem: string) => `--set ${assignment}: ${problem}`,
);
export const ERR_THRESHOLD = defineError(
  'SYNCSIM_ERR_THRESHOLD',
  'config',
  (expression: string, problem: string) => `threshold ${JSON.stringify(expression)}: ${problem}`,
);
