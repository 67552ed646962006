/**
 * The benchmark harness still works: `bench/run.ts --quick` (tiny sizes, one run) exits 0 and writes a
 * report with every section and figures in it. No timing is asserted: a loaded CI machine says nothing
 * about speed, and the real figures come from `npm run bench` on a quiet one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, syncsimNodeFlags } from '../../bench/lib/child-process.ts';
import { parseBenchOptions } from '../../bench/lib/options.ts';
import { renderTable } from '../../bench/lib/report.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SECTIONS = [
  '1. Virtual-time speed',
  '2. Scaling',
  '3. HTTP load generation',
  '4. Fake backend',
  '5. Device core',
];

function run(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The text of a `## title` section, up to the next one. */
function section(report: string, title: string): string {
  const start = report.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const next = report.indexOf('\n## ', start + 1);
  return report.slice(start, next < 0 ? undefined : next);
}

describe('bench --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncsim-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every benchmark and writes every section with figures', { timeout: 180_000 }, async () => {
    const out = join(dir, 'results.md');
    const { code, stderr } = await run(['--quick', '--out', out]);
    expect(code, stderr).toBe(0);
    const report = readFileSync(out, 'utf8');
    expect(report).toContain('Quick mode');
    expect(report).toMatch(/Load \(\/proc\/loadavg\) before: `[\d.]+ /);
    for (const title of SECTIONS) {
      const text = section(report, title);
      expect(text, `section ${title}`).not.toBe('');
      // A table row whose first figure is a number: the benchmark measured something.
      expect(text, `figures in ${title}`).toMatch(/^\| [^|\n]+ \| +[\d,]+(\.\d+)? \|/m);
    }
    // The run with --workers 2 (two shard threads, merged) does the work of the one-process run: the same sales.
    const virtualTime = section(report, SECTIONS[0] as string);
    const salesOf = (label: RegExp): string | undefined =>
      virtualTime
        .split('\n')
        .find((line) => label.test(line))
        ?.split('|')[6]
        ?.trim();
    expect(salesOf(/^\| run, `--workers 2`/)).toMatch(/^[1-9][\d,]*$/);
    expect(salesOf(/^\| run, `--workers 2`/)).toBe(salesOf(/^\| run: /));
    // The server's CPU per request, read off /proc on autocannon's side, is in the HTTP table (Linux only).
    if (process.platform === 'linux') {
      const http = section(report, SECTIONS[2] as string).split('\n');
      const header = http.find((line) => line.startsWith('| load generator'))?.split('|') ?? [];
      const column = header.findIndex((cell) => cell.trim() === 'server CPU / request (ms)');
      expect(column).toBeGreaterThan(0);
      const cannon = http.find((line) => /^\| backlog drain: autocannon/.test(line))?.split('|') ?? [];
      expect(cannon[column]?.trim()).toMatch(/^\d+\.\d+$/);
      // Its own CPU per request, and the ceiling both give on the machine's cores.
      const generator = header.findIndex((cell) => cell.trim() === 'generator CPU / request (ms)');
      expect(generator).toBeGreaterThan(column);
      expect(cannon[generator]?.trim()).toMatch(/^\d+\.\d+$/);
      const ceiling = header.findIndex(
        (cell) => cell.trim() === `${availableParallelism()}-core ceiling (requests/s)`,
      );
      expect(ceiling).toBeGreaterThan(generator);
      expect(cannon[ceiling]?.trim()).toMatch(/^[1-9][\d,]*$/);
      // How busy syncsim's own thread was, from its summary: syncsim's rows only.
      const busy = header.findIndex((cell) => cell.trim() === "syncsim's thread busy, p99 (%)");
      const syncsim = http.find((line) => /^\| backlog drain: syncsim/.test(line))?.split('|') ?? [];
      expect(syncsim[busy]?.trim()).toMatch(/^\d+$/);
      expect(Number(syncsim[busy])).toBeLessThanOrEqual(100);
      expect(cannon[busy]?.trim()).toBe('-');
      // The judged drain's floor, the core and the HTTP transport without the simulator, has its own row.
      const floor = http.find((line) =>
        /^\| backlog drain: the core and the HTTP transport alone/.test(line),
      );
      expect(floor?.split('|')[generator]?.trim()).toMatch(/^\d+\.\d+$/);
      expect(http.filter((line) => line.includes('HTTP transport alone (no simulator)'))).toHaveLength(1);
    }
    // Quick sizes are too small to judge a target, and one run gives no interval for its median.
    expect(section(report, 'Targets')).toContain('not judged');
    expect(section(report, 'Targets')).toMatch(/^\| benchmark .*\| interval of the median \|$/m);
    expect(section(report, 'Targets')).not.toMatch(/holds the line|clear of the line/);
    expect(section(report, 'Targets')).not.toMatch(/\| (met|missed) \|/);
  });

  it('never writes bench/RESULTS.md in quick mode unless told to', () => {
    const options = parseBenchOptions(['--quick'], ROOT);
    expect(options.out).not.toBe(join(ROOT, 'bench', 'RESULTS.md'));
    expect(options.runs).toBe(1);
    expect(parseBenchOptions([], ROOT)).toMatchObject({ out: join(ROOT, 'bench', 'RESULTS.md'), runs: 5 });
    expect(parseBenchOptions(['--only', '1,core', '--runs', '5'], ROOT)).toMatchObject({
      only: ['virtual-time', 'core'],
      runs: 5,
    });
  });
});

describe('the node flags of the syncsim command, which the benchmark children share', () => {
  it('keep V8 under its 2 GB heap, where it grows the heap to at most ~2x the live data', () => {
    const flags = syncsimNodeFlags();
    const limit = execFileSync(process.execPath, [
      ...flags,
      '-e',
      "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit))",
    ]);
    expect(Number(limit)).toBeLessThanOrEqual(2048 * 1024 * 1024);
    // The shebang itself works: the bin runs as a program, the way npx starts it.
    expect(execFileSync(join(REPO_ROOT, 'bin', 'syncsim.js'), ['--version'], { encoding: 'utf8' })).toMatch(
      /^\d+\.\d+\.\d+/,
    );
  });

  it('a bin without the `env -S node` shebang is an error, not silently no flags', () => {
    expect(() => syncsimNodeFlags('#!/usr/bin/env node\n')).toThrow(/does not start with/);
    expect(syncsimNodeFlags('#!/usr/bin/env -S node --a=1  --b\n// x')).toEqual(['--a=1', '--b']);
  });
});

describe('renderTable', () => {
  it('pads every column to one width: text left, figures right, pipes in cells escaped', () => {
    const text = renderTable({
      headers: ['name', 'rows/s'],
      rows: [
        ['a|b', '7'],
        ['longer name', '1,234'],
      ],
    });
    expect(text.split('\n')).toEqual([
      '| name        | rows/s |',
      '| ----------- | -----: |',
      '| a\\|b        |      7 |',
      '| longer name |  1,234 |',
    ]);
  });
});
