/**
 * A real-time run over HTTP against `syncsim serve` started as a separate process, the server's rows read
 * back through its admin API (--ledger URL): every invariant checked and 0, the ledger holding exactly the
 * sales the devices made, exit 0; the same with `--workers 2` (two generator threads, merged); then the
 * server stops cleanly on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVARIANT_THRESHOLDS } from '../../src/scenarios/builtin/common.ts';
import type { Summary } from '../../src/sim/summary.ts';
import {
  type Finished,
  type Running,
  readJson,
  removeDir,
  STACK_TRACE,
  startSyncsim,
  syncsim,
  tempDir,
  transcript,
} from './helpers.ts';

let cwd: string;
let server: Running;
let url: string;
let run: Finished;
let withoutLedger: Finished;
let rerun: Finished;
let sharded: Finished;
let shardedUrl: string;
let serverExit: Finished;

/** A run of `devices` against `target` at x60, its rows read back from the target's admin API. */
function ledgerRun(devices: number, duration: string, seed: number, target: string): string[] {
  const flags = ['--devices', String(devices), '--duration', duration, '--seed', String(seed)];
  return ['run', ...flags, '--target', target, '--ledger', target, '--speed', '60'];
}

beforeAll(async () => {
  cwd = tempDir();
  server = startSyncsim(['serve', '--port', '0', '--db', ':memory:', '--admin'], { cwd, timeoutMs: 120_000 });
  url = (await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] ?? '';
  run = await syncsim(
    [
      ...ledgerRun(10, '4m', 12, url),
      '--no-progress',
      '--out',
      'realtime',
      '--set',
      'startAt=2026-03-02T12:00:00+07:00',
      // At x60 a 15 s request timeout is 250 ms of wall time: too tight for a loaded CI machine.
      '--set',
      'network.timeoutMs=600000',
      // Latencies are measured in scenario time (x60), so steady-day's latency targets are not the point
      // here: the ledger is.
      '--set',
      `thresholds=${JSON.stringify([...INVARIANT_THRESHOLDS, 'invariants.checked == true'])}`,
    ],
    { cwd },
  );
  // The same fleet again on the same ledger: its rows are there already, and the run says so before it starts.
  rerun = await syncsim(ledgerRun(2, '1m', 12, url), { cwd });
  // The same target without --ledger, after the first run (a ledger read during it would see these rows).
  const noLedger = ['run', '--devices', '4', '--duration', '1m', '--seed', '13', '--target', url];
  withoutLedger = await syncsim(
    [
      ...noLedger,
      '--speed',
      '60',
      '--no-progress',
      '--out',
      'no-ledger',
      '--set',
      'network.timeoutMs=600000',
      '--set',
      'thresholds=["invariants.lost == 0","invariants.stuck == 0"]',
      // A header whose value is a secret: read from the environment, only the variable's name recorded.
      '--header-env',
      'X-Api-Key: SYNCSIM_TEST_API_KEY',
    ],
    { cwd, env: { SYNCSIM_TEST_API_KEY: 'k3y-not-for-artifacts' } },
  );
  // Two load generators against one server, each checking its own devices' rows in its ledger. A server of
  // its own: device ids are the same in every run, so the rows of the runs above would read as phantoms.
  const second = startSyncsim(['serve', '--port', '0', '--db', ':memory:', '--admin'], {
    cwd,
    timeoutMs: 120_000,
  });
  const secondUrl = (await second.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] ?? '';
  sharded = await syncsim(
    [
      ...ledgerRun(6, '4m', 14, secondUrl),
      '--workers',
      '2',
      '--no-progress',
      '--out',
      'workers',
      '--set',
      'startAt=2026-03-02T12:00:00+07:00',
      '--set',
      'network.timeoutMs=600000',
      '--set',
      `thresholds=${JSON.stringify([...INVARIANT_THRESHOLDS, 'invariants.checked == true'])}`,
    ],
    { cwd },
  );
  second.child.kill('SIGTERM');
  await second.finished;
  shardedUrl = secondUrl;
  server.child.kill('SIGTERM');
  serverExit = await server.finished;
});
afterAll(() => {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  removeDir(cwd);
});

