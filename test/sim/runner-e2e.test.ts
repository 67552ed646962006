/**
 * End to end in virtual time (runSimulation with the fake backend in-process): the spec's design (policy
 * seed) breaks the way DESIGN.md section 1 says, and the checker sees it; the corrected design (hardened)
 * runs the very same scenarios clean, and its heal phase converges.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyPreset } from '../../src/core/policy.ts';
import type { SimulationResult } from '../../src/sim/runner.ts';
import type { SimulationConfig } from '../../src/sim/simulation-config.ts';
import { CLEAN_INVARIANTS, runInTemp } from './helpers.ts';

const LUNCH = '2026-03-02T11:00:00+07:00';
const LATENCY = { kind: 'lognormal', p50: 60, p99: 400 } as const;

/** Weakness 4 and 5: lost acknowledgements, a backend that checks then inserts, a listener firing 3 times. */
function racy(preset: PolicyPreset): SimulationConfig {
  return {
    devices: { count: 12, branches: 3 },
    duration: '2h',
    startAt: LUNCH,
    connectivity: {
      schedules: [{ kind: 'flapping', periodMs: 600_000, dutyCycle: 0.6, phase: 'random' }],
      listenerEvents: { kind: 'range', min: 3, max: 3 },
    },
    network: { latencyMs: LATENCY, timeoutMs: 15_000 },
    backend: {
      kind: 'fake',
      storage: { dedupe: 'check-then-insert', checkGapMs: 25 },
      faults: { phases: [{ atMs: 0, lostAck: { rate: 0.1 } }] },
    },
    policy: { preset },
  };
}

/** Weakness 1: requests dropped and answers lost in the network, against a backend with the spec's unique index. */
function flaky(preset: PolicyPreset): SimulationConfig {
  return {
    devices: { count: 12, branches: 3 },
    duration: '2h',
    startAt: LUNCH,
    network: { latencyMs: LATENCY, dropRequestRate: 0.05, loseResponseRate: 0.05, timeoutMs: 10_000 },
    backend: { kind: 'fake' },
    policy: { preset },
  };
}

/** Weakness 1 again: the app killed in the middle of syncs. */
function crashing(preset: PolicyPreset): SimulationConfig {
  return {
    devices: { count: 10, branches: 2 },
    duration: '2h',
    startAt: LUNCH,
    crashes: { probability: 0.05, restartAfterMs: { kind: 'uniform', min: 5_000, max: 60_000 } },
    network: { latencyMs: LATENCY, timeoutMs: 15_000 },
    backend: { kind: 'fake' },
    policy: { preset },
  };
}

/** Hardened, 4 devices for an hour, offline from half an hour in until after the end: the heal drains it all. */
function outageToTheEnd(overrides: Partial<SimulationConfig>): SimulationConfig {
  return {
    devices: { count: 4, branches: 1 },
    duration: '1h',
    startAt: LUNCH,
    connectivity: { schedules: [{ kind: 'offline', atMs: 1_800_000, durationMs: 7_200_000 }] },
    policy: { preset: 'hardened' },
    ...overrides,
  };
}

async function run(config: SimulationConfig): Promise<SimulationResult> {
  return (await runInTemp(config, { seed: 'e2e' })).result;
}

function expectClean(result: SimulationResult): void {
  const { summary } = result;
  expect(summary.sales.created).toBeGreaterThan(0);
  expect(summary.invariants).toEqual({ ...CLEAN_INVARIANTS, matchedBy: 'offline-id' });
  expect(summary.heal).toMatchObject({ ran: true, converged: true });
  expect(summary.sales.synced).toBe(summary.sales.created);
  expect(summary.server.ledgerRows).toBe(summary.sales.created);
  expect(summary.harnessErrors).toBe(0);
  expect(result.harnessErrors).toEqual([]);
}

