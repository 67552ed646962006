/** Errors of scenario loading and threshold parsing: all are the user's input, so all exit with code 2. */
import { defineError } from '../core/errors.ts';

export const ERR_SCENARIO_NOT_FOUND = defineError(
  'SYNCSIM_ERR_SCENARIO_NOT_FOUND',
  'usage',
  (name: string, known: string) =>
    `no scenario or file named ${JSON.stringify(name)} (built-in scenarios: ${known})`,
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
