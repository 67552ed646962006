/**
 * Finds a scenario by built-in name or file (.json, or .ts/.mts/.cts/.js/.mjs exporting a scenario as
 * default), applies `--set` overrides, and validates the result. Every failure names the file or the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { jsonErrorOf, messageOf } from '../core/errors.ts';
import { BUILTIN_SCENARIOS } from './builtin/index.ts';
import { ERR_SCENARIO_FILE, ERR_SCENARIO_FILE_MISSING, ERR_SCENARIO_NOT_FOUND } from './errors.ts';
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

const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs'];
const imported = new Map<string, Record<string, unknown>>();

/**
 * A scenario module, loaded once per process (a sweep loads its scenario once per size), through tsx's own
 * loader rather than a bare import(): under the tsx hooks, a bare import of a file that lives outside an ESM
 * package (no `"type": "module"` next to it: /tmp, a CommonJS project) fails with "Cannot require() ES
 * Module ... in a cycle", whatever the file holds.
 */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const known = imported.get(path);
  if (known !== undefined) return known;
  const module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  imported.set(path, module);
  return module;
}

/** `export default x`, also when the file was compiled as CommonJS (the namespace's default is then the exports). */
function defaultExport(module: Record<string, unknown>): unknown {
  const value = module.default;
  if (typeof value === 'object' && value !== null && '__esModule' in value) {
    return (value as { default?: unknown }).default;
  }
  return value;
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
      throw new ERR_SCENARIO_FILE(
        file,
        `is not valid JSON${jsonPosition(text, error)}: ${jsonErrorOf(error)}`,
      );
    }
  }
  if (MODULE_EXTENSIONS.includes(extension)) {
    let module: Record<string, unknown>;
    try {
      module = await importModule(resolve(file));
    } catch (error) {
      throw new ERR_SCENARIO_FILE(file, `cannot be loaded: ${messageOf(error)}`);
    }
    const exported = defaultExport(module);
    if (exported === undefined)
      throw new ERR_SCENARIO_FILE(file, 'has no default export (export default defineScenario({...}))');
    return exported;
  }
  throw new ERR_SCENARIO_FILE(
    file,
    `has an unknown extension ${JSON.stringify(extension)} (use .json, or .ts exporting defineScenario({...}) as default)`,
  );
}

/** A folder in it or a scenario file's extension: meant as a file, not as a built-in name. */
function looksLikePath(text: string): boolean {
  const extension = extname(text).toLowerCase();
  return /[\\/]/.test(text) || extension === '.json' || MODULE_EXTENSIONS.includes(extension);
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
  } else if (looksLikePath(nameOrFile)) {
    throw new ERR_SCENARIO_FILE_MISSING(nameOrFile);
  } else {
    throw new ERR_SCENARIO_NOT_FOUND(nameOrFile, BUILTIN_SCENARIOS.map((entry) => entry.name).join(', '));
  }
  validateScenario(raw, source);
  for (const text of assignments) raw = applyAssignment(raw, parseAssignment(text), text);
  const scenario = validateScenario(raw, assignments.length > 0 ? `${source} (after --set)` : source);
  return { scenario, source };
}