describe('runSimulation end to end, virtual time', () => {
  it('seed: lost acks, a check-then-insert backend and a listener firing 3 times store sales twice', async () => {
    const result = await run(racy('seed'));
    const { summary } = result;
    expect(summary.requests.resets).toBeGreaterThan(0);
    expect(summary.invariants.checked).toBe(true);
    expect(summary.invariants.duplicated).toBeGreaterThan(0);
    expect(summary.server.ledgerRows).toBeGreaterThan(summary.sales.created - summary.sales.pending);
    // Each duplicate comes with its story: the sale's attempts and the server's copies.
    const [example] = result.check.examples.duplicated;
    expect(example?.server?.length).toBeGreaterThan(1);
    expect(example?.trace?.attempts.length).toBeGreaterThan(0);
    expect(summary.harnessErrors).toBe(0);
  });

  it('hardened: the same racy scenario checks clean', async () => {
    const result = await run(racy('hardened'));
    expect(result.summary.requests.resets).toBeGreaterThan(0);
    expectClean(result);
  });

  it('seed: transport errors strand rows in syncing for good (stuck), and the heal phase cannot fix it', async () => {
    const result = await run(flaky('seed'));
    const { summary } = result;
    expect(summary.requests.timeouts + summary.requests.resets).toBeGreaterThan(0);
    expect(summary.invariants.stuck).toBeGreaterThan(0);
    expect(summary.sales.syncing).toBe(summary.invariants.stuck);
    expect(summary.heal).toMatchObject({ ran: true, converged: false });
    const [example] = result.check.examples.stuck;
    expect(example?.device?.syncStatus).toBe('syncing');
    expect(example?.trace).not.toBeNull();
  });

  it('hardened: the same flaky network checks clean', async () => {
    const result = await run(flaky('hardened'));
    expect(result.summary.requests.timeouts + result.summary.requests.resets).toBeGreaterThan(0);
    expectClean(result);
  });

  it('hardened: a slow backend inside a long client timeout, the backlog drained in the heal phase, checks clean', async () => {
    // Every request takes 40 s and the client waits 60 s: the heal phase keeps the scenario's timeout (it is
    // the app's setting, not a fault), so the backlog of the outage drains there without a single timeout.
    const result = await run(
      outageToTheEnd({
        network: { timeoutMs: 60_000 },
        backend: { kind: 'fake', capacity: { requestTime: { kind: 'fixed', value: 40_000 } } },
      }),
    );
    expect(result.summary.requests.timeouts).toBe(0);
    expect(result.summary.sales.synced).toBeGreaterThan(0);
    expectClean(result);
  });

  it('a heal with no time at all still converges when the backlog drains at its deadline instant', async () => {
    const result = await run(outageToTheEnd({ heal: { maxDuration: 0 } }));
    expect(result.summary.sales.pending + result.summary.sales.syncing).toBe(0);
    expect(result.summary.heal).toMatchObject({ ran: true, converged: true });
  });

  it('a heal cut short by Ctrl-C has no verdict: neither converged nor out of time', async () => {
    // Abort the moment the heal starts: with every request taking 10 s at the backend, the outage's backlog is
    // still on the devices (the heal drops network faults and latency, so it would otherwise drain at once).
    const controller = new AbortController();
    const slow = outageToTheEnd({
      backend: { kind: 'fake', capacity: { requestTime: { kind: 'fixed', value: 10_000 } } },
    });
    const { result } = await runInTemp(slow, {
      seed: 'e2e',
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === 'heal') controller.abort();
      },
    });
    expect(result.summary.interrupted).toBe(true);
    expect(result.summary.sales.pending + result.summary.sales.syncing).toBeGreaterThan(0);
    expect(result.summary.heal).toMatchObject({ ran: true, converged: null });
  });

  it('seed: crashes mid-sync leave rows stuck; hardened recovers them at restart and checks clean', async () => {
    const seed = await run(crashing('seed'));
    expect(seed.summary.crashes).toBeGreaterThan(0);
    expect(seed.summary.invariants.stuck).toBeGreaterThan(0);
    expect(seed.summary.harnessErrors).toBe(0);
    const hardened = await run(crashing('hardened'));
    expect(hardened.summary.crashes).toBeGreaterThan(0);
    expectClean(hardened);
  });
});
