/**
 * The scenario loader as a user meets it: a built-in name, a JSON file, a TypeScript file exporting
 * defineScenario(...), and every way a file can be wrong, each with an error that names the file, the field
 * (or line and column) and what was expected, of a kind the CLI maps to exit code 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { isSyncsimError, type SyncsimError } from '../../src/core/errors.ts';
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO } from '../../src/scenarios/builtin/index.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syncsim-loader-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The error `loadScenario` rejects with; fails the test if it resolves or throws something else. */
async function loadError(nameOrFile: string, assignments: readonly string[] = []): Promise<SyncsimError> {
  const error: unknown = await loadScenario(nameOrFile, assignments).then(
    () => null,
    (e: unknown) => e,
  );
  if (!isSyncsimError(error)) throw new Error(`expected a SyncsimError, got ${String(error)}`);
  return error;
}

const MINIMAL = { name: 'tiny', devices: { count: 3 }, duration: '30m' };

describe('loadScenario: sources', () => {
  it('finds every built-in scenario by name, unchanged', async () => {
    for (const builtin of BUILTIN_SCENARIOS) {
      const loaded = await loadScenario(builtin.name);
      expect(loaded.scenario).toEqual(builtin);
      expect(loaded.source).toContain(builtin.name);
    }
    expect(BUILTIN_SCENARIOS.map((s) => s.name)).toContain(DEFAULT_SCENARIO);
  });

  it('reads a .json file', async () => {
    const path = file('mine.json', JSON.stringify({ ...MINIMAL, thresholds: ['invariants.lost == 0'] }));
    const loaded = await loadScenario(path);
    expect(loaded.scenario).toEqual({ ...MINIMAL, thresholds: ['invariants.lost == 0'] });
    expect(loaded.source).toBe(path);
  });

  it('reads a .ts file whose default export is defineScenario({...}), outside any package', async () => {
    const scenarioModule = pathToFileURL(join(import.meta.dirname, '../../src/scenarios/scenario.ts')).href;
    const path = file(
      'typed.ts',
      `import { defineScenario } from ${JSON.stringify(scenarioModule)};\n` +
        `const hours: number = 2;\n` +
        `export default defineScenario({ name: 'typed', devices: { count: 4, branches: 2 }, duration: \`\${hours}h\`, policy: { preset: 'hardened' } });\n`,
    );
    const loaded = await loadScenario(path);
    expect(loaded.scenario).toEqual({
      name: 'typed',
      devices: { count: 4, branches: 2 },
      duration: '2h',
      policy: { preset: 'hardened' },
    });
  });

  it('a .ts file without a default export is refused, saying what to export', async () => {
    const error = await loadError(file('named.ts', 'export const scenario = { name: "x" };\n'));
    expect(error.message).toContain('named.ts');
    expect(error.message).toContain('no default export');
    expect(error.kind).toBe('config');
  });

  it('a .ts file that does not compile is refused with the compiler message', async () => {
    const error = await loadError(file('broken.ts', 'export default { name: "x", devices: {\n'));
    expect(error.message).toMatch(/broken\.ts: cannot be loaded/);
    expect(exitCodeFor(error)).toBe(2);
  });

  it('an unknown name lists the built-ins and is a usage error (exit 2)', async () => {
    const error = await loadError('steady-dya');
    expect(error.message).toContain('"steady-dya"');
    for (const builtin of BUILTIN_SCENARIOS) expect(error.message).toContain(builtin.name);
    expect(exitCodeFor(error)).toBe(2);
  });

  it('a path to no file is a missing file (exit 3), not a misspelt built-in', async () => {
    for (const missing of [join(dir, 'nope.json'), 'scenarios/black-friday', 'black-friday.ts']) {
      const error = await loadError(missing);
      expect(error.message).toBe(`${missing}: no such scenario file`);
      expect(exitCodeFor(error)).toBe(3);
    }
  });

  it('an unknown extension names the ones that work', async () => {
    const error = await loadError(file('scenario.yaml', 'name: x\n'));
    expect(error.message).toMatch(/unknown extension "\.yaml".*\.json.*\.ts/);
    expect(exitCodeFor(error)).toBe(2);
  });
});

describe('loadScenario: a bad file names where and what', () => {
  it('bad JSON gives the line and column', async () => {
    const path = file(
      'bad.json',
      '{\n  "name": "x",\n  "devices": { "count": 2 },\n  "duration": "1h",\n}\n',
    );
    const error = await loadError(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain('not valid JSON at line 5, column 1');
    expect(error.kind).toBe('config');
  });

  it('a field of the wrong type names its path and the type expected', async () => {
    const error = await loadError(
      file('type.json', JSON.stringify({ ...MINIMAL, devices: { count: 'two' } })),
    );
    expect(error.message).toMatch(/type\.json: devices\/count must be integer/);
    expect(error.kind).toBe('config');
    expect(exitCodeFor(error)).toBe(2);
  });

  it('a value out of range names its path and the bound', async () => {
    const error = await loadError(file('range.json', JSON.stringify({ ...MINIMAL, devices: { count: 0 } })));
    expect(error.message).toContain('devices/count must be >= 1');
  });

  it('an unknown field is named with the fields allowed there', async () => {
    const error = await loadError(file('unknown.json', JSON.stringify({ ...MINIMAL, colour: 'red' })));
    expect(error.message).toMatch(/colour is not a known field \(expected one of: .*devices.*thresholds/);
  });

  it('a key of a map whose keys follow a pattern is named with the pattern', async () => {
    const scenario = { ...MINIMAL, workload: { paymentMethods: { CASH: 2, qris: 1 } } };
    const error = await loadError(file('pattern.json', JSON.stringify(scenario)));
    expect(error.message).toContain(
      'workload/paymentMethods/qris is not a known field (expected one of: a name matching ^[A-Z][A-Z0-9_]*$)',
    );
  });

  it('a bad enum value deep in the file lists the allowed values', async () => {
    const scenario = { ...MINIMAL, backend: { kind: 'fake', storage: { dedupe: 'maybe' } } };
    const error = await loadError(file('enum.json', JSON.stringify(scenario)));
    expect(error.message).toContain(
      'backend/storage/dedupe must be one of "unique", "check-then-insert", "none"',
    );
  });

  it('a missing required field is named', async () => {
    const error = await loadError(file('missing.json', JSON.stringify({ name: 'x', duration: '1h' })));
    expect(error.message).toContain('devices is required');
  });

  it('a duration the schema accepts as a string but cannot be read is refused', async () => {
    const error = await loadError(file('duration.json', JSON.stringify({ ...MINIMAL, duration: 'soon' })));
    expect(error.message).toMatch(/duration\.json: .*duration/);
    expect(error.kind).toBe('config');
  });

  it('a file that is not an object is refused', async () => {
    const error = await loadError(file('array.json', '[]'));
    expect(error.message).toMatch(/array\.json: .*must be object/);
  });
});
