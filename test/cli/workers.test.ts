/**
 * `run --workers N`: the run's N shards in N threads at once, merged. Proven against the same run in one
 * process (the summaries are equal but for the wall clock and the replay record), by `replay`, by Ctrl-C in
 * the middle, and by the flags it cannot go with. `sweep --workers` runs each size that way.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepRow } from '../../src/report/sweep.ts';
import type { Summary } from '../../src/sim/summary.ts';
import {
  type Finished,
  readJson,
  removeDir,
  SMALL_RUN,
  STACK_TRACE,
  startSyncsim,
  syncsim,
  tempDir,
  transcript,
} from './helpers.ts';

let cwd: string;
let one: Finished;
let two: Finished;

beforeAll(async () => {
  cwd = tempDir();
  [one, two] = await Promise.all([
    syncsim([...SMALL_RUN, '--out', 'one'], { cwd }),
    syncsim([...SMALL_RUN, '--workers', '2', '--out', 'two', '--json'], { cwd }),
  ]);
});
afterAll(() => removeDir(cwd));

describe('syncsim run --workers', () => {
  it('merges shards 0/2 and 1/2 into the summary the run gives in one process', () => {
    expect(one.code, transcript(one)).toBe(0);
    expect(two.code, transcript(two)).toBe(0);
    const single = readJson<Summary>(join(cwd, 'one', 'summary.json'));
    const merged = JSON.parse(two.stdout) as Summary;
    expect(merged).toEqual(readJson<Summary>(join(cwd, 'two', 'summary.json')));
    expect(merged.sales.created).toBeGreaterThan(10);
    expect(merged.replay?.workers).toBe(2);
    expect({ ...merged, wallSeconds: 0 }).toEqual({
      ...single,
      wallSeconds: 0,
      replay: { ...single.replay, workers: 2 },
    });
    expect(two.stderr).toContain('2 workers: shards 0/2 to 1/2 at once, merged');
    // steady-day's backend has 16 workers: the one thing shards model per shard, said before the run.
    expect(two.stderr).toContain(
      "note: each shard has its own backend with the scenario's capacity (16 workers)",
    );
  });

  it('gives the same summary as one process for a bug scenario too: crashes, faults, a failed verdict', async () => {
    const crash = ['run', 'crash-mid-sync', '--seed', '4', '--no-progress'];
    const [alone, sharded] = await Promise.all([
      syncsim([...crash, '--out', 'crash-one'], { cwd }),
      syncsim([...crash, '--workers', '2', '--out', 'crash-two'], { cwd }),
    ]);
    expect(alone.code, transcript(alone)).toBe(1);
    expect(sharded.code, transcript(sharded)).toBe(1);
    const single = readJson<Summary>(join(cwd, 'crash-one', 'summary.json'));
    const merged = readJson<Summary>(join(cwd, 'crash-two', 'summary.json'));
    expect(single.crashes).toBeGreaterThan(0);
    expect(single.invariants.stuck).toBeGreaterThan(0);
    expect({ ...merged, wallSeconds: 0 }).toEqual({
      ...single,
      wallSeconds: 0,
      replay: { ...single.replay, workers: 2 },
    });
  });

  it('the shards share the open-files limit: each holds open its part of the device files, no more', async () => {
    // 300 devices a shard; with 400 descriptors in all, two shards each sizing its pool to the whole limit
    // (200 open files each, on top of the rest of the process) ran out of descriptors.
    const run = await syncsim(
      [
        'run',
        '--devices',
        '600',
        '--duration',
        '1h',
        '--workers',
        '2',
        '--seed',
        '1',
        '--no-progress',
        '--out',
        'ulimit',
      ],
      { cwd, fileLimit: 400 },
    );
    expect(run.code, transcript(run)).toBe(0);
    const summary = readJson<Summary>(join(cwd, 'ulimit', 'summary.json'));
    expect(summary.harnessErrors).toBe(0);
    expect(summary.sales.synced).toBe(summary.sales.created);
  });

  it('keeps each shard as a run folder of its own, with its half of the device files', () => {
    for (const index of [0, 1]) {
      const folder = join(cwd, 'two', 'shards', `shard-${index}`);
      const summary = readJson<Summary>(join(folder, 'summary.json'));
      expect(summary.shard).toEqual({ index, count: 2 });
      expect(summary.devices).toBe(4);
      expect(readdirSync(join(folder, 'devices')).filter((name) => name.endsWith('.sqlite'))).toHaveLength(4);
    }
    expect(existsSync(join(cwd, 'two', 'report.html'))).toBe(true);
  });

  it('inspect reads the whole fleet of the run folder from its shards, in device order', async () => {
    const inspected = await syncsim(['inspect', 'two', '--limit', '0', '--json'], { cwd });
    expect(inspected.code, transcript(inspected)).toBe(0);
    const devices = JSON.parse(inspected.stdout) as { file: string; statistics: { total: number } }[];
    const names = devices.map((device) => device.file.split(/[\\/]/).at(-1));
    expect(names).toEqual(Array.from({ length: 8 }, (_, i) => `POS-${String(i).padStart(4, '0')}.sqlite`));
    const merged = readJson<Summary>(join(cwd, 'two', 'summary.json'));
    expect(devices.reduce((sum, device) => sum + device.statistics.total, 0)).toBe(merged.sales.created);
  });

  it('replay runs it again with as many workers and finds it identical', async () => {
    const replayed = await syncsim(['replay', 'two', '--out', 'two-replay', '--no-progress'], { cwd });
    expect(replayed.code, transcript(replayed)).toBe(0);
    expect(replayed.stdout).toContain('2 workers, as the original ran');
    expect(replayed.stdout).toContain('replay: identical to the original');
    expect(existsSync(join(cwd, 'two-replay', 'shards', 'shard-1', 'summary.json'))).toBe(true);
  });

  it('says nothing of capacity when the backend has no bound on its workers', async () => {
    const unbounded = await syncsim(
      [...SMALL_RUN, '--workers', '2', '--set', 'backend.capacity.workers=null', '--out', 'unbounded'],
      { cwd },
    );
    expect(unbounded.code, transcript(unbounded)).toBe(0);
    expect(unbounded.stdout + unbounded.stderr).not.toContain('capacity');
  });

  it.each([
    [['--workers', '0'], /--workers: expected a whole number from 1 to 256, got "0"/],
    [['--workers', 'two'], /--workers: expected a whole number/],
    [['--workers', '9'], /--workers: 9 workers for 8 device\(s\): at most one worker per device/],
    [['--workers', '2', '--shard', '0/2'], /--workers: runs every shard itself/],
    [['--workers', '2', '--log', 'app.ndjson'], /--workers: cannot share one --log file/],
  ])('refuses %j with exit 2 and a message naming --workers', async (args, message) => {
    const result = await syncsim([...SMALL_RUN, ...args, '--out', 'refused'], { cwd });
    expect(result.code, transcript(result)).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(join(cwd, 'refused', 'shards'))).toBe(false);
  });
});

describe('syncsim run --workers --target', () => {
  it('an unreachable target ends the run with exit 3, relaying what the shard said', async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    const result = await syncsim(
      [...SMALL_RUN, '--target', 'http://127.0.0.1:9', '--workers', '2', '--out', 'unreachable'],
      { cwd },
    );
    expect(result.code, transcript(result)).toBe(3);
    expect(result.stderr).toMatch(/--workers: shard \d\/2 ended with exit 3 and no result/);
    expect(result.stderr).toMatch(/target http:\/\/127\.0\.0\.1:9 is unreachable/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe('syncsim sweep --workers', () => {
  const SWEEP = [
    'sweep',
    'steady-day',
    '--devices',
    '6,4',
    '--duration',
    '2h',
    '--seed',
    '3',
    '--no-progress',
  ];

  it('runs every size as merged shards and draws the curve one process draws', async () => {
    const [alone, sharded] = await Promise.all([
      syncsim([...SWEEP, '--out', 'sweep-one'], { cwd }),
      syncsim([...SWEEP, '--workers', '2', '--out', 'sweep-two'], { cwd }),
    ]);
    expect(alone.code, transcript(alone)).toBe(sharded.code);
    expect(sharded.stdout).toContain('sweep: 4 devices, 2 workers');
    const rows = readJson<SweepRow[]>(join(cwd, 'sweep-two', 'sweep.json'));
    expect(rows.map((row) => row.devices)).toEqual([4, 6]);
    expect(rows.every((row) => row.salesCreated > 0)).toBe(true);
    expect(rows).toEqual(readJson<SweepRow[]>(join(cwd, 'sweep-one', 'sweep.json')));
    for (const size of [4, 6]) {
      const folder = join(cwd, 'sweep-two', `devices-${size}`);
      expect(readJson<Summary>(join(folder, 'summary.json')).replay?.workers).toBe(2);
      expect(existsSync(join(folder, 'shards', 'shard-1', 'summary.json'))).toBe(true);
    }
  });

  it.each([
    [['--workers', '5'], /--workers: 5 workers for 4 device\(s\): at most one worker per device/],
    [['--log', 'app.ndjson'], /unknown option '--log'/],
    [['--shard', '0/2'], /unknown option '--shard'/],
    [['--devices', '4,4'], /--devices: a sweep needs at least two different sizes/],
  ])('refuses %j with exit 2 and a message naming the flag', async (args, message) => {
    const result = await syncsim([...SWEEP, ...args, '--out', 'sweep-refused'], { cwd });
    expect(result.code, transcript(result)).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(join(cwd, 'sweep-refused'))).toBe(false);
  });
});

describe('Ctrl-C during a run with --workers', () => {
  let interrupted: Finished;
  const folder = (): string => join(cwd, 'stopped');

  beforeAll(async () => {
    // 500 simulated hours: minutes of wall time, so both shards are surely trading when the signal comes.
    const running = startSyncsim(
      ['run', '--devices', '20', '--duration', '500h', '--seed', '9', '--workers', '2', '--out', 'stopped'],
      { cwd },
    );
    const trading = (index: number): boolean => {
      const devices = join(folder(), 'shards', `shard-${index}`, 'devices');
      return existsSync(devices) && readdirSync(devices).some((name) => name.endsWith('.sqlite'));
    };
    const deadline = Date.now() + 60_000;
    while (!(trading(0) && trading(1)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    running.child.kill('SIGINT');
    interrupted = await running.finished;
  });

  it('stops every shard and merges their partial reports: exit 130, marked interrupted', () => {
    expect(interrupted.code, transcript(interrupted)).toBe(130);
    expect(interrupted.stderr).not.toMatch(STACK_TRACE);
    // With progress on, what each shard says on stderr comes through, named.
    expect(interrupted.stderr).toMatch(/^shard 0\/2: /m);
    expect(interrupted.stderr).toMatch(/^shard 1\/2: /m);
    const summary = readJson<Summary>(join(folder(), 'summary.json'));
    expect(summary.interrupted).toBe(true);
    expect(summary.passed).toBe(false);
    expect(summary.devices).toBe(20);
    expect(summary.simulatedSeconds).toBeLessThan(500 * 3600);
    for (const index of [0, 1]) {
      const shard = readJson<Summary>(join(folder(), 'shards', `shard-${index}`, 'summary.json'));
      expect(shard.interrupted).toBe(true);
    }
  });
});
