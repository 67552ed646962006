/**
 * Virtual time: a discrete-event scheduler. Events run in order of (time, sequence number), and time only
 * moves on once everything started at the current instant has settled: after each callback the loop waits for
 * a `setImmediate` turn (by then every nextTick and microtask queued so far has run) and keeps waiting while
 * some task that virtual time does not drive is still busy. Hours of store time pass in seconds, and the same
 * inputs give the same event order on every run.
 *
 * Tasks (`runTask`) are for work that needs real event-loop turns to finish, such as an in-process HTTP
 * exchange. Code running inside a task waits on virtual time through `taskClock` (or `park`), which tells the
 * loop that the task is waiting for the clock rather than for the event loop, so time may advance.
 */
import type { Clock } from '../core/ports.ts';

interface ScheduledEvent {
  readonly time: number;
  readonly seq: number;
  /** Null once the event has been cancelled or dispatched. */
  callback: (() => void) | null;
}

export interface RunOptions {
  /** Stop after the last event due at or before this virtual elapsed time; time then stands at `until`. */
  readonly until?: number;
  /** Checked before each event; true stops the loop with time where it is. */
  readonly shouldStop?: () => boolean;
}

export interface VirtualClockOptions {
  /**
   * How many `setImmediate` turns one drain may take while tasks are busy before the loop gives up. A task
   * that waits on virtual time without parking (a plain `sleep` instead of `taskClock.sleep`) would otherwise
   * spin forever; this turns that bug into an error.
   */
  readonly maxDrainTurns?: number;
}

/** Raised when tasks stay busy without parking for longer than `maxDrainTurns` event-loop turns. */
export class VirtualClockStallError extends Error {
  constructor(turns: number, active: number, parked: number, elapsedMs: number) {
    super(
      `virtual clock stalled at +${elapsedMs} ms: ${active - parked} of ${active} task(s) stayed busy for ${turns} ` +
        'event-loop turns; a task that waits on virtual time must use taskClock or park()',
    );
    this.name = 'VirtualClockStallError';
  }
}

const DEFAULT_MAX_DRAIN_TURNS = 1_000_000;
/** Compaction threshold: cancelled events left in the heap are swept once they are this many and a majority. */
const COMPACT_MIN_CANCELLED = 1024;

/** True when a runs before b. */
function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

function checkDelay(delayMs: number): number {
  if (Number.isNaN(delayMs) || delayMs === Number.POSITIVE_INFINITY) {
    throw new RangeError(`delay must be a finite number of milliseconds, got ${delayMs}`);
  }
  // A negative delay is "as soon as possible", like setTimeout.
  return Math.max(delayMs, 0);
}

export class VirtualClock implements Clock {
  readonly startEpochMs: number;
  /** The clock as seen by code inside `runTask`: sleeping on it parks the task. */
  readonly taskClock: Clock;

  private elapsed = 0;
  private nextSeq = 0;
  /** A binary min-heap on (time, seq). Cancelled events stay until popped or swept. */
  private heap: ScheduledEvent[] = [];
  private cancelledInHeap = 0;
  private activeTasks = 0;
  private parkedTasks = 0;
  private running = false;
  private readonly maxDrainTurns: number;
  private dispatchedCount = 0;

  constructor(startEpochMs: number, options: VirtualClockOptions = {}) {
    if (!Number.isFinite(startEpochMs))
      throw new RangeError(`start time must be finite, got ${startEpochMs}`);
    this.startEpochMs = startEpochMs;
    this.maxDrainTurns = options.maxDrainTurns ?? DEFAULT_MAX_DRAIN_TURNS;
    this.taskClock = {
      now: () => this.now(),
      monotonic: () => this.monotonic(),
      sleep: (ms) => this.park(this.sleep(ms)),
    };
  }

  /** Epoch ms, whole like a real wall clock's (virtual time itself may be fractional). */
  now(): number {
    return Math.floor(this.startEpochMs + this.elapsed);
  }

