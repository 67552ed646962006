/**
 * Every policy switch on its own: start from a preset, flip one switch with resolvePolicy, and show the
 * behaviour that switch (and only it) changes.
 */
import { describe, expect, it } from 'vitest';
import {
  type Backoff,
  backoffDelay,
  HARDENED_POLICY,
  POLICY_PRESETS,
  presetPolicy,
  resolvePolicy,
  SEED_POLICY,
  type SyncPolicy,
} from '../../src/core/policy.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, TransportError } from '../../src/core/ports.ts';
import { createDevice, EPOCH, failures, makeSale, settle, type TestDevice, useTempDir } from './helpers.ts';

const dir = useTempDir();

function device(policy: SyncPolicy): TestDevice {
  return createDevice(dir, { policy });
}

function requestSizes(d: TestDevice): number[] {
  return d.transport.sentRequests.map((request) => request.transactions.length);
}

/** Sales made offline, then the device comes online (start-up sync on a stale TTL). */
async function offlineBacklog(d: TestDevice, count: number): Promise<void> {
  await d.start(false);
  await d.sales(count);
}

describe('presets', () => {
  it('resolvePolicy starts from a preset, flips only the named switches and freezes the result', () => {
    expect(POLICY_PRESETS).toEqual(['seed', 'hardened']);
    expect(presetPolicy('seed')).toBe(SEED_POLICY);
    expect(resolvePolicy('hardened')).toEqual(HARDENED_POLICY);
    const flipped = resolvePolicy('seed', { maxBatchSize: 50 });
    expect(flipped).toEqual({ ...SEED_POLICY, maxBatchSize: 50 });
    expect(Object.isFrozen(flipped)).toBe(true);
    expect(SEED_POLICY.maxBatchSize).toBeNull();
  });

  it('seed is the spec and hardened turns every fix on', () => {
    expect(SEED_POLICY).toMatchObject({
      onTransportError: 'leave-syncing',
      onMissingResult: 'leave-syncing',
      syncingLeaseMs: null,
      recoverSyncingOnStart: false,
      retryBackoff: null,
      referenceFormat: 'device-ms',
      ttlClock: 'wall',
      maxBatchSize: null,
      shrinkBatchOn413: false,
      concurrency: 'unguarded',
      atomicClaim: false,
      honourRetryAfter: false,
      isolateRejectedRows: false,
      syncTtlMs: 120_000,
      syncAfterSale: true,
    });
    for (const key of Object.keys(SEED_POLICY) as (keyof SyncPolicy)[]) {
      if (key === 'syncTtlMs' || key === 'syncAfterSale')
        expect(HARDENED_POLICY[key]).toEqual(SEED_POLICY[key]);
      else expect(HARDENED_POLICY[key], key).not.toEqual(SEED_POLICY[key]);
    }
  });
});

describe('onTransportError', () => {
  it('leave-syncing (seed): the run throws the TransportError and the claimed rows stay syncing', async () => {
    const d = device(SEED_POLICY);
    await d.sales(2);
    d.transport.failNext(failures.reset());
    await expect(d.syncOnce()).rejects.toBeInstanceOf(TransportError);
    expect(await d.stats()).toMatchObject({ syncing: 2, pending: 0 });
  });

  it('release: the run reports the failure and the rows go back to pending with the error', async () => {
    const d = device(resolvePolicy('seed', { onTransportError: 'release' }));
    const rows = await d.sales(2);
    d.transport.failNext(failures.reset());
    const report = await d.syncOnce();
    expect(report).toMatchObject({ sent: 2, synced: 0, requests: 1, failure: { kind: 'reset' } });
    expect((await d.rows()).map((r) => [r.syncStatus, r.lastError, r.syncAttempts])).toEqual([
      ['pending', 'connection reset: ECONNRESET', 1],
      ['pending', 'connection reset: ECONNRESET', 1],
    ]);
    expect(d.events).toContainEqual({
      type: 'rows-released',
      rowIds: rows.map((r) => r.id),
      offlineIds: rows.map((r) => r.offlineId),
      reason: 'transport-error',
    });
    expect(await d.syncOnce()).toMatchObject({ synced: 2, failure: null });
  });
});

