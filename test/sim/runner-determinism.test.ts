/**
 * Determinism in virtual time: the same config and seed give the same summary (wall-clock fields aside),
 * the same metrics and the same violations; another seed gives another run; and a shard reproduces its
 * devices of the full run exactly.
 *
 * What a shard cannot reproduce, by construction, is anything the devices share on the server: the
 * ledger's server_id and transaction_code (one counter for the whole fleet), the capacity model's queue
 * (one device's request waits behind another's), and the fake backend's fault and service-time draws (one
 * stream per server arrival, in arrival order across all devices). The shard test therefore uses a backend
 * without capacity limits or server-side faults; every client-side fault (network, outages, crashes, clock
 * drift, double taps) draws from per-device streams and stays in.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LEDGER_TABLE } from '../../src/fake-backend/storage.ts';
import { shardIndices } from '../../src/sim/fleet.ts';
import { runSimulation, type SimulationResult } from '../../src/sim/runner.ts';
import type { SimulationConfig } from '../../src/sim/simulation-config.ts';
import { deterministicPart } from '../../src/sim/summary.ts';
import { type DiskRow, deviceFiles, readDeviceFile, runInTemp, tempDir } from './helpers.ts';

/** Client-side trouble of every kind: each draws from its device's own streams. */
const CLIENT_SIDE: Omit<SimulationConfig, 'backend' | 'policy'> = {
  devices: { count: 9, branches: 3 },
  duration: '2h',
  startAt: '2026-03-02T11:00:00+07:00',
  workload: { doubleTap: { probability: 0.05 } },
  connectivity: {
    schedules: [
      { kind: 'random', ratePerHour: 2, duration: { kind: 'uniform', min: 30_000, max: 300_000 } },
      { kind: 'branch-outage', ratePerHour: 0.5, duration: { kind: 'fixed', value: 120_000 } },
    ],
    // 0: the listener missed the change, so the app syncs while offline (an offline skip).
    listenerEvents: { kind: 'range', min: 0, max: 3 },
  },
  deviceClocks: [{ appliesTo: { kind: 'devices', indices: [1, 4] }, driftPpm: 500, offsetMs: -30_000 }],
  crashes: { probability: 0.03, restartAfterMs: { kind: 'uniform', min: 5_000, max: 60_000 } },
  network: {
    latencyMs: { kind: 'lognormal', p50: 60, p99: 400 },
    dropRequestRate: 0.03,
    loseResponseRate: 0.03,
    timeoutMs: 10_000,
  },
};

/** Everything, the shared server included: a capacity model with a queue and server-side faults. */
const EVERYTHING: SimulationConfig = {
  ...CLIENT_SIDE,
  backend: {
    kind: 'fake',
    storage: { dedupe: 'check-then-insert', checkGapMs: 20 },
    capacity: { workers: 2, queueLimit: 4, requestTime: { kind: 'lognormal', p50: 20, p99: 200 } },
    faults: {
      phases: [{ atMs: 0, lostAck: { rate: 0.03 }, http: [{ status: 503, rate: 0.02 }] }],
    },
  },
  policy: { preset: 'seed' },
};

async function run(config: SimulationConfig, seed: string): Promise<SimulationResult> {
  return (await runInTemp(config, { seed })).result;
}

/** The reference run, made once and compared against by two tests. */
let reference: Promise<SimulationResult> | null = null;
function referenceRun(): Promise<SimulationResult> {
  reference ??= run(EVERYTHING, 'replay-me');
  return reference;
}