  /** Virtual milliseconds since the start. */
  monotonic(): number {
    return this.elapsed;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.push(checkDelay(ms), resolve);
    });
  }

  /** Runs `callback` after `delayMs` of virtual time; the returned function cancels it (a no-op once it ran). */
  schedule(delayMs: number, callback: () => void): () => void {
    const event = this.push(checkDelay(delayMs), callback);
    return () => {
      if (event.callback === null) return;
      event.callback = null;
      this.cancelledInHeap++;
      this.maybeCompact();
    };
  }

  /**
   * Marks `work` as active until it settles: the loop does not advance time while an active task is neither
   * finished nor parked. For work that needs real event-loop turns (I/O, an in-process HTTP exchange).
   */
  async runTask<T>(work: () => Promise<T>): Promise<T> {
    this.activeTasks++;
    try {
      return await work();
    } finally {
      this.activeTasks--;
    }
  }

  /**
   * From inside a task: awaits a promise that only virtual time can settle (a sleep, a queue slot freed by
   * another task's sleep). While it is pending the task counts as parked, so the loop may advance time.
   * A task should park on one thing at a time: the loop counts parks, not tasks.
   */
  async park<T>(waitFor: Promise<T>): Promise<T> {
    this.parkedTasks++;
    try {
      return await waitFor;
    } finally {
      this.parkedTasks--;
    }
  }

  /** Events waiting to run (cancelled ones excluded). */
  get pendingEvents(): number {
    return this.heap.length - this.cancelledInHeap;
  }

  /** Events dispatched since the clock was made. */
  get dispatched(): number {
    return this.dispatchedCount;
  }

  /** Tasks started with runTask that have not settled yet. */
  get busyTasks(): number {
    return this.activeTasks;
  }

  /** The virtual time of the next event, or null when none is queued. */
  nextEventTime(): number | null {
    const event = this.peekLive();
    return event === undefined ? null : event.time;
  }

  /**
   * Dispatches events in order until none is left (or `until`, or `shouldStop`). After each event the loop
   * waits one `setImmediate` turn (by then every nextTick and microtask the event queued has run), and more
   * while some task is busy and not parked. Driven by setImmediate callbacks rather than an async loop: this
   * runs once per event, a hundred thousand times a run, and a promise chain per turn was ~12 promises a sale.
   */
  run(options: RunOptions = {}): Promise<void> {
    if (this.running) return Promise.reject(new Error('VirtualClock.run is already running'));
    const { until, shouldStop } = options;
    if (until !== undefined && Number.isNaN(until))
      return Promise.reject(new RangeError('until must be a number'));
    this.running = true;
    return new Promise<void>((resolve, reject) => {
      const stop = (error?: unknown): void => {
        this.running = false;
        if (error === undefined) resolve();
        else reject(error);
      };
      /** setImmediate turns since the last event, all spent waiting for busy tasks but the first. */
      let turns = 0;
      const afterTurn = (): void => {
        try {
          turns++;
          // Tasks started by the event's microtasks count too: only after the turn is it known whether any is busy.
          if (this.activeTasks > this.parkedTasks) {
            if (turns >= this.maxDrainTurns) {
              throw new VirtualClockStallError(turns, this.activeTasks, this.parkedTasks, this.elapsed);
            }
            setImmediate(afterTurn);
            return;
          }
          turns = 0;
          if (shouldStop?.()) {
            stop();
            return;
          }
          const next = this.peekLive();
          if (next === undefined || (until !== undefined && next.time > until)) {
            if (until !== undefined && until > this.elapsed) this.elapsed = until;
            stop();
            return;
          }
          this.pop();
          const callback = next.callback as () => void;
          next.callback = null;
          this.elapsed = next.time;
          this.dispatchedCount++;
          callback();
          setImmediate(afterTurn);
        } catch (error) {
          stop(error);
        }
      };
      // Whatever was started before run() (the first sales, open tasks) settles at the current instant first.
      setImmediate(afterTurn);
    });
  }

  private push(delayMs: number, callback: () => void): ScheduledEvent {
    const event: ScheduledEvent = { time: this.elapsed + delayMs, seq: this.nextSeq++, callback };
    const heap = this.heap;
    // Sift up with a hole instead of swaps: one write per level.
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as ScheduledEvent;
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
    return event;
  }

  /** The earliest live event, dropping cancelled ones found on top. */
  private peekLive(): ScheduledEvent | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0] as ScheduledEvent;
      if (top.callback !== null) return top;
      this.pop();
      this.cancelledInHeap--;
    }
    return undefined;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as ScheduledEvent;
    if (heap.length === 0) return;
    this.siftDown(last, 0);
  }

  private siftDown(event: ScheduledEvent, start: number): void {
    const heap = this.heap;
    const size = heap.length;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && before(heap[right] as ScheduledEvent, heap[child] as ScheduledEvent)) child = right;
      const smallest = heap[child] as ScheduledEvent;
      if (!before(smallest, event)) break;
      heap[index] = smallest;
      index = child;
    }
    heap[index] = event;
  }

  /** Timeouts that are almost always cancelled would otherwise pile up in the heap; sweep them in O(n). */
  private maybeCompact(): void {
    if (this.cancelledInHeap < COMPACT_MIN_CANCELLED || this.cancelledInHeap * 2 < this.heap.length) return;
    const live = this.heap.filter((event) => event.callback !== null);
    this.heap = live;
    this.cancelledInHeap = 0;
    for (let index = (live.length >> 1) - 1; index >= 0; index--) {
      this.siftDown(live[index] as ScheduledEvent, index);
    }
  }
}