describe('onMissingResult', () => {
  function dropSecondResult(d: TestDevice): void {
    d.transport.reshape = (results) => ({
      success: true,
      data: { results: results.filter((_, i) => i !== 1) },
    });
  }

  it('leave-syncing (seed): a row the response leaves out stays syncing; the run counts as a success', async () => {
    const d = device(SEED_POLICY);
    await d.sales(3);
    dropSecondResult(d);
    expect(await d.syncOnce()).toMatchObject({ synced: 2, failure: null });
    expect((await d.rows()).map((r) => r.syncStatus)).toEqual(['synced', 'syncing', 'synced']);
    // The answer broke the contract all the same: the harness counts it as a protocol error, not as ok.
    expect(d.events.filter((e) => e.type === 'batch-incomplete')).toEqual([
      { type: 'batch-incomplete', batchId: 1, status: 200, missing: 1 },
    ]);
  });

  it('release: the row goes back to pending, the run ends as a protocol failure, and the next run sends it', async () => {
    const d = device(resolvePolicy('seed', { onMissingResult: 'release' }));
    await d.sales(3);
    dropSecondResult(d);
    expect(await d.syncOnce()).toMatchObject({
      synced: 2,
      failure: { kind: 'protocol', detail: '1 of 3 rows missing from the response' },
    });
    expect((await d.rows()).map((r) => [r.syncStatus, r.lastError])).toEqual([
      ['synced', null],
      ['pending', 'not in the response'],
      ['synced', null],
    ]);
    d.transport.reshape = null;
    expect(await d.syncOnce()).toMatchObject({ synced: 1, sent: 1 });
    expect(d.server.timesReceived((await d.rows())[1]!.offlineReference)).toBe(2);
  });
});

describe('syncingLeaseMs', () => {
  async function strand(d: TestDevice): Promise<void> {
    await d.sales(2);
    d.transport.failNext(failures.timeout());
    await expect(d.syncOnce()).rejects.toBeInstanceOf(TransportError);
    expect((await d.stats()).syncing).toBe(2);
  }

  it('null (seed): stranded syncing rows are never read again', async () => {
    const d = device(SEED_POLICY);
    await strand(d);
    await d.clock.advance(24 * 3_600_000);
    expect(await d.syncOnce()).toMatchObject({ sent: 0 });
    expect((await d.stats()).syncing).toBe(2);
  });

  it('a lease: rows syncing longer than it go back to pending at the next run and are sent', async () => {
    const d = device(resolvePolicy('seed', { syncingLeaseMs: 60_000 }));
    await strand(d);
    await d.clock.advance(59_000);
    expect(await d.syncOnce()).toMatchObject({ sent: 0 });
    expect((await d.stats()).syncing).toBe(2);
    await d.clock.advance(1_000);
    expect(await d.syncOnce()).toMatchObject({ sent: 2, synced: 2 });
    expect(d.events.some((e) => e.type === 'rows-released' && e.reason === 'lease-expired')).toBe(true);
  });
});

