/**
 * Crash and reopen at every named crash point: the hook throws there, the core is dropped
 * (database.dispose()), and a new core opens the same file.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CRASH_POINTS, type CrashPoint } from '../../src/core/crash-points.ts';
import { HARDENED_POLICY, SEED_POLICY, type SyncPolicy } from '../../src/core/policy.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/core/ports.ts';
import type { TransactionLocal } from '../../src/core/transaction-local.ts';
import { createDevice, SimulatedCrash, settle, type TestDevice, useTempDir } from './helpers.ts';

const dir = useTempDir();

/** What the server holds after the crash: nothing if it died before sending. */
const SERVER_HAS_IT: Record<CrashPoint, boolean> = {
  'after-claim': false,
  'after-send': true,
  'after-response': true,
  'mid-apply': true,
};

function statusesOnDisk(file: string): string[] {
  const raw = new Database(file, { readonly: true });
  try {
    return (
      raw.prepare('SELECT sync_status FROM transaction_local ORDER BY id').all() as { sync_status: string }[]
    ).map((row) => row.sync_status);
  } finally {
    raw.close();
  }
}

/** Four sales made offline; the device comes online with the crash point armed and dies in the sync. */
async function crashInSync(
  policy: SyncPolicy,
  point: CrashPoint,
  sales = 4,
): Promise<{ d: TestDevice; before: TransactionLocal[] }> {
  const d = createDevice(dir, { policy });
  await d.start(false);
  const before = await d.sales(sales);
  d.armCrash(point);
  d.core.sync.onConnectivityChanged(true);
  await settle();
  expect(d.crashed).toBe(true);
  const error = d.runs.at(-1)?.error;
  expect(error).toBeInstanceOf(SimulatedCrash);
  expect(error instanceof SimulatedCrash && error.point).toBe(point);
  return { d, before };
}

describe.each(CRASH_POINTS)('crash at %s', (point) => {
  it('the dead core can no longer touch the file; committed rows survive the reopen and the file is intact', async () => {
    const { d, before } = await crashInSync(SEED_POLICY, point);
    const dead = d.core;
    await expect(dead.store.getStatistics()).rejects.toBeInstanceOf(SimulatedCrash);
    // Rows the sync claimed are on disk as syncing; nothing it was applying committed.
    expect(statusesOnDisk(d.file)).toEqual(['syncing', 'syncing', 'syncing', 'syncing']);
    const core = d.restart();
    await expect(dead.store.getStatistics()).rejects.toMatchObject({
      code: 'SYNCSIM_ERR_DEVICE_DB_DISPOSED',
    });
    expect(core.database.integrityCheck()).toBe('ok');
    const after = await core.store.listTransactions();
    expect(after.map((row) => [row.offlineId, row.offlineReference, row.grandTotal, row.itemsJson])).toEqual(
      before.map((row) => [row.offlineId, row.offlineReference, row.grandTotal, row.itemsJson]),
    );
    expect(d.server.byReference.size).toBe(SERVER_HAS_IT[point] ? 4 : 0);
    // The observer never heard of results that were not committed.
    expect(d.events.some((e) => e.type === 'rows-applied')).toBe(false);
  });

  it('seed: after the restart and more syncs, the rows stay stranded in syncing', async () => {
    const { d } = await crashInSync(SEED_POLICY, point);
    d.restart();
    await d.start(true);
    await d.core.sync.syncNow();
    await d.clock.advance(3_600_000);
    await d.core.sync.syncNow();
    expect(await d.stats()).toEqual({ pending: 0, syncing: 4, synced: 0, failed: 0, total: 4 });
    expect(d.server.byReference.size).toBe(SERVER_HAS_IT[point] ? 4 : 0);
  });

  it('hardened: start-up recovery and a sync end with every row synced, exactly once on the server', async () => {
    const { d, before } = await crashInSync(HARDENED_POLICY, point);
    d.restart();
    await d.startAndRecover();
    await d.core.sync.syncNow();
    expect(await d.stats()).toEqual({ pending: 0, syncing: 0, synced: 4, failed: 0, total: 4 });
    expect(d.core.database.integrityCheck()).toBe('ok');
    const rows = await d.rows();
    for (const row of rows) {
      const stored = d.server.byReference.get(row.offlineReference);
      expect(stored?.transaction.offline_id).toBe(row.offlineId);
      expect(row.serverId).toBe(stored?.serverId);
      expect(d.server.inserts.get(row.offlineReference)).toBe(1);
    }
    expect(d.server.byReference.size).toBe(before.length);
    const outcomes = d.events.flatMap((e) => (e.type === 'rows-applied' ? e.outcomes : []));
    expect(outcomes).toHaveLength(4);
    expect(outcomes.every((o) => o.duplicate === SERVER_HAS_IT[point])).toBe(true);
  });
});

describe('a request the dead app sent, still on its way when the app restarts', () => {
  it('hardened: the restarted app does not resend its rows until the request timeout has passed', async () => {
    const d = createDevice(dir, { policy: HARDENED_POLICY });
    await d.start(false);
    await d.sales(4);
    // The request is held before the server; the app dies once it is sent.
    d.transport.hold();
    d.armCrash('after-send');
    d.core.sync.onConnectivityChanged(true);
    await settle();
    expect(d.crashed).toBe(true);
    d.restart();
    await d.start(true);
    // A resend now would race the first request at the server (a check-then-insert backend stores both).
    expect(d.transport.bodies).toHaveLength(1);
    expect(await d.stats()).toMatchObject({ syncing: 4 });
    d.transport.release();
    await settle();
    expect(d.server.byReference.size).toBe(4);
    await d.clock.advance(DEFAULT_REQUEST_TIMEOUT_MS);
    await settle();
    expect(d.transport.bodies).toHaveLength(2);
    expect(await d.stats()).toMatchObject({ syncing: 0, synced: 4 });
    expect([...d.server.inserts.values()]).toEqual([1, 1, 1, 1]);
  });
});

describe('mid-apply', () => {
  it('rolls back a one-row batch too', async () => {
    const { d } = await crashInSync(SEED_POLICY, 'mid-apply', 1);
    expect(statusesOnDisk(d.file)).toEqual(['syncing']);
  });

  it('rolls back every row of a large batch (one statement, then the crash)', async () => {
    const { d } = await crashInSync(HARDENED_POLICY, 'mid-apply', 100);
    expect(new Set(statusesOnDisk(d.file))).toEqual(new Set(['syncing']));
    d.restart();
    await d.startAndRecover();
    expect(await d.stats()).toMatchObject({ synced: 100 });
  });

  it('a second crash during the recovery sync still converges under hardened', async () => {
    const { d } = await crashInSync(HARDENED_POLICY, 'after-send');
    d.restart();
    d.armCrash('mid-apply');
    await d.startAndRecover();
    expect(d.crashed).toBe(true);
    d.restart();
    await d.startAndRecover();
    expect(await d.stats()).toMatchObject({ synced: 4 });
    expect([...d.server.inserts.values()]).toEqual([1, 1, 1, 1]);
  });
});
