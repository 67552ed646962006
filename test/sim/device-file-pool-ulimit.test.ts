/**
 * The requirement: "1,000 devices under `ulimit -n 1024` complete a short run". A child process
 * runs fixtures/thousand-devices.ts under that limit, once per journal. A thousand WAL files open at once
 * would need ~3,000 descriptors, a thousand files with the in-memory journal ~1,000 plus the rest of the
 * process, so the run can only finish if the pool closed files and reopened them; the test then checks on
 * disk that more devices hold synced sales than could ever be open together.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/sim/summary.ts';
import { CLEAN_INVARIANTS, deviceFiles, readDeviceFile, type TempDir, tempDir } from './helpers.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/thousand-devices.ts', import.meta.url));
/** Generous: about 15 s on a loaded 2-core machine, most of it creating a thousand SQLite files. */
const CHILD_TIMEOUT_MS = 100_000;

interface ChildOutput {
  readonly fileLimit: number;
  readonly maxOpenDevices: number;
  readonly summary: Summary;
  readonly harnessErrors: readonly unknown[];
}

type Journal = 'memory' | 'wal';
const DESCRIPTORS_PER_FILE: Readonly<Record<Journal, number>> = { memory: 1, wal: 3 };

function runUnderUlimit(
  outDir: string,
  journal: Journal,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', 'ulimit -n 1024 && exec node --import tsx "$0" "$1" "$2"', FIXTURE, outDir, journal],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: CHILD_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(['memory', 'wal'] as const)('1,000 devices under ulimit -n 1024 (%s journal)', (journal) => {
  let dir: TempDir;
  let output: ChildOutput;

  beforeAll(async () => {
    dir = tempDir('syncsim-ulimit-');
    const { code, stdout, stderr } = await runUnderUlimit(dir.path, journal);
    expect(code, `child failed:\n${stderr.slice(-4000)}`).toBe(0);
    output = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildOutput;
  }, CHILD_TIMEOUT_MS + 20_000);

  afterAll(() => {
    dir?.remove();
  });

  it('ran under the limit, with a pool far smaller than the fleet', () => {
    expect(output.fileLimit).toBe(1024);
    expect(output.maxOpenDevices).toBeLessThan(1000);
    expect(output.maxOpenDevices * DESCRIPTORS_PER_FILE[journal]).toBeLessThan(1024);
  });

  it('completed: every device ran, sales were made and synced, and the check is clean', () => {
    const { summary } = output;
    expect(summary.devices).toBe(1000);
    expect(summary.interrupted).toBe(false);
    expect(summary.sales.created).toBeGreaterThan(0);
    expect(summary.sales.synced).toBe(summary.sales.created);
    expect(summary.heal.converged).toBe(true);
    expect(summary.invariants).toMatchObject(CLEAN_INVARIANTS);
    expect(summary.harnessErrors).toBe(0);
    expect(output.harnessErrors).toEqual([]);
  });

  it('the files the pool closed hold their synced sales: more devices sold than could be open at once', () => {
    const files = deviceFiles(dir.path);
    expect(files.size).toBe(1000);
    let synced = 0;
    let devicesWithSales = 0;
    for (const path of files.values()) {
      const rows = readDeviceFile(path);
      if (rows.length > 0) devicesWithSales++;
      for (const row of rows) {
        expect(row.sync_status).toBe('synced');
        expect(row.server_id).not.toBeNull();
        synced++;
      }
    }
    expect(synced).toBe(output.summary.sales.created);
    expect(devicesWithSales).toBeGreaterThan(output.maxOpenDevices);
  });
});
