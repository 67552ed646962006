/**
 * What a sync holds while its request is out: the keys of the batch, not its rows. A request outlives the
 * young generation, so rows kept through it (a hundred, with their items, per request of a backlog drain)
 * were promoted; a forced full collection with the request still held proves nothing keeps them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HARDENED_POLICY, type SyncPolicy } from '../../src/core/policy.ts';
import type { TransactionLocal } from '../../src/core/transaction-local.ts';
import { createDevice, settle, type TestDevice, useTempDir } from './helpers.ts';

const dir = useTempDir();

setFlagsFromString('--expose-gc');
/** A full, synchronous collection (the flag above makes `gc` visible to a new context). */
const collectGarbage = runInNewContext('gc') as () => void;

/** Watches the rows the claim hands to the sync (the real store's own method, observed, not replaced). */
function watchClaimedRows(d: TestDevice): WeakRef<TransactionLocal>[] {
  const refs: WeakRef<TransactionLocal>[] = [];
  const store = d.core.store;
  const claimPending = store.claimPending.bind(store);
  store.claimPending = async (rows) => {
    const claimed = await claimPending(rows);
    for (const row of claimed) refs.push(new WeakRef(row));
    return claimed;
  };
  return refs;
}

async function whileRequestIsOut(
  policy: SyncPolicy,
): Promise<{ alive: number; watched: number; d: TestDevice }> {
  const d = createDevice(dir, { policy, file: dir.file('in-flight.sqlite') });
  await d.start(false);
  for (let n = 1; n <= 20; n++) {
    await d.sale(n);
    await d.clock.advance(1);
  }
  const refs = watchClaimedRows(d);
  d.transport.hold();
  const run = d.core.sync.syncNow();
  await settle();
  expect(d.transport.inFlight).toBe(1);
  collectGarbage();
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  d.transport.release();
  await run;
  return { alive, watched: refs.length, d };
}

describe('a batch while its request is out', () => {
  it('keeps none of the claimed rows alive, and the answer is still applied to every row', async () => {
    const { alive, watched, d } = await whileRequestIsOut({ ...HARDENED_POLICY, maxBatchSize: 50 });
    expect(watched).toBe(20);
    expect(alive).toBe(0);
    expect(await d.stats()).toMatchObject({ pending: 0, syncing: 0, synced: 20 });
  });
});
