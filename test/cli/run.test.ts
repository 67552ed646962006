/**
 * `syncsim run` end to end, as a user runs it: the default scenario shrunk to stay fast, the seed printed
 * first, a complete run folder, the summary.json contract of the issue, exit 0; `--json` puts only the
 * summary on stdout; a run without --seed picks one, prints it and records it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/sim/summary.ts';
import {
  type Finished,
  firstLine,
  readJson,
  removeDir,
  STACK_TRACE,
  syncsim,
  tempDir,
  transcript,
} from './helpers.ts';

/** steady-day over the lunch hours, six devices: a few hundred sales in about a second of simulation. */
const SMALL = ['--devices', '6', '--duration', '2h', '--set', 'startAt=2026-03-02T11:00:00+07:00'];

let cwd: string;
let plain: Finished;
let json: Finished;

beforeAll(async () => {
  cwd = tempDir();
  // Two runs at once: one with --seed (the default scenario, no name given), one with --json and no seed.
  [plain, json] = await Promise.all([
    syncsim(['run', ...SMALL, '--seed', '7', '--out', 'run', '--log', 'run/app.log'], { cwd }),
    syncsim(['run', 'steady-day', ...SMALL, '--json', '--out', 'json-run'], { cwd }),
  ]);
});
afterAll(() => removeDir(cwd));

describe('syncsim run (default scenario, --seed)', () => {
  it('exits 0 and prints the seed first, then what it runs', () => {
    expect(plain.code, transcript(plain)).toBe(0);
    const lines = plain.stdout.split('\n');
    expect(lines[0]).toBe('seed 7');
    expect(lines[1]).toMatch(/^running built-in scenario steady-day: 6 devices, policy seed, virtual time/);
    expect(plain.stdout).toMatch(/^PASS {2}steady-day {2}seed 7$/m);
    expect(plain.stdout).toContain('reports: run/');
    expect(plain.stderr).not.toMatch(STACK_TRACE);
  });

  it('writes a complete run folder: reports, histograms, violations and one SQLite file per device', () => {
    const folder = join(cwd, 'run');
    for (const name of [
      'summary.json',
      'report.html',
      'report.md',
      'junit.xml',
      'histograms.json',
      'violations.json',
    ]) {
      expect(existsSync(join(folder, name)), name).toBe(true);
      expect(statSync(join(folder, name)).size, name).toBeGreaterThan(100);
    }
    const devices = readdirSync(join(folder, 'devices')).filter((name) => name.endsWith('.sqlite'));
    expect(devices).toHaveLength(6);
    for (const device of devices) expect(statSync(join(folder, 'devices', device)).size).toBeGreaterThan(0);
  });

  it('summary.json holds every field of the issue, with its values', () => {
    const summary = readJson<Summary>(join(cwd, 'run', 'summary.json'));
    expect(summary).toMatchObject({
      scenario: 'steady-day',
      seed: '7',
      policy: 'seed',
      mode: 'virtual',
      devices: 6,
      interrupted: false,
      passed: true,
    });
    expect(summary.wallSeconds).toBeGreaterThan(0);
    expect(summary.simulatedSeconds).toBeGreaterThanOrEqual(2 * 3600);
    for (const key of ['created', 'synced', 'pending', 'syncing', 'failed'] as const) {
      expect(typeof summary.sales[key], `sales.${key}`).toBe('number');
    }
    expect(summary.sales.created).toBeGreaterThan(50);
    expect(summary.sales.synced).toBe(summary.sales.created);
    for (const key of ['total', 'ok', 'errorRate', 'timeouts', 'resets'] as const) {
      expect(typeof summary.requests[key], `requests.${key}`).toBe('number');
    }
    expect(summary.requests.byStatus['200']).toBe(summary.requests.ok);
    for (const histogram of [summary.latency.requestMs, summary.latency.timeToSyncMs]) {
      for (const key of ['p50', 'p90', 'p99', 'max'] as const) expect(typeof histogram[key]).toBe('number');
      expect(histogram.p50 ?? 0).toBeLessThanOrEqual(histogram.p99 ?? 0);
    }
    expect(summary.invariants).toMatchObject({
      checked: true,
      lost: 0,
      duplicated: 0,
      phantom: 0,
      mismatched: 0,
      stuck: 0,
      collided: 0,
      unsound: 0,
    });
    expect(summary.thresholds.length).toBeGreaterThan(5);
    for (const threshold of summary.thresholds) {
      expect(threshold).toMatchObject({ expression: expect.any(String), ok: true });
      expect(threshold).toHaveProperty('actual');
    }
  });

  it("--log writes the devices' AppLog events as NDJSON: one line per sale created, batch sync completions", () => {
    const lines = readFileSync(join(cwd, 'run', 'app.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const summary = readJson(join(cwd, 'run', 'summary.json')) as Summary;
    const created = lines.filter((line) => line.msg === 'Transaction created offline');
    expect(created).toHaveLength(summary.sales.created);
    expect(
      created.every((line) => typeof line.deviceId === 'string' && typeof line.offlineId === 'string'),
    ).toBe(true);
    const batches = lines.filter((line) => line.msg === 'Batch sync completed');
    expect(batches.length).toBe(summary.requests.ok);
    expect(batches.reduce((sum, line) => sum + line.success, 0)).toBe(summary.sales.synced);
  });

  it('junit.xml has one test case per threshold and per invariant, none failing', () => {
    const summary = readJson<Summary>(join(cwd, 'run', 'summary.json'));
    const junit = readFileSync(join(cwd, 'run', 'junit.xml'), 'utf8');
    const cases = junit.match(/<testcase /g) ?? [];
    expect(cases).toHaveLength(summary.thresholds.length + 7);
    expect(junit).not.toContain('<failure');
    const xml = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
    for (const threshold of summary.thresholds)
      expect(junit).toContain(`name="${xml(threshold.expression)}"`);
  });

  it('report.html stands alone: inline SVG charts, no scripts, nothing fetched', () => {
    const html = readFileSync(join(cwd, 'run', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link[^>]+href="http|src="http/i);
  });
});

describe('syncsim run --json (no --seed)', () => {
  it('prints only the summary on stdout, and it is the summary.json of the run folder', () => {
    expect(json.code, transcript(json)).toBe(0);
    const printed = JSON.parse(json.stdout) as Summary;
    expect(printed).toEqual(readJson<Summary>(join(cwd, 'json-run', 'summary.json')));
    expect(printed.scenario).toBe('steady-day');
  });

  it('picks a seed, prints it first (on stderr, stdout being the JSON) and records it for replay', () => {
    const match = /^seed (\S+) \(picked; replay with --seed (\S+)\)$/.exec(firstLine(json.stderr));
    expect(match, json.stderr).not.toBeNull();
    const printed = JSON.parse(json.stdout) as Summary;
    expect(match?.[1]).toBe(printed.seed);
    expect(match?.[2]).toBe(printed.seed);
    expect(printed.replay?.seed).toBe(printed.seed);
    // The terminal table went to stderr, out of the way of the JSON.
    expect(json.stderr).toContain('PASS  steady-day');
  });
});
