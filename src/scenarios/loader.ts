/**
 * Finds a scenario by built-in name or file (.json, or .ts/.mts/.js exporting a scenario as default), applies
 * `--set` overrides, and validates the result. Every failure names the file or the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { messageOf } from '../core/errors.ts';
import { BUILTIN_SCENARIOS } from './builtin/index.ts';
import { ERR_SCENARIO_FILE, ERR_SCENARIO_NOT_FOUND } from './errors.ts';
import type { Scenario } from './scenario.ts';
import { applyAssignment, parseAssignment } from './set-override.ts';
import { validateScenario } from './validate.ts';

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** The built-in name or the file's path, for messages and reports. */
  readonly source: string;
}

/** Line and column of a JSON.parse error position, for a message a user can act on. */
function jsonPosition(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(messageOf(error));
  if (!match) return '';
  const offset = Number(match[1]);
  const before = text.slice(0, offset).split('\n');
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

async function readScenarioFile(file: string): Promise<unknown> {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ERR_SCENARIO_FILE(file, `cannot be read: ${messageOf(error)}`);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ERR_SCENARIO_FILE(file, `is not valid JSON${jsonPosition(text, error)}: ${messageOf(error)}`);
    }
  }
  if (['.ts', '.mts', '.js', '.mjs'].includes(extension)) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    } catch (error) {
      throw new ERR_SCENARIO_FILE(file, `cannot be loaded: ${messageOf(error)}`);
    }
    if (!('default' in module))
      throw new ERR_SCENARIO_FILE(file, 'has no default export (export default defineScenario({...}))');
    return module.default;
  }
  throw new ERR_SCENARIO_FILE(
    file,
    `has an unknown extension ${JSON.stringify(extension)} (use .json or .ts)`,
  );
}

export async function loadScenario(
  nameOrFile: string,
  assignments: readonly string[] = [],
): Promise<LoadedScenario> {
  const builtin = BUILTIN_SCENARIOS.find((entry) => entry.name === nameOrFile);
  let raw: unknown;
  let source: string;
  if (builtin !== undefined) {
    raw = builtin;
    source = `built-in scenario ${builtin.name}`;
  } else if (existsSync(nameOrFile)) {
    raw = await readScenarioFile(nameOrFile);
    source = nameOrFile;
  } else {
    throw new ERR_SCENARIO_NOT_FOUND(nameOrFile, BUILTIN_SCENARIOS.map((entry) => entry.name).join(', '));
  }
  validateScenario(raw, source);
  for (const text of assignments) raw = applyAssignment(raw, parseAssignment(text), text);
  const scenario = validateScenario(raw, assignments.length > 0 ? `${source} (after --set)` : source);
  return { scenario, source };
}