describe('runSimulation determinism', () => {
  it('the same config and seed twice: identical summaries, metrics and violations', async () => {
    const first = await referenceRun();
    const second = await run(EVERYTHING, 'replay-me');
    // The run must have exercised what could make it diverge.
    expect(first.summary.sales.created).toBeGreaterThan(100);
    expect(first.summary.crashes).toBeGreaterThan(0);
    expect(first.summary.requests.timeouts + first.summary.requests.resets).toBeGreaterThan(0);
    expect(first.summary.requests.offlineSkips).toBeGreaterThan(0);

    expect(deterministicPart(second.summary)).toEqual(deterministicPart(first.summary));
    // Virtual time waits on nothing: the generator's wall-clock fields, left out above, are empty.
    const nothing = { count: 0, p50: null, p90: null, p99: null, max: null };
    expect(first.summary.generator).toEqual({ lagMs: nothing, busyPercent: nothing });
    expect(second.summary.generator).toEqual(first.summary.generator);
    expect(first.metrics.timeline.length).toBeGreaterThan(0);
    expect(first.metrics.timeline.every((row) => row.generatorBusyPercent === null)).toBe(true);
    expect(JSON.stringify(second.metrics)).toBe(JSON.stringify(first.metrics));
    expect(JSON.stringify(second.check)).toBe(JSON.stringify(first.check));
  });

  it('a run into the folder of an earlier run starts from empty device files: the same summary', async () => {
    const dir = tempDir('syncsim-rerun-');
    try {
      const options = { scenario: 'test', seed: 'replay-me', outDir: dir.path };
      await runSimulation(EVERYTHING, options);
      const again = await runSimulation(EVERYTHING, options);
      expect(deterministicPart(again.summary)).toEqual(deterministicPart((await referenceRun()).summary));
    } finally {
      dir.remove();
    }
  });

  it('a different seed gives a different run', async () => {
    const first = await referenceRun();
    const other = await run(EVERYTHING, 'another-seed');
    expect(deterministicPart(other.summary)).not.toEqual(deterministicPart(first.summary));
    expect(JSON.stringify(other.metrics)).not.toBe(JSON.stringify(first.metrics));
  });

  it('a shard (1 of 3) reproduces exactly its devices of the full run, on the device and on the server', async () => {
    const config: SimulationConfig = {
      ...CLIENT_SIDE,
      backend: { kind: 'fake' },
      policy: { preset: 'seed' },
    };
    const inspect = (outDir: string) => ({ devices: devicesOnDisk(outDir), server: serverRows(outDir) });
    const full = await runInTemp(config, { seed: 'sharded' }, inspect);
    const shard = await runInTemp(config, { seed: 'sharded', shard: { index: 1, count: 3 } }, inspect);
    const fullDisk = full.inspected!;
    const shardDisk = shard.inspected!;

    const expected = shardIndices(9, { index: 1, count: 3 }).map((i) => `POS-${String(i).padStart(4, '0')}`);
    expect([...shardDisk.devices.keys()]).toEqual(expected);
    expect(shard.result.summary.devices).toBe(3);
    expect(shard.result.summary.shard).toEqual({ index: 1, count: 3 });

    let rows = 0;
    for (const deviceId of expected) {
      const mine = shardDisk.devices.get(deviceId);
      expect(mine, deviceId).toEqual(fullDisk.devices.get(deviceId));
      expect(shardDisk.server.get(deviceId), deviceId).toEqual(fullDisk.server.get(deviceId));
      rows += mine?.length ?? 0;
    }
    // Not a vacuous match: the shard's devices sold, synced, got stuck and crashed.
    expect(rows).toBeGreaterThan(30);
    const statuses = new Set([...shardDisk.devices.values()].flat().map((row) => row.sync_status));
    expect(statuses.has('synced') && statuses.has('syncing')).toBe(true);
    expect(shard.result.summary.crashes).toBeGreaterThan(0);
    // The shard's check is about its own devices only: same stuck sales as the full run has on them.
    expect(shard.result.summary.invariants.phantom).toBe(0);
    expect(shard.result.summary.invariants.stuck).toBe(
      expected.reduce(
        (sum, id) => sum + (fullDisk.devices.get(id) ?? []).filter((r) => r.sync_status !== 'synced').length,
        0,
      ),
    );
  });
});

/** A device row without the server's fleet-wide counters (server_id, transaction_code): whether it has one. */
type ComparableRow = Omit<DiskRow, 'server_id' | 'transaction_code'> & { readonly hasServerId: boolean };

function devicesOnDisk(outDir: string): Map<string, ComparableRow[]> {
  const devices = new Map<string, ComparableRow[]>();
  for (const [deviceId, path] of deviceFiles(outDir)) {
    devices.set(
      deviceId,
      readDeviceFile(path).map(({ server_id, transaction_code: _code, ...row }) => ({
        ...row,
        hasServerId: server_id !== null,
      })),
    );
  }
  return devices;
}

/** What the server stored per device, in its order, without server_id, transaction_code and received_at. */
function serverRows(outDir: string): Map<string, string[]> {
  const db = new Database(join(outDir, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT device_id, offline_id, offline_reference, grand_total FROM ${LEDGER_TABLE} ORDER BY device_id, server_id`,
      )
      .all() as { device_id: string; offline_id: string; offline_reference: string; grand_total: number }[];
    const byDevice = new Map<string, string[]>();
    for (const row of rows) {
      const list = byDevice.get(row.device_id) ?? [];
      list.push(`${row.offline_id} ${row.offline_reference} ${row.grand_total}`);
      byDevice.set(row.device_id, list);
    }
    return byDevice;
  } finally {
    db.close();
  }
}
