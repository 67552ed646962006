/**
 * The wall clock of real-time runs. setTimeout keeps at most 2^31 - 1 ms and fires anything longer after 1 ms
 * (with a TimeoutOverflowWarning): a long wait (a server's Retry-After of days, scaled by the speed) must wait,
 * not spin.
 */
import { describe, expect, it } from 'vitest';
import { createRealClock } from '../../src/core/real-clock.ts';

describe('createRealClock', () => {
  it('a wait longer than setTimeout can hold does not fire early', async () => {
    // At a millionth of real speed, 3 s of clock time is 3e9 ms of wall time: past setTimeout's limit.
    const clock = createRealClock(1e-6);
    let fired = false;
    void clock.sleep(3_000).then(() => {
      fired = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fired).toBe(false);
    clock.dispose();
  });

  it('a short wait fires, and a cancelled one does not', async () => {
    const clock = createRealClock(1);
    let cancelledFired = false;
    const cancel = clock.schedule(5, () => {
      cancelledFired = true;
    });
    cancel();
    await clock.sleep(20);
    expect(cancelledFired).toBe(false);
    clock.dispose();
  });
});
