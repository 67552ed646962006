/**
 * bin/typescript-entry.js: how the syncsim command and the benchmark children run the TypeScript sources
 * (compiled by esbuild at start, not under tsx's loader thread).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileTypeScript, importTypeScript, isCompiledUpToDate } from '../../bin/typescript-entry.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'test', 'bin', 'fixtures');
const FIXTURE = join(FIXTURES, 'greeting.ts');

describe('typescript-entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncsim-ts-entry-'));
  const outputs: string[] = [];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const output of outputs) {
      for (const file of [output, `${output}.map`, `${output}.inputs.json`]) rmSync(file, { force: true });
    }
  });

  it('compiles an entry and its relative imports into one module in the cache, and imports it', async () => {
    const out = await compileTypeScript(FIXTURE);
    expect(out).toContain(join('node_modules', '.cache', 'syncsim', 'greeting-'));
    expect(readFileSync(out, 'utf8')).toContain('toUpperCase');
    const module = (await importTypeScript(FIXTURE)) as { greeting: string };
    expect(module.greeting).toBe('HELLO!');
  });

  it('reports an error in the sources as esbuild words it, without falling back to tsx', async () => {
    const broken = join(dir, 'broken.ts');
    writeFileSync(broken, 'export const x: number = ;\n');
    await expect(importTypeScript(broken)).rejects.toThrow(/broken\.ts:1:\d+: ERROR: Unexpected ";"/);
  });

  it('runs a script with the argv it would have run directly', async () => {
    const script = join(dir, 'argv.ts');
    writeFileSync(script, 'process.stdout.write(JSON.stringify(process.argv.slice(2)) as string);\n');
    // Its compiled module is named after this temporary file: removed with it, not left in the cache.
    const compiled = await compileTypeScript(script);
    outputs.push(compiled);
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'run-typescript.js'), script, '--a', 'b'], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['--a', 'b']);
  });

  it('reuses the compiled module while its sources are unchanged, and compiles an edited one in', async () => {
    const entry = join(dir, 'reuse.ts');
    const part = join(dir, 'reuse-part.ts');
    // Written a while ago: a source written while its build runs is never vouched for (see the next test).
    const written = (path: string, text: string, secondsAgo: number): void => {
      writeFileSync(path, text);
      const at = new Date(Date.now() - secondsAgo * 1000);
      utimesSync(path, at, at);
    };
    written(part, "export const word = 'first';\n", 60);
    written(entry, "export { word } from './reuse-part.ts';\n", 60);
    const compiled = await compileTypeScript(entry);
    outputs.push(compiled);
    expect(isCompiledUpToDate(entry)).toBe(true);
    written(part, "export const word = 'second';\n", 30);
    expect(isCompiledUpToDate(entry)).toBe(false);
    await compileTypeScript(entry);
    expect(readFileSync(compiled, 'utf8')).toContain('second');
    expect(isCompiledUpToDate(entry)).toBe(true);
    rmSync(`${compiled}.map`);
    expect(isCompiledUpToDate(entry)).toBe(false);
  });

  it('does not vouch for a build whose sources were written while it ran', async () => {
    const entry = join(dir, 'fresh.ts');
    writeFileSync(entry, 'export const fresh = true;\n');
    const at = new Date(Date.now() + 60_000);
    utimesSync(entry, at, at);
    outputs.push(await compileTypeScript(entry));
    expect(isCompiledUpToDate(entry)).toBe(false);
  });

  it('bundles typebox into the module and leaves other packages as imports', async () => {
    const compiled = await compileTypeScript(join(FIXTURES, 'packages.ts'));
    outputs.push(compiled);
    const text = readFileSync(compiled, 'utf8');
    expect(text).toMatch(/from ["']better-sqlite3["']/);
    expect(text).not.toMatch(/from ["']typebox/);
    const module = (await importTypeScript(join(FIXTURES, 'packages.ts'))) as {
      schema: { type: string };
      hasDatabase: boolean;
    };
    expect(module.schema.type).toBe('object');
    expect(module.hasDatabase).toBe(true);
  });
});
