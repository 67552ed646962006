/**
 * Real time over HTTP: runSimulation against the fake backend it starts on loopback itself, and against a
 * target URL (the fake backend started here with `startServer`, as `syncsim serve --admin` would be) whose
 * ledger is read through the admin API. Without a ledger the server-side invariants are "not checked"
 * (null), never 0. Scenario time is compressed 600 times: ten minutes of store time take about a second.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SYNC_PATH } from '../../src/core/protocol.ts';
import { type RunningServer, startServer } from '../../src/fake-backend/serve.ts';
import { parseLedgerSpec } from '../../src/sim/ledger/ledger-spec.ts';
import { openLedgerSource } from '../../src/sim/ledger/open-ledger-source.ts';
import type { SimulationResult } from '../../src/sim/runner.ts';
import type { SimulationConfig, TargetBackendConfig } from '../../src/sim/simulation-config.ts';
import type { Summary } from '../../src/sim/summary.ts';
import { CLEAN_INVARIANTS, type RunWithoutDir, runInTemp } from './helpers.ts';

const SPEED = 600;
/** Generous for a loaded machine; each run takes one to three seconds of wall time. */
const REALTIME_TIMEOUT_MS = 45_000;

function shortDay(backend: SimulationConfig['backend']): SimulationConfig {
  return {
    devices: { count: 5, branches: 2 },
    duration: '10m',
    startAt: '2026-03-02T12:00:00+07:00',
    network: { latencyMs: { kind: 'uniform', min: 20, max: 200 } },
    backend,
    policy: { preset: 'hardened' },
    heal: { maxDuration: '30m' },
  };
}

async function run(config: SimulationConfig, options: RunWithoutDir = {}): Promise<SimulationResult> {
  return (await runInTemp(config, { seed: 'realtime', realtime: { speed: SPEED }, ...options })).result;
}

function expectRanAndSynced(summary: Summary): void {
  expect(summary.mode).toBe('realtime');
  expect(summary.interrupted).toBe(false);
  expect(summary.devices).toBe(5);
  expect(summary.sales.created).toBeGreaterThan(0);
  expect(summary.sales.synced).toBe(summary.sales.created);
  expect(summary.requests.ok).toBeGreaterThan(0);
  expect(summary.requests.byStatus['200']).toBe(summary.requests.ok);
  expect(summary.latency.requestMs.count).toBe(summary.requests.total);
  expect(summary.heal).toMatchObject({ ran: true, converged: true });
  expect(summary.harnessErrors).toBe(0);
}

const CLEAN = CLEAN_INVARIANTS;

const servers: RunningServer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const close of closers.splice(0)) await close();
});

/** `syncsim serve --admin` in-process: loopback, port 0, in memory, optionally with a bearer token. */
async function serve(token?: string): Promise<RunningServer> {
  const server = await startServer(
    { port: 0, db: ':memory:', admin: true, logLevel: 'silent', ...(token ? { tokenEnv: 'SIM_TOKEN' } : {}) },
    { env: { SIM_TOKEN: token }, readFile: () => '' },
  );
  servers.push(server);
  return server;
}

/** A ledger at a loopback URL answering GET /__syncsim/ledger as `answer` does; closed after the test. */
async function fakeLedger(answer: (response: ServerResponse) => void): Promise<{ url: string }> {
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/__syncsim/ledger') === true) answer(response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}` };
}