describe('recoverSyncingOnStart', () => {
  async function strandAndRestart(d: TestDevice): Promise<void> {
    await d.sales(2);
    d.transport.failNext(failures.reset());
    await expect(d.syncOnce()).rejects.toBeInstanceOf(TransportError);
    d.restart();
    await d.start(true);
  }

  it('false (seed): rows syncing when the app died stay syncing after the restart', async () => {
    const d = device(SEED_POLICY);
    await strandAndRestart(d);
    expect(await d.stats()).toMatchObject({ syncing: 2, synced: 0 });
  });

  it("true: once the dead app's request can no longer be answered, start-up puts them back and syncs them", async () => {
    const d = device(resolvePolicy('seed', { recoverSyncingOnStart: true }));
    await strandAndRestart(d);
    // Claimed the moment before the crash: the request could still be at the server, and a resend now could
    // race it there. They wait out the request timeout.
    expect(await d.stats()).toMatchObject({ syncing: 2, synced: 0 });
    await d.clock.advance(DEFAULT_REQUEST_TIMEOUT_MS - 1);
    expect(await d.stats()).toMatchObject({ syncing: 2, synced: 0 });
    await d.clock.advance(1);
    await settle();
    expect(await d.stats()).toMatchObject({ syncing: 0, synced: 2 });
    expect(d.events.some((e) => e.type === 'rows-released' && e.reason === 'startup')).toBe(true);
  });

  it('true: the wait is on the new process own clock, whatever the device clock did around the crash', async () => {
    for (const jumpMs of [-3_600_000, 3_600_000]) {
      const d = createDevice(dir, { policy: HARDENED_POLICY, file: dir.file(`jump${jumpMs}.sqlite`) });
      await d.sales(2);
      d.transport.failNext(failures.reset());
      d.armCrash('after-send');
      await d.syncOnce().catch(() => {});
      d.restart();
      // The wall clock jumps an hour (claims then read as far in the past, or in the future).
      d.clock.shiftWall(jumpMs);
      await d.start(true);
      await d.core.sync.syncNow();
      expect(await d.stats(), `jump ${jumpMs}`).toMatchObject({ syncing: 2, synced: 0 });
      await d.clock.advance(DEFAULT_REQUEST_TIMEOUT_MS);
      await settle();
      expect(await d.stats(), `jump ${jumpMs}`).toMatchObject({ syncing: 0, synced: 2 });
    }
  });
});

