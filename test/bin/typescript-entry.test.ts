/**
 * bin/typescript-entry.js: how the syncsim command and the benchmark children run the TypeScript sources
 * (compiled by esbuild at start, not under tsx's loader thread).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileTypeScript, importTypeScript } from '../../bin/typescript-entry.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test', 'bin', 'fixtures', 'greeting.ts');

describe('typescript-entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncsim-ts-entry-'));
  const outputs: string[] = [];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const output of outputs) rmSync(output, { force: true });
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
    outputs.push(compiled, `${compiled}.map`);
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'run-typescript.js'), script, '--a', 'b'], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['--a', 'b']);
  });
});
