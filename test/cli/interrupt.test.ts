/**
 * Ctrl-C in the middle of a run: exit 130, no heal phase, a partial report marked interrupted, and device
 * files that are intact (SQLite's own integrity check) and hold exactly the sales the report counts.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/sim/summary.ts';
import {
  type Finished,
  readJson,
  removeDir,
  STACK_TRACE,
  startSyncsim,
  syncsim,
  tempDir,
  transcript,
} from './helpers.ts';

let cwd: string;
let result: Finished;
let signalledAfterMs = 0;
let shards: Finished[];

/** Starts a run of 500 simulated hours (minutes of wall time) and sends it SIGINT once it is trading. */
async function interruptedRun(args: readonly string[]): Promise<Finished> {
  const running = startSyncsim(
    [
      'run',
      '--devices',
      '20',
      '--duration',
      '500h',
      '--seed',
      '9',
      '--set',
      'startAt=2026-03-02T11:00:00+07:00',
      ...args,
    ],
    { cwd },
  );
  // Two progress lines (one every 5 s when not on a terminal): the fleet is trading and writing its files.
  await running.waitFor(/\[syncsim\] fault[^\n]*\n(?:[^\n]*\n)*?\[syncsim\] fault/, 'stderr');
  const sent = Date.now();
  running.child.kill('SIGINT');
  const finished = await running.finished;
  signalledAfterMs = Math.max(signalledAfterMs, Date.now() - sent);
  return finished;
}

beforeAll(async () => {
  cwd = tempDir();
  [result, ...shards] = await Promise.all([
    interruptedRun(['--out', 'interrupted']),
    interruptedRun(['--shard', '0/2', '--out', 'shard-0']),
    interruptedRun(['--shard', '1/2', '--out', 'shard-1']),
  ]);
});
afterAll(() => removeDir(cwd));

describe('Ctrl-C during a run', () => {
  it('stops promptly with exit code 130, saying what it does', () => {
    expect(result.code, transcript(result)).toBe(130);
    expect(signalledAfterMs).toBeLessThan(30_000);
    expect(result.stderr).toContain(
      'SIGINT: stopping the run (the heal phase skipped, or cut short); writing a partial report',
    );
    expect(result.stdout).toMatch(/^INTERRUPTED {2}steady-day {2}seed 9$/m);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('writes a partial summary marked interrupted: no heal phase, not passed', () => {
    const summary = readJson<Summary>(join(cwd, 'interrupted', 'summary.json'));
    expect(summary.interrupted).toBe(true);
    expect(summary.passed).toBe(false);
    expect(summary.heal.ran).toBe(false);
    expect(summary.simulatedSeconds).toBeGreaterThan(0);
    expect(summary.simulatedSeconds).toBeLessThan(500 * 3600);
    expect(summary.sales.created).toBeGreaterThan(0);
  });

  it('leaves every device file intact, holding exactly the sales the summary counts', () => {
    const folder = join(cwd, 'interrupted', 'devices');
    const files = readdirSync(folder).filter((name) => name.endsWith('.sqlite'));
    expect(files).toHaveLength(20);
    let rows = 0;
    for (const file of files) {
      const db = new Database(join(folder, file), { readonly: true, fileMustExist: true });
      try {
        expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok');
        const { count } = db.prepare('SELECT count(*) AS count FROM transaction_local').get() as {
          count: number;
        };
        rows += count;
      } finally {
        db.close();
      }
    }
    const summary = readJson<Summary>(join(cwd, 'interrupted', 'summary.json'));
    expect(rows).toBe(summary.sales.created);
  });
});

describe('merging the shards of a run stopped with Ctrl-C', () => {
  it('exits 130 as the interrupted run did, not 1, and gives the whole no heal verdict', async () => {
    for (const shard of shards) expect(shard.code, transcript(shard)).toBe(130);
    const merged = await syncsim(['merge', 'shard-0', 'shard-1', '--out', 'merged'], { cwd });
    expect(merged.code, transcript(merged)).toBe(130);
    expect(merged.stdout).toMatch(/^INTERRUPTED {2}steady-day {2}seed 9$/m);
    expect(merged.stderr).not.toMatch(STACK_TRACE);
    const summary = readJson<Summary>(join(cwd, 'merged', 'summary.json'));
    expect(summary).toMatchObject({ interrupted: true, passed: false, devices: 20 });
    expect(summary.heal).toMatchObject({ ran: false, converged: null });
  });
});
