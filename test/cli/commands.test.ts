/**
 * The other commands end to end, around one shared bug run: lost-ack, small, under seed (a threshold fails:
 * exit 1) and under hardened (exit 0); `inspect` of its folder and of one device file; `replay` of its
 * summary.json (identical summary, same exit code) and of a tampered one (exit 1, the difference named);
 * `list`, `schema` and a small `sweep`.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatistics } from '../../src/core/transaction-local-service.ts';
import type { SweepRow } from '../../src/report/sweep.ts';
import { BUG_SCENARIOS, BUILTIN_SCENARIOS } from '../../src/scenarios/builtin/index.ts';
import { scenarioJsonSchema } from '../../src/scenarios/scenario.ts';
import { deterministicPart, type Summary } from '../../src/sim/summary.ts';
import { type Finished, readJson, removeDir, STACK_TRACE, syncsim, tempDir, transcript } from './helpers.ts';

/** lost-ack at 8 devices for an hour: under seed 11, five sales are stranded in `syncing`. */
const LOST_ACK = ['run', 'lost-ack', '--devices', '8', '--duration', '1h', '--seed', '11', '--no-progress'];

interface InspectedDevice {
  readonly file: string;
  readonly statistics: SyncStatistics;
  readonly rows: readonly { readonly syncStatus: string; readonly offlineReference: string }[];
}

let cwd: string;
let seedRun: Finished;
let hardenedRun: Finished;

beforeAll(async () => {
  cwd = tempDir();
  [seedRun, hardenedRun] = await Promise.all([
    syncsim([...LOST_ACK, '--out', 'seed'], { cwd }),
    syncsim([...LOST_ACK, '--policy', 'hardened', '--out', 'hardened'], { cwd }),
  ]);
});
afterAll(() => removeDir(cwd));

describe('thresholds and exit codes', () => {
  it('a bug scenario under seed fails a threshold: exit 1, the failing threshold printed with its value', () => {
    expect(seedRun.code, transcript(seedRun)).toBe(1);
    expect(seedRun.stdout).toMatch(/^FAIL {2}lost-ack {2}seed 11$/m);
    const summary = readJson<Summary>(join(cwd, 'seed', 'summary.json'));
    expect(summary.passed).toBe(false);
    const stuck = summary.thresholds.find((t) => t.expression === 'invariants.stuck == 0');
    expect(stuck?.ok).toBe(false);
    expect(stuck?.actual).toBe(summary.invariants.stuck);
    expect(summary.invariants.stuck).toBeGreaterThan(0);
    expect(seedRun.stdout).toContain(`FAIL invariants.stuck == 0  (actual ${summary.invariants.stuck})`);
    expect(seedRun.stderr).not.toMatch(STACK_TRACE);
  });

  it('the same run under --policy hardened holds: exit 0', () => {
    expect(hardenedRun.code, transcript(hardenedRun)).toBe(0);
    expect(hardenedRun.stdout).toContain('running built-in scenario lost-ack: 8 devices, policy hardened');
    const summary = readJson<Summary>(join(cwd, 'hardened', 'summary.json'));
    expect(summary).toMatchObject({ policy: 'hardened', passed: true });
    expect(summary.invariants.stuck).toBe(0);
  });
});