describe('syncsim run --target <syncsim serve> --ledger <its URL> --speed 60', () => {
  it('runs in real time against the server and exits 0', () => {
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout).toContain('real time x60');
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  it('read the ledger from the server: every invariant checked and 0, the ledger holding every sale', () => {
    const summary = readJson<Summary>(join(cwd, 'realtime', 'summary.json'));
    expect(summary.mode).toBe('realtime');
    expect(summary.backend).toContain(url);
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
    expect(summary.sales.created).toBeGreaterThan(0);
    expect(summary.sales.synced).toBe(summary.sales.created);
    expect(summary.server.ledgerRows).toBe(summary.sales.created);
    expect(summary.requests.byStatus['200']).toBeGreaterThan(0);
    expect(summary.passed).toBe(true);
  });

  it('warns when the ledger already holds rows of the fleet (an earlier run), and only then', () => {
    expect(run.stderr).not.toContain('already holds rows');
    expect(rerun.stderr).toContain(`warning: the ledger ${url} (admin API) already holds rows of POS-0000`);
    expect(rerun.stderr).toContain("Check against a ledger that holds no other run's rows");
  });

  it('--header-env: the secret is sent, never written: summary.json names only its variable', () => {
    expect(withoutLedger.code, transcript(withoutLedger)).toBeLessThan(2);
    const text = readFileSync(join(cwd, 'no-ledger', 'summary.json'), 'utf8');
    expect(text).not.toContain('k3y-not-for-artifacts');
    const summary = JSON.parse(text) as Summary;
    expect(summary.replay?.scenario).toMatchObject({
      backend: { headerEnv: { 'X-Api-Key': 'SYNCSIM_TEST_API_KEY' } },
    });
  });

  it('without --ledger the server-side invariants are "not checked": the threshold fails, a note says why', () => {
    expect(withoutLedger.code, transcript(withoutLedger)).toBe(1);
    const summary = readJson<Summary>(join(cwd, 'no-ledger', 'summary.json'));
    expect(summary.invariants).toMatchObject({ checked: false, lost: null, stuck: 0 });
    expect(summary.thresholds).toEqual([
      {
        expression: 'invariants.lost == 0',
        ok: false,
        actual: null,
        error: 'not checked: server ledger not read',
      },
      { expression: 'invariants.stuck == 0', ok: true, actual: 0 },
    ]);
    expect(withoutLedger.stdout).toContain('FAIL invariants.lost == 0');
    expect(withoutLedger.stderr).toMatch(/note: lost, .* were not checked: .* --ledger/);
  });

  it('--workers 2: two generator threads against the one server, merged, every sale in the ledger once', () => {
    expect(sharded.code, transcript(sharded)).toBe(0);
    const summary = readJson<Summary>(join(cwd, 'workers', 'summary.json'));
    expect(summary.mode).toBe('realtime');
    expect(summary.devices).toBe(6);
    expect(summary.replay).toMatchObject({ workers: 2, realtime: { speed: 60 } });
    expect(summary.invariants).toMatchObject({ checked: true, lost: 0, duplicated: 0, phantom: 0 });
    expect(summary.sales.created).toBeGreaterThan(0);
    expect(summary.server.ledgerRows).toBe(summary.sales.created);
    for (const index of [0, 1]) {
      const shard = readJson<Summary>(join(cwd, 'workers', 'shards', `shard-${index}`, 'summary.json'));
      expect(shard.devices).toBe(3);
      expect(shard.backend).toContain(shardedUrl);
      expect(shard.requests.ok).toBeGreaterThan(0);
    }
  });

  it('the server stops cleanly on SIGTERM: exit 0', () => {
    expect(serverExit.code, transcript(serverExit)).toBe(0);
    expect(serverExit.stdout).toContain('database closed');
    expect(serverExit.stderr).not.toMatch(STACK_TRACE);
  });
});
