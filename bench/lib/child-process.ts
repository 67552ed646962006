/**
 * Runs one measurement in a child process of its own (`node bin/run-typescript.js bench/child/<name>.ts ...`:
 * compiled as the syncsim command is, so it pays what a syncsim run pays), so that no measurement inherits
 * another's heap, JIT state, open files or peak RSS, and returns the result line it printed. A child that fails, prints no result or runs past its time limit fails the benchmark.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildResult, parseChildResult } from './child-result.ts';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

/** The node flags of the syncsim command: its shebang (`#!/usr/bin/env -S node <flags>`), so both run alike. */
export function syncsimNodeFlags(
  binText = readFileSync(join(REPO_ROOT, 'bin', 'syncsim.js'), 'utf8'),
): string[] {
  const shebang = /^#!\/usr\/bin\/env -S node(.*)$/m.exec(binText.split('\n', 1)[0] ?? '');
  if (shebang === null) throw new Error('bin/syncsim.js does not start with `#!/usr/bin/env -S node`');
  return (shebang[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((flag) => flag !== '');
}

export interface ChildRun {
  /** The file under bench/child/, without the extension. */
  readonly child: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** Gives the child a fresh scratch folder as `--out DIR`, removed afterwards. */
  readonly scratch?: boolean;
}

/** The command line, as a user would type it from the repository root. */
export function commandLine(run: ChildRun): string {
  const args = run.scratch ? [...run.args, '--out', '<tmp dir>'] : run.args;
  return [
    'node',
    ...syncsimNodeFlags(),
    'bin/run-typescript.js',
    `bench/child/${run.child}.ts`,
    ...args,
  ].join(' ');
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines[lines.length - 1] ?? '';
}

export async function runChild(run: ChildRun): Promise<ChildResult> {
  const scratch = run.scratch ? mkdtempSync(join(tmpdir(), `syncsim-bench-${run.child}-`)) : null;
  const args = [
    // The same V8 settings as the syncsim command.
    ...syncsimNodeFlags(),
    join(REPO_ROOT, 'bin', 'run-typescript.js'),
    join(REPO_ROOT, 'bench', 'child', `${run.child}.ts`),
    ...run.args,
    ...(scratch === null ? [] : ['--out', scratch]),
  ];
  try {
    const { code, signal, stdout, stderr, timedOut } = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      stdout: string;
      stderr: string;
      timedOut: boolean;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        // Only the tail matters for a failure message; a chatty child must not grow the parent's heap.
        stderr = (stderr + chunk).slice(-20_000);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, run.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, timedOut });
      });
    });
    if (timedOut) throw new Error(`${commandLine(run)} ran past ${run.timeoutMs / 1000} s and was killed`);
    if (code !== 0) {
      throw new Error(
        `${commandLine(run)} failed (${signal ?? `exit ${code}`}):\n${stderr.trim().split('\n').slice(-30).join('\n')}`,
      );
    }
    return parseChildResult(lastLine(stdout));
  } finally {
    if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  }
}