describe('syncsim inspect', () => {
  it('a run folder: every device, and statistics that add up to the summary', async () => {
    const result = await syncsim(['inspect', 'seed', '--limit', '0', '--json'], { cwd });
    expect(result.code, transcript(result)).toBe(0);
    const devices = JSON.parse(result.stdout) as InspectedDevice[];
    expect(devices).toHaveLength(8);
    const summary = readJson<Summary>(join(cwd, 'seed', 'summary.json'));
    const sum = (key: keyof SyncStatistics) => devices.reduce((n, d) => n + d.statistics[key], 0);
    expect(sum('total')).toBe(summary.sales.created);
    expect(sum('synced')).toBe(summary.sales.synced);
    expect(sum('syncing')).toBe(summary.sales.syncing);
    expect(sum('syncing')).toBe(summary.invariants.stuck);
    expect(devices.every((d) => d.rows.length === 0)).toBe(true);
  });

  it('one device file, filtered by status: a table, then only rows of that status', async () => {
    const files = readdirSync(join(cwd, 'seed', 'devices')).filter((f) => f.endsWith('.sqlite'));
    const summary = readJson<Summary>(join(cwd, 'seed', 'summary.json'));
    // The device the first stuck sale is on (violations.json names it).
    const violations = readJson<{ examples: { kind: string; deviceId: string }[] }>(
      join(cwd, 'seed', 'violations.json'),
    );
    const stuckDevice = violations.examples.find((v) => v.kind === 'stuck')?.deviceId;
    expect(stuckDevice).toBeDefined();
    const file = join('seed', 'devices', `${stuckDevice}.sqlite`);
    expect(files).toContain(`${stuckDevice}.sqlite`);

    const [json, text] = await Promise.all([
      syncsim(['inspect', file, '--status', 'syncing', '--json'], { cwd }),
      syncsim(['inspect', file], { cwd }),
    ]);
    expect(json.code, transcript(json)).toBe(0);
    const [device] = JSON.parse(json.stdout) as InspectedDevice[];
    expect(device?.statistics.syncing).toBeGreaterThan(0);
    expect(device?.rows.length).toBe(Math.min(20, device?.statistics.syncing ?? 0));
    expect(device?.rows.every((row) => row.syncStatus === 'syncing')).toBe(true);
    expect(summary.invariants.stuck).toBeGreaterThanOrEqual(device?.statistics.syncing ?? 0);

    expect(text.code, transcript(text)).toBe(0);
    expect(text.stdout).toMatch(/^device\s+pending\s+syncing\s+synced\s+failed\s+total$/m);
    expect(text.stdout).toMatch(
      new RegExp(`^${stuckDevice}\\.sqlite\\s+\\d+\\s+[1-9]\\d*\\s+\\d+\\s+\\d+\\s+\\d+$`, 'm'),
    );
    expect(text.stdout).toMatch(new RegExp(`^ {2}syncing +${stuckDevice}-\\d+ `, 'm'));
  });

  it('a file another process holds (a run still going): exit 3 at once, saying so', async () => {
    const file = join(cwd, 'held.sqlite');
    copyFileSync(join(cwd, 'seed', 'devices', 'POS-0000.sqlite'), file);
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const result = await syncsim(['inspect', 'held.sqlite'], { cwd });
      expect(result.code, transcript(result)).toBe(3);
      expect(result.stderr).toContain('held.sqlite: is locked by another process (a run still going?)');
      expect(result.stderr).not.toMatch(STACK_TRACE);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('a SQLite file that is not a device file: exit 3, saying what it holds', async () => {
    const result = await syncsim(['inspect', join('seed', 'server.sqlite')], { cwd });
    expect(result.code, transcript(result)).toBe(3);
    expect(result.stderr).toContain('not a syncsim device file: it holds other tables (pos_transactions');
  });

  it('a folder with a corrupt device file (a kill -9 can leave one): every other device shown, the bad one named, exit 3', async () => {
    const folder = join(cwd, 'corrupt');
    mkdirSync(folder);
    for (const name of ['POS-0000.sqlite', 'POS-0001.sqlite', 'POS-0002.sqlite'])
      copyFileSync(join(cwd, 'seed', 'devices', name), join(folder, name));
    writeFileSync(join(folder, 'POS-0001.sqlite'), 'SQLite format 3\u0000 and then nothing');
    const [text, json] = await Promise.all([
      syncsim(['inspect', 'corrupt', '--limit', '0'], { cwd }),
      syncsim(['inspect', 'corrupt', '--limit', '0', '--json'], { cwd }),
    ]);
    expect(text.code, transcript(text)).toBe(3);
    expect(text.stdout).toMatch(/^POS-0000\.sqlite /m);
    expect(text.stdout).toMatch(/^POS-0002\.sqlite /m);
    expect(text.stderr).toMatch(/error: .*POS-0001\.sqlite/);
    expect(text.stderr).not.toMatch(STACK_TRACE);
    expect(json.code, transcript(json)).toBe(3);
    const entries = JSON.parse(json.stdout) as ({
      file: string;
      error?: string;
    } & Partial<InspectedDevice>)[];
    expect(entries.filter((e) => e.statistics !== undefined)).toHaveLength(2);
    expect(entries.find((e) => e.error !== undefined)?.file).toMatch(/POS-0001\.sqlite$/);
  });

  it('a path that is neither: exit 3 with the path named', async () => {
    const result = await syncsim(['inspect', 'no-such-run'], { cwd });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no-such-run: no such file or folder');
  });
});

describe('syncsim replay', () => {
  it('runs the recorded run again: the same summary (wall clock aside) and the same exit code', async () => {
    const result = await syncsim(
      ['replay', join('seed', 'summary.json'), '--out', 'replayed', '--no-progress'],
      {
        cwd,
      },
    );
    expect(result.code, transcript(result)).toBe(seedRun.code);
    expect(result.stdout.split('\n')[0]).toBe('seed 11');
    expect(result.stdout).toContain('replay: identical to the original');
    const original = readJson<Summary>(join(cwd, 'seed', 'summary.json'));
    const replayed = readJson<Summary>(join(cwd, 'replayed', 'summary.json'));
    expect(deterministicPart(replayed)).toEqual(deterministicPart(original));
    expect(replayed.sales.created).toBeGreaterThan(0);
  });

  it('a replay that comes out different exits 4 (not 1, a failed threshold) and names the fields that differ', async () => {
    // A passing run whose recorded result was altered: the replay must notice, not rubber-stamp it.
    const folder = join(cwd, 'tampered');
    mkdirSync(folder);
    const original = readJson<Summary>(join(cwd, 'hardened', 'summary.json'));
    const tampered = { ...original, sales: { ...original.sales, created: original.sales.created + 1 } };
    writeFileSync(join(folder, 'summary.json'), JSON.stringify(tampered));
    copyFileSync(join(cwd, 'hardened', 'histograms.json'), join(folder, 'histograms.json'));
    const result = await syncsim(['replay', 'tampered', '--out', 'tampered-replay', '--no-progress'], {
      cwd,
    });
    expect(result.code, transcript(result)).toBe(4);
    expect(result.stderr).toContain('replay: DIFFERS from the original');
    expect(result.stderr).toContain(`sales.created: ${tampered.sales.created} -> ${original.sales.created}`);
  });
});

describe('syncsim list', () => {
  it('shows every built-in scenario, marks the default and the bug scenarios', async () => {
    const [text, json] = await Promise.all([
      syncsim(['list'], { cwd }),
      syncsim(['list', '--json'], { cwd }),
    ]);
    expect(text.code, transcript(text)).toBe(0);
    for (const scenario of BUILTIN_SCENARIOS) {
      const tag = BUG_SCENARIOS.includes(scenario.name) ? ' \\(bug: fails under seed' : '';
      expect(text.stdout).toMatch(new RegExp(`^${scenario.name} +\\d+ devices, \\S+${tag}`, 'm'));
    }
    expect(text.stdout).toMatch(/^steady-day +50 devices, 8h \(default\)$/m);

    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as { name: string; bug: boolean; description: string }[];
    expect(entries.map((e) => e.name)).toEqual(BUILTIN_SCENARIOS.map((s) => s.name));
    expect(entries.filter((e) => e.bug).map((e) => e.name)).toEqual([...BUG_SCENARIOS]);
  });
});

describe('syncsim schema', () => {
  it('prints the JSON Schema: valid JSON that accepts every built-in scenario and refuses an unknown field', async () => {
    const result = await syncsim(['schema'], { cwd });
    expect(result.code, transcript(result)).toBe(0);
    const schema = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(schema).toEqual(scenarioJsonSchema());
    const validator = Compile(schema);
    for (const scenario of BUILTIN_SCENARIOS) {
      expect(validator.Check(JSON.parse(JSON.stringify(scenario))), scenario.name).toBe(true);
    }
    expect(validator.Check({ name: 'x', devices: { count: 1 }, duration: '1h', colour: 'red' })).toBe(false);
  });
});

describe('syncsim sweep', () => {
  it('runs each size, writes the curve and one run folder per size, and exits by the verdicts', async () => {
    const result = await syncsim(
      [
        'sweep',
        'capacity-ramp',
        '--devices',
        '8,4',
        '--duration',
        '20m',
        '--seed',
        '2',
        '--no-progress',
        '--out',
        'sweep',
      ],
      { cwd },
    );
    const rows = readJson<SweepRow[]>(join(cwd, 'sweep', 'sweep.json'));
    expect(rows.map((row) => row.devices)).toEqual([4, 8]);
    expect(result.code, transcript(result)).toBe(rows.every((row) => row.passed) ? 0 : 1);
    expect(result.stdout).toMatch(/^devices\s+sales/m);
    for (const row of rows) {
      const summary = readJson<Summary>(join(cwd, 'sweep', `devices-${row.devices}`, 'summary.json'));
      expect(summary).toMatchObject({ devices: row.devices, seed: '2', passed: row.passed });
      expect(row.salesCreated).toBe(summary.sales.created);
      expect(row.requestP99Ms).toBe(summary.latency.requestMs.p99);
    }
    expect(existsSync(join(cwd, 'sweep', 'sweep.html'))).toBe(true);
  });
});
