/** The test doubles themselves: a wrong clock or server model would make every other test prove nothing. */
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/core/ports.ts';
import type { BatchSyncRequest, SyncTransaction } from '../../src/core/protocol.ts';
import { EPOCH, failures, ManualClock, ScriptedTransport } from './helpers.ts';

function requestBody(references: readonly string[]): string {
  const transactions: SyncTransaction[] = references.map((reference, i) => ({
    offline_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    offline_reference: reference,
    device_id: 'D1',
    branch_code: 'B1',
    id_user_apps: 1,
    grand_total: 10.5,
    subtotal: 10.5,
    discount_total: 0,
    tax_total: 0,
    status: 'completed',
    payment_status: 'paid',
    payment_method: 'CASH',
    created_at_device: new Date(EPOCH).toISOString(),
    items: [],
  }));
  const request: BatchSyncRequest = {
    transactions,
    device_id: 'D1',
    synced_at: new Date(EPOCH).toISOString(),
  };
  return JSON.stringify(request);
}

async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransportError) return error.failure.kind;
    throw error;
  }
  return 'none';
}

describe('ManualClock', () => {
  it('wakes due sleeps in time order, then call order, with the clock at each wake time', async () => {
    const clock = new ManualClock();
    const woke: string[] = [];
    const sleep = (ms: number, name: string) =>
      void clock.sleep(ms).then(() => woke.push(`${name}@${clock.monotonic()}`));
    sleep(300, 'c');
    sleep(100, 'a');
    sleep(100, 'b');
    sleep(1_000, 'late');
    await clock.advance(500);
    expect(woke).toEqual(['a@100', 'b@100', 'c@300']);
    expect(clock.monotonic()).toBe(500);
    expect(clock.pendingSleeps).toBe(1);
  });

  it('wakes a sleep started by a woken continuation within the same advance', async () => {
    const clock = new ManualClock();
    const woke: number[] = [];
    void clock
      .sleep(100)
      .then(() => clock.sleep(100))
      .then(() => woke.push(clock.monotonic()));
    await clock.advance(250);
    expect(woke).toEqual([200]);
  });

  it('moves the wall clock with monotonic time, and lets it be set back on its own', async () => {
    const clock = new ManualClock();
    await clock.advance(1_000);
    expect(clock.now()).toBe(EPOCH + 1_000);
    clock.shiftWall(-60_000);
    expect([clock.now(), clock.monotonic()]).toEqual([EPOCH - 59_000, 1_000]);
    clock.setWall(EPOCH);
    await clock.advance(5);
    expect([clock.now(), clock.monotonic()]).toEqual([EPOCH + 5, 1_005]);
  });
});

describe('ScriptedTransport and ServerModel', () => {
  it('de-duplicates by offline_reference and answers in the protocol shape', async () => {
    const transport = new ScriptedTransport();
    const first = JSON.parse((await transport.postBatch(requestBody(['R1', 'R2']))).body);
    const second = JSON.parse((await transport.postBatch(requestBody(['R2', 'R3']))).body);
    expect(
      first.data.results.map((r: { server_id: number; duplicate: boolean }) => [r.server_id, r.duplicate]),
    ).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(second.data.results[0]).toMatchObject({
      offline_reference: 'R2',
      success: true,
      duplicate: true,
      server_id: 2,
    });
    expect([...transport.server.byReference.keys()]).toEqual(['R1', 'R2', 'R3']);
    expect(transport.server.timesReceived('R2')).toBe(2);
    expect(transport.server.inserts.get('R2')).toBe(1);
  });

  it('fails before the server (nothing stored) or after it (stored, answer lost), in script order', async () => {
    const transport = new ScriptedTransport();
    transport.failNext(failures.reset(), 'before-server');
    transport.passNext();
    transport.failNext(failures.timeout(), 'after-server');
    expect(await failureOf(transport.postBatch(requestBody(['A'])))).toBe('reset');
    expect(transport.server.byReference.has('A')).toBe(false);
    expect(await failureOf(transport.postBatch(requestBody(['B'])))).toBe('none');
    expect(await failureOf(transport.postBatch(requestBody(['C'])))).toBe('timeout');
    expect(transport.server.byReference.has('C')).toBe(true);
    expect(transport.fired).toEqual({ 'before-server': 1, 'after-server': 1 });
  });

  it('rejects a request that breaks the wire schema with 400 and records why', async () => {
    const transport = new ScriptedTransport();
    const bad = JSON.parse(requestBody(['X'])) as BatchSyncRequest;
    const body = JSON.stringify({
      ...bad,
      transactions: [{ ...bad.transactions[0], offline_id: 'not-a-uuid' }],
    });
    expect(await failureOf(transport.postBatch(body))).toBe('http');
    expect(transport.server.invalid).toHaveLength(1);
    expect(transport.server.byReference.size).toBe(0);
  });

  it('holds requests until released, and takes latency on the manual clock', async () => {
    const clock = new ManualClock();
    const transport = new ScriptedTransport({ clock });
    transport.latencyMs = 200;
    let answered = false;
    void transport.postBatch(requestBody(['L'])).then(() => {
      answered = true;
    });
    await clock.advance(199);
    expect([answered, transport.inFlight]).toEqual([false, 1]);
    transport.hold();
    await clock.advance(1);
    expect(answered).toBe(false);
    transport.release();
    await clock.advance(0);
    expect([answered, transport.inFlight]).toEqual([true, 0]);
  });
});