describe('runSimulation in real time over HTTP', () => {
  it(
    'against the fake backend the runner starts on loopback: sales sync over HTTP and the check is clean',
    async () => {
      const result = await run(shortDay({ kind: 'fake' }));
      const { summary } = result;
      expectRanAndSynced(summary);
      expect(summary.backend).toMatch(/^fake backend over HTTP at http:\/\/127\.0\.0\.1:\d+ /);
      expect(summary.invariants).toMatchObject(CLEAN);
      expect(summary.server.ledgerRows).toBe(summary.sales.created);
      // Scenario time ran: the ten minutes of the fault phase, from its start (the fleet's start-up, in wall
      // time at x600, is not scenario time); a timer late by a quarter of a wall second reads as 150 s more.
      const faultSeconds = summary.simulatedSeconds - summary.heal.seconds;
      expect(faultSeconds).toBeGreaterThanOrEqual(600);
      expect(faultSeconds).toBeLessThan(750);
      // Request latency is wall time (20-200 ms of network plus loopback), not scenario time at speed 600
      // (which would read as tens of seconds): capacity plans made with --speed depend on it.
      expect(summary.latency.requestMs.p50).toBeGreaterThanOrEqual(20);
      expect(summary.latency.requestMs.p50).toBeLessThan(2_000);
      // The generator measured itself over the run (10 scenario minutes: at least a second of wall time).
      expect(summary.generator.lagMs.count).toBeGreaterThanOrEqual(10);
      expect(summary.generator.lagMs.p50).toBeGreaterThanOrEqual(0);
      expect(summary.generator.busyPercent.count).toBeGreaterThanOrEqual(1);
      expect(summary.generator.busyPercent.max).toBeLessThanOrEqual(100);
      // ... and minute by minute, for the timeline's chart: each of the fault phase's ten minutes at least.
      const measured = result.metrics.timeline.flatMap((row) =>
        row.generatorBusyPercent === null ? [] : [row.generatorBusyPercent],
      );
      expect(measured.length).toBeGreaterThanOrEqual(10);
      for (const percent of measured) {
        expect(percent).toBeGreaterThanOrEqual(0);
        expect(percent).toBeLessThanOrEqual(100);
      }
    },
    REALTIME_TIMEOUT_MS,
  );

  it(
    'against a target URL with its ledger read through the admin API: the checker runs and is clean',
    async () => {
      const server = await serve();
      const backend: TargetBackendConfig = { kind: 'target', url: server.url, ledger: server.url };
      // The runner opens the ledger the target names itself: no source handed in.
      const result = await run(shortDay(backend));
      const { summary } = result;
      expectRanAndSynced(summary);
      expect(summary.backend).toBe(`${server.url}${DEFAULT_BATCH_SYNC_PATH}`);
      expect(summary.invariants).toMatchObject(CLEAN);
      expect(summary.invariants.matchedBy).toBe('offline-id');
      expect(summary.server.ledgerRows).toBe(summary.sales.created);
      expect(server.backend.ledger.count()).toBe(summary.sales.created);
    },
    REALTIME_TIMEOUT_MS,
  );

  it(
    'a ledger that dies during the run: the report still comes, its ledger invariants not checked, with a warning',
    async () => {
      const server = await serve();
      const ledger = await serve();
      const warnings: string[] = [];
      let closing: Promise<void> | null = null;
      const backend: TargetBackendConfig = { kind: 'target', url: server.url, ledger: ledger.url };
      const result = await run(shortDay(backend), {
        onWarning: (message) => warnings.push(message),
        // The ledger answered the probe before the run; it goes away once the fault phase has begun.
        onProgress: (progress) => {
          if (progress.phase === 'fault') closing ??= ledger.close();
        },
      });
      await closing;
      servers.splice(servers.indexOf(ledger), 1);
      const { summary } = result;
      expectRanAndSynced(summary);
      expect(summary.invariants).toMatchObject({ checked: false, lost: null, duplicated: null, stuck: 0 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(`^ledger source ${ledger.url} is unavailable: .*: the ledger invariants are not checked$`),
      );
    },
    REALTIME_TIMEOUT_MS,
  );

  it(
    'a ledger that answers rows that are no ledger rows at the end: the report still comes, not checked, a warning',
    async () => {
      const server = await serve();
      let broken = false;
      const ledger = await fakeLedger((response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.end(broken ? '<html>oops</html>\n' : '');
      });
      const warnings: string[] = [];
      const result = await run(shortDay({ kind: 'target', url: server.url, ledger: ledger.url }), {
        onWarning: (message) => warnings.push(message),
        onProgress: (progress) => {
          if (progress.phase === 'fault') broken = true;
        },
      });
      expectRanAndSynced(result.summary);
      expect(result.summary.invariants).toMatchObject({ checked: false, lost: null, stuck: 0 });
      expect(warnings).toEqual([
        expect.stringMatching(/is not JSON .*: the ledger invariants are not checked$/),
      ]);
    },
    REALTIME_TIMEOUT_MS,
  );

  it(
    'a ledger that stalls at the end: stopping the run (Ctrl-C) ends the read, and the report comes',
    async () => {
      const server = await serve();
      const controller = new AbortController();
      let stalling = false;
      const ledger = await fakeLedger((response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        if (!stalling) {
          response.end('');
          return;
        }
        // A byte now and then, never a line: no timeout between chunks ever fires.
        const drip = setInterval(() => response.write(' '), 50);
        response.on('close', () => clearInterval(drip));
        controller.abort();
      });
      const warnings: string[] = [];
      const result = await run(shortDay({ kind: 'target', url: server.url, ledger: ledger.url }), {
        signal: controller.signal,
        onWarning: (message) => warnings.push(message),
        onProgress: (progress) => {
          if (progress.phase === 'check') stalling = true;
        },
      });
      expect(result.summary.invariants).toMatchObject({ checked: false, lost: null });
      expect(warnings).toContain('stopped while reading the ledger: the ledger invariants are not checked');
    },
    REALTIME_TIMEOUT_MS,
  );

  it(
    'sends the bearer token it is given to the target (and the admin API reads the ledger with it)',
    async () => {
      const server = await serve('s3cret');
      const ledgerSource = await openLedgerSource(parseLedgerSpec(server.url), { token: 's3cret' });
      const result = await run(shortDay({ kind: 'target', url: server.url }), {
        ledgerSource,
        token: 's3cret',
      });
      expectRanAndSynced(result.summary);
      expect(result.summary.requests.byStatus['401']).toBeUndefined();
      expect(result.summary.invariants).toMatchObject(CLEAN);
    },
    REALTIME_TIMEOUT_MS,
  );

  it(
    'against a target without a ledger: the server-side invariants are not checked (null, never 0)',
    async () => {
      const server = await serve();
      const result = await run(shortDay({ kind: 'target', url: server.url }));
      const { summary } = result;
      expectRanAndSynced(summary);
      expect(summary.invariants).toEqual({
        checked: false,
        lost: null,
        duplicated: null,
        phantom: null,
        mismatched: null,
        unsound: null,
        // Device-side invariants need no ledger.
        stuck: 0,
        collided: 0,
        rejected: 0,
        matchedBy: null,
      });
      expect(summary.server.ledgerRows).toBeNull();
      expect(result.check.ledgerRows).toBeNull();
      // The server did get the sales; nobody read them back.
      expect(server.backend.ledger.count()).toBe(summary.sales.created);
    },
    REALTIME_TIMEOUT_MS,
  );
});