describe('retryBackoff', () => {
  const backoff: Backoff = { baseMs: 1_000, maxMs: 10_000, jitter: 'none' };

  it('backoffDelay: exponential from baseMs, capped at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 30].map((attempt) => backoffDelay(backoff, attempt, 0.5))).toEqual([
      1_000, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('backoffDelay: full jitter draws uniformly in [0, delay)', () => {
    const full: Backoff = { ...backoff, jitter: 'full' };
    expect(backoffDelay(full, 3, 0)).toBe(0);
    expect(backoffDelay(full, 3, 0.5)).toBe(2_000);
    expect(backoffDelay(full, 3, 0.999_999)).toBe(3_999);
    expect(backoffDelay(full, 9, 0.25)).toBe(2_500);
  });

  it('backoffDelay: a Retry-After is a floor, never a cap', () => {
    expect(backoffDelay(backoff, 1, 0.5, 30_000)).toBe(30_000);
    expect(backoffDelay(backoff, 4, 0.5, 500)).toBe(8_000);
    expect(backoffDelay({ ...backoff, jitter: 'full' }, 4, 0, 500)).toBe(500);
  });

  it('a backoff: a failed run retries by itself after the delay, growing per consecutive failure', async () => {
    const d = device(resolvePolicy('hardened', { retryBackoff: backoff }));
    await d.start(true);
    d.transport.failNext(failures.reset(), 'before-server', 2);
    await d.sale(1);
    await settle();
    expect(d.transport.bodies).toHaveLength(1);
    await d.clock.advance(999);
    expect(d.transport.bodies).toHaveLength(1);
    await d.clock.advance(1);
    expect(d.transport.bodies).toHaveLength(2);
    await d.clock.advance(1_999);
    expect(d.transport.bodies).toHaveLength(2);
    expect((await d.stats()).pending).toBe(1);
    await d.clock.advance(1);
    expect(d.transport.bodies).toHaveLength(3);
    expect(await d.stats()).toMatchObject({ pending: 0, synced: 1 });
  });

  it('one retry timer at a time: a second failure before it fires does not push the retry later', async () => {
    const d = device(
      resolvePolicy('hardened', { retryBackoff: { baseMs: 10_000, maxMs: 60_000, jitter: 'none' } }),
    );
    await d.start(true);
    d.transport.failNext(failures.reset(), 'before-server', 2);
    await d.sale(1);
    await d.clock.advance(1_000);
    await d.core.sync.syncNow();
    expect(d.transport.bodies).toHaveLength(2);
    // The first failure asked for a retry at 10 s, the second for one at 21 s: the earlier one wins.
    await d.clock.advance(9_000);
    expect(d.transport.bodies).toHaveLength(3);
    expect(await d.stats()).toMatchObject({ synced: 1 });
  });

  it('null: a failed run waits for the next trigger', async () => {
    const d = device(resolvePolicy('hardened', { retryBackoff: null }));
    await d.start(true);
    d.transport.failNext(failures.reset());
    await d.sale(1);
    await d.clock.advance(3_600_000);
    expect(d.transport.bodies).toHaveLength(1);
    expect(await d.stats()).toMatchObject({ pending: 1, synced: 0 });
  });

  it('a transport error that leaves rows syncing (seed) still schedules the retry for later sales', async () => {
    const d = device(resolvePolicy('seed', { retryBackoff: backoff }));
    await d.start(true);
    d.transport.failNext(failures.reset());
    await d.sale(1);
    d.core.sync.onConnectivityChanged(false);
    d.clock.shiftWall(1);
    await d.sale(2);
    d.core.sync.onConnectivityChanged(true);
    await d.clock.advance(1_000);
    expect(await d.stats()).toMatchObject({ syncing: 1, synced: 1 });
  });
});

describe('referenceFormat', () => {
  it('device-ms (seed): two sales in one millisecond collide', async () => {
    const d = device(SEED_POLICY);
    await d.core.store.createTransaction(makeSale(1));
    await expect(d.core.store.createTransaction(makeSale(2))).rejects.toMatchObject({
      code: 'SYNCSIM_ERR_REFERENCE_COLLISION',
    });
  });

  it('device-ms-seq: the same millisecond gives distinct references', async () => {
    const d = device(resolvePolicy('seed', { referenceFormat: 'device-ms-seq' }));
    const a = await d.sale(1);
    const b = await d.sale(2);
    expect([a.offlineReference, b.offlineReference]).toEqual([
      `DEVICE001-${EPOCH}-1`,
      `DEVICE001-${EPOCH}-2`,
    ]);
  });
});

describe('ttlClock', () => {
  async function syncedThenRolledBack(d: TestDevice): Promise<void> {
    await d.start(true);
    expect(d.runs).toHaveLength(1);
    d.core.sync.onConnectivityChanged(false);
    await d.sales(1);
    d.clock.shiftWall(-3_600_000);
    await d.clock.advance(3 * 60_000);
    d.core.sync.onConnectivityChanged(true);
    await settle();
  }

  it('wall (seed): after the clock went back an hour, the last sync looks recent and no sync runs', async () => {
    const d = device(SEED_POLICY);
    await syncedThenRolledBack(d);
    expect(d.runs).toHaveLength(1);
    expect((await d.stats()).pending).toBe(1);
  });

  it('monotonic: three minutes passed, so the connectivity change syncs', async () => {
    const d = device(resolvePolicy('seed', { ttlClock: 'monotonic' }));
    await syncedThenRolledBack(d);
    expect(d.runs).toHaveLength(2);
    expect((await d.stats()).synced).toBe(1);
  });
});

describe('maxBatchSize', () => {
  it('null (seed): the whole backlog goes in one request', async () => {
    const d = device(SEED_POLICY);
    await d.sales(7);
    expect(await d.syncOnce()).toMatchObject({ synced: 7, requests: 1 });
    expect(requestSizes(d)).toEqual([7]);
  });

  it('a bound: one run drains the backlog in batches of at most that many rows', async () => {
    const d = device(resolvePolicy('seed', { maxBatchSize: 3 }));
    await d.sales(7);
    expect(await d.syncOnce()).toMatchObject({ synced: 7, requests: 3 });
    expect(requestSizes(d)).toEqual([3, 3, 1]);
  });
});

describe('shrinkBatchOn413', () => {
  it('true (hardened): on 413 the batch is halved until it fits, and the run drains everything', async () => {
    const d = device(HARDENED_POLICY);
    await d.sales(10);
    d.transport.maxRows = 4;
    expect(await d.syncOnce()).toMatchObject({ synced: 10, failure: null });
    expect(requestSizes(d)).toEqual([10, 5, 3, 3, 3, 1]);
  });

  it('false: every run gets 413 for the same batch and nothing syncs', async () => {
    const d = device(resolvePolicy('hardened', { shrinkBatchOn413: false }));
    await offlineBacklog(d, 10);
    d.transport.maxRows = 4;
    d.core.sync.onConnectivityChanged(true);
    await d.clock.advance(30 * 60_000);
    expect(await d.stats()).toMatchObject({ pending: 10, synced: 0 });
    expect(new Set(requestSizes(d))).toEqual(new Set([10]));
    expect(d.transport.bodies.length).toBeGreaterThan(3);
  });

  it('true on its own (seed): the unbounded batch is halved on 413 instead of stranding every row', async () => {
    const d = device(resolvePolicy('seed', { shrinkBatchOn413: true }));
    await d.sales(10);
    d.transport.maxRows = 4;
    expect(await d.syncOnce()).toMatchObject({ synced: 10, failure: null });
    expect(await d.stats()).toMatchObject({ synced: 10, syncing: 0 });
  });

  it('with maxBatchSize null (hardened): the run keeps going after a shrunk batch until the backlog is drained', async () => {
    const d = device(resolvePolicy('hardened', { maxBatchSize: null }));
    await d.sales(10);
    d.transport.maxRows = 4;
    expect(await d.syncOnce()).toMatchObject({ synced: 10, failure: null });
    expect(requestSizes(d)).toEqual([10, 5, 3, 3, 3, 1]);
  });
});

describe('shrinkBatchOnTimeout', () => {
  /** Ten sales; the backend stores any batch but answers one of more than four rows too late. */
  async function slowBackend(policy: SyncPolicy): Promise<TestDevice> {
    const d = device(policy);
    await d.sales(10);
    d.transport.slowAbove = 4;
    return d;
  }

  it("true (hardened): each timeout halves the next runs' batches until they are answered in time", async () => {
    const d = await slowBackend(resolvePolicy('hardened', { maxBatchSize: 10 }));
    for (let run = 0; run < 4; run++) await d.syncOnce();
    expect(await d.stats()).toMatchObject({ synced: 10, pending: 0, syncing: 0 });
    // 10 and 5 time out (stored all the same), then 3 per request; the answers say the rows are in.
    expect(requestSizes(d)).toEqual([10, 5, 3, 3, 3, 1]);
    expect([...d.server.inserts.values()].every((n) => n === 1)).toBe(true);
  });

  it('true: after answered requests the batch grows back to maxBatchSize', async () => {
    const d = await slowBackend(resolvePolicy('hardened', { maxBatchSize: 10 }));
    for (let run = 0; run < 4; run++) await d.syncOnce();
    d.transport.slowAbove = null;
    for (let round = 0; round < 8; round++) {
      await d.sales(10, 100 + round * 10);
      await d.syncOnce();
    }
    expect(requestSizes(d).at(-1)).toBe(10);
  });

  it('false: the same batch times out in every run, and nothing is ever answered', async () => {
    const d = await slowBackend(resolvePolicy('hardened', { maxBatchSize: 10, shrinkBatchOnTimeout: false }));
    for (let run = 0; run < 4; run++) await d.syncOnce();
    expect(await d.stats()).toMatchObject({ synced: 0, pending: 10 });
    expect(requestSizes(d)).toEqual([10, 10, 10, 10]);
  });
});

describe('concurrency', () => {
  /** Three connectivity events at once (real plugins fire several per change). */
  async function connectivityBurst(d: TestDevice): Promise<void> {
    await offlineBacklog(d, 3);
    for (let i = 0; i < 3; i++) d.core.sync.onConnectivityChanged(true);
    await settle();
  }

  /** A sale while a run is in flight (held at the transport), then the run ends. */
  async function saleDuringRun(d: TestDevice): Promise<void> {
    await d.start(true);
    d.transport.hold();
    await d.sale(1);
    await settle();
    expect(d.transport.inFlight).toBe(1);
    d.clock.shiftWall(1);
    await d.sale(2);
    await settle();
    d.transport.release();
    await settle();
  }

  it('unguarded (seed): each event starts its own run and every run sends the same rows', async () => {
    const d = device(SEED_POLICY);
    await connectivityBurst(d);
    expect(requestSizes(d)).toEqual([3, 3, 3]);
    expect(d.runs.filter((r) => r.reason === 'connectivity')).toHaveLength(3);
    expect(await d.stats()).toMatchObject({ synced: 3 });
  });

  it('busy-flag: one run for the burst, but a sale during a run is never synced (lost wake-up)', async () => {
    const d = device(resolvePolicy('seed', { concurrency: 'busy-flag' }));
    await connectivityBurst(d);
    expect(requestSizes(d)).toEqual([3]);
    const e = createDevice(dir, {
      policy: resolvePolicy('seed', { concurrency: 'busy-flag' }),
      file: dir.file('e.sqlite'),
    });
    await saleDuringRun(e);
    expect(await e.stats()).toMatchObject({ synced: 1, pending: 1 });
    expect(e.transport.bodies).toHaveLength(1);
  });

  it('single-flight: one run for the burst, and a sale during a run makes it run again', async () => {
    const policy = resolvePolicy('seed', { concurrency: 'single-flight' });
    const d = device(policy);
    await connectivityBurst(d);
    expect(requestSizes(d)).toEqual([3]);
    const e = createDevice(dir, { policy, file: dir.file('e.sqlite') });
    await saleDuringRun(e);
    expect(await e.stats()).toMatchObject({ synced: 2, pending: 0 });
    expect(requestSizes(e)).toEqual([1, 1]);
  });
});

describe('single-flight wake-ups', () => {
  it('a sale in the last microtasks of a run, after it checked its "run again" flag, still gets synced', async () => {
    for (let depth = 0; depth < 40; depth++) {
      const d = createDevice(dir, { policy: HARDENED_POLICY, file: dir.file(`depth-${depth}.sqlite`) });
      await d.start(true);
      let armed = true;
      d.onEvent = (event) => {
        if (event.type !== 'rows-applied' || !armed) return;
        armed = false;
        let chain = Promise.resolve();
        for (let i = 0; i < depth; i++) chain = chain.then(() => {});
        void chain.then(() => d.sale(2));
      };
      await d.sale(1);
      await settle();
      expect(await d.stats(), `sale ${depth} microtasks after the results were applied`).toMatchObject({
        pending: 0,
        synced: 2,
      });
    }
  });
});

describe('atomicClaim', () => {
  async function burst(d: TestDevice): Promise<void> {
    await offlineBacklog(d, 3);
    for (let i = 0; i < 3; i++) d.core.sync.onConnectivityChanged(true);
    await settle();
  }

  it('false (seed): concurrent runs each mark the same rows syncing and send them', async () => {
    const d = device(SEED_POLICY);
    await burst(d);
    expect(requestSizes(d)).toEqual([3, 3, 3]);
  });

  it('true: one conditional UPDATE per claim, so concurrent runs claim disjoint rows and each row is sent once', async () => {
    const d = device(resolvePolicy('seed', { atomicClaim: true }));
    await burst(d);
    expect(requestSizes(d)).toEqual([3]);
    expect(await d.stats()).toMatchObject({ synced: 3 });
    expect((await d.rows()).every((r) => r.syncAttempts === 1)).toBe(true);
  });
});

describe('honourRetryAfter', () => {
  async function throttled(d: TestDevice): Promise<void> {
    await d.start(true);
    d.transport.failNext(failures.http(429, 30_000, 'slow down'));
    await d.sale(1);
    await d.clock.advance(10_000);
  }

  it('true (hardened): no request before the Retry-After has passed, then the retry syncs', async () => {
    const d = device(HARDENED_POLICY);
    await throttled(d);
    expect(await d.core.sync.syncNow()).toBeNull();
    expect(d.transport.bodies).toHaveLength(1);
    await d.clock.advance(19_999);
    expect(d.transport.bodies).toHaveLength(1);
    await d.clock.advance(1);
    expect(d.transport.bodies).toHaveLength(2);
    expect(await d.stats()).toMatchObject({ synced: 1 });
  });

  it('false: the jittered backoff retries well before the Retry-After', async () => {
    const d = device(resolvePolicy('hardened', { honourRetryAfter: false }));
    await throttled(d);
    expect(d.transport.bodies).toHaveLength(2);
    expect(await d.stats()).toMatchObject({ synced: 1 });
  });

  it('true on its own (seed): a 429 that strands rows still holds back the next request', async () => {
    const d = device(resolvePolicy('seed', { honourRetryAfter: true }));
    await throttled(d);
    d.clock.shiftWall(1);
    await d.sale(2);
    await settle();
    expect(d.transport.bodies).toHaveLength(1);
  });
});

describe('isolateRejectedRows', () => {
  async function poisonBatch(d: TestDevice): Promise<string> {
    const rows = await d.sales(5);
    const poison = rows[3]!.offlineReference;
    d.transport.poison.add(poison);
    return poison;
  }

  it('true (hardened): the batch is split until the rejected row is alone; it fails with the reason, the rest sync', async () => {
    const d = device(HARDENED_POLICY);
    const poison = await poisonBatch(d);
    expect(await d.syncOnce()).toMatchObject({ synced: 4, failed: 1, failure: null });
    const rows = await d.rows();
    expect(rows.map((r) => r.syncStatus)).toEqual(['synced', 'synced', 'synced', 'failed', 'synced']);
    expect(rows[3]!.lastError).toBe(`rejected: HTTP 400: transactions: ${poison} has an unknown product`);
    expect(d.server.byReference.has(poison)).toBe(false);
    expect(d.server.byReference.size).toBe(4);
    expect(d.events.filter((e) => e.type === 'batch-split').length).toBeGreaterThan(0);
  });

  it('true: a 422 is isolated the same way', async () => {
    const d = device(HARDENED_POLICY);
    const poison = await poisonBatch(d);
    d.transport.poisonStatus = 422;
    expect(await d.syncOnce()).toMatchObject({ synced: 4, failed: 1, failure: null });
    expect(
      (await d.core.store.listTransactions({ status: 'failed' })).map((r) => r.offlineReference),
    ).toEqual([poison]);
  });

  it('true: a transport error while isolating puts back the half not yet sent as well', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(4);
    d.transport.poison.add(rows[3]!.offlineReference);
    d.transport.passNext(1);
    d.transport.failNext(failures.reset());
    expect(await d.syncOnce()).toMatchObject({ synced: 0, failure: { kind: 'reset' } });
    expect(requestSizes(d)).toEqual([4, 2]);
    expect(await d.stats()).toMatchObject({ pending: 4, syncing: 0 });
  });

  it('true: a row too large on its own (413 for a batch of one) fails with the reason; the rows after it sync', async () => {
    const d = device(HARDENED_POLICY);
    const rows = await d.sales(6);
    const huge = rows[2]!.offlineReference;
    d.transport.oversize.add(huge);
    expect(await d.syncOnce()).toMatchObject({ synced: 5, failed: 1, failure: null });
    const after = await d.rows();
    expect(after.map((r) => r.syncStatus)).toEqual([
      'synced',
      'synced',
      'failed',
      'synced',
      'synced',
      'synced',
    ]);
    expect(after[2]!.lastError).toBe('rejected: HTTP 413: payload too large');
    expect(d.server.byReference.has(huge)).toBe(false);
    // The next sales are not held back by it either.
    await d.sales(2);
    expect(await d.syncOnce()).toMatchObject({ synced: 2, failed: 0, failure: null });
  });

  it('false: a row too large on its own is released at the head of every batch, and every row after it waits', async () => {
    const d = device(resolvePolicy('hardened', { isolateRejectedRows: false }));
    const rows = await d.sales(6);
    d.transport.oversize.add(rows[0]!.offlineReference);
    expect(await d.syncOnce()).toMatchObject({ synced: 0, failure: { kind: 'http', status: 413 } });
    expect(await d.syncOnce()).toMatchObject({ synced: 0, failure: { kind: 'http', status: 413 } });
    expect(await d.stats()).toMatchObject({ pending: 6, synced: 0 });
  });

  it('false: the whole batch shares the fate of the one bad row', async () => {
    const d = device(resolvePolicy('hardened', { isolateRejectedRows: false }));
    await poisonBatch(d);
    expect(await d.syncOnce()).toMatchObject({ synced: 0, failure: { kind: 'http', status: 400 } });
    expect(await d.stats()).toMatchObject({ pending: 5, synced: 0 });
    expect(d.server.byReference.size).toBe(0);
  });
});

describe('syncTtlMs', () => {
  async function lastSyncThen(d: TestDevice, waitMs: number): Promise<number> {
    await d.start(true);
    d.core.sync.onConnectivityChanged(false);
    await d.clock.advance(waitMs);
    d.core.sync.onConnectivityChanged(true);
    await settle();
    return d.runs.length;
  }

  it('2 minutes (default): a connectivity change within the TTL does not sync, one after it does', async () => {
    expect(await lastSyncThen(device(SEED_POLICY), 120_000)).toBe(1);
    const later = createDevice(dir, { policy: SEED_POLICY, file: dir.file('later.sqlite') });
    expect(await lastSyncThen(later, 120_001)).toBe(2);
  });

  it('10 minutes: three minutes after the last sync is still fresh', async () => {
    expect(await lastSyncThen(device(resolvePolicy('seed', { syncTtlMs: 600_000 })), 180_000)).toBe(1);
  });

  it('the manual sync ignores the TTL', async () => {
    const d = device(SEED_POLICY);
    await d.start(true);
    await d.sales(1);
    expect(await d.core.sync.syncNow()).toMatchObject({ synced: 1 });
  });
});

describe('syncAfterSale', () => {
  it('true (seed): a sale made online is synced at once', async () => {
    const d = device(SEED_POLICY);
    await d.start(true);
    await d.sale(1);
    await settle();
    expect(await d.stats()).toMatchObject({ synced: 1 });
  });

  it('false: the sale waits for the next trigger; offline sales never trigger', async () => {
    const d = device(resolvePolicy('seed', { syncAfterSale: false }));
    await d.start(true);
    await d.sale(1);
    await settle();
    expect(await d.stats()).toMatchObject({ pending: 1 });
    expect(d.transport.bodies).toHaveLength(0);
    const e = createDevice(dir, { policy: SEED_POLICY, file: dir.file('offline.sqlite') });
    await e.start(false);
    await e.sale(1);
    await settle();
    expect(e.transport.bodies).toHaveLength(0);
  });
});
