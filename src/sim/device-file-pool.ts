/**
 * Keeps at most `maxOpen` device files open. A WAL database holds three descriptors (the file, -wal and
 * -shm; one with the in-memory journal), so a thousand devices would need up to ~3000 while `ulimit -n` is
 * often 1024. Devices are idle most of the time: the least recently used file is closed when another one
 * opens, and reopens on its next access (DeviceDatabase reopens lazily, so the core never notices).
 * Reopening costs about a millisecond, so the pool is sized from the real limit and only evicts when it must.
 */
import { readFileSync } from 'node:fs';
import { DeviceDatabase, type DeviceDatabaseOptions } from '../core/device-database.ts';
import type { ResolvedSimulation } from './simulation-config.ts';

/** How the simulator opens every device file (the scenario's sqliteSynchronous and sqliteJournal). */
export type DeviceFileOptions = Pick<
  DeviceDatabaseOptions,
  'synchronous' | 'journal' | 'pageSize' | 'cacheKib'
>;

/**
 * Page size follows the cache: a device row is ~650 bytes, so a 1 KiB page holds one and a 4 KiB page six.
 * A large fleet's small caches (16 KiB at a thousand devices) must hold the ~10 pages a sale touches, which
 * 1 KiB pages do (SQLite preallocates its cache in pages). A small fleet's large caches take 4 KiB pages: a
 * device draining a 100-row batch then reads and writes ~17 pages instead of ~100, and each written page is
 * a write() at commit (a drain cycle's SQLite 2.0 -> 1.6 ms, bench/PROFILING.md, tenth session).
 */
const SMALL_PAGE = 1024;
const LARGE_PAGE = 4096;
/** Large pages once the cache holds this many of them. */
const LARGE_PAGE_MIN_PAGES = 64;

export function devicePageSize(cacheKib: number): number {
  return cacheKib * 1024 >= LARGE_PAGE * LARGE_PAGE_MIN_PAGES ? LARGE_PAGE : SMALL_PAGE;
}

/**
 * The page caches of a fleet share one budget: 16 KiB each for a thousand devices (what a sale touches, the
 * newest leaf of the table and of each index, fits many times over), more for fewer. A device draining a
 * backlog reads and rewrites rows all over its file: at 32 devices, 512 KiB each made a claim and an apply
 * of 100 rows out of 3,000 about twice as fast as 16 KiB (bench/PROFILING.md). SQLite fills a cache as pages
 * are used, so a small file never holds more than its own size. The budget is the fleet's: a shard's devices
 * get what they would in one process.
 */
const FLEET_CACHE_KIB = 16 * 1024;
const MIN_CACHE_KIB = 16;
const MAX_CACHE_KIB = 1024;

export function deviceCacheKib(devices: number): number {
  return Math.min(MAX_CACHE_KIB, Math.max(MIN_CACHE_KIB, Math.floor(FLEET_CACHE_KIB / Math.max(1, devices))));
}

/** How the devices of a fleet of `devices` open their files. */
export function deviceFileOptions(
  sqlite: Pick<ResolvedSimulation, 'sqliteSynchronous' | 'sqliteJournal'>,
  devices: number,
): DeviceFileOptions {
  const cacheKib = deviceCacheKib(devices);
  return {
    synchronous: sqlite.sqliteSynchronous,
    journal: sqlite.sqliteJournal,
    pageSize: devicePageSize(cacheKib),
    cacheKib,
  };
}

function fdsPerDatabase(journal: DeviceFileOptions['journal']): number {
  return journal === 'memory' ? 1 : 3;
}
/** Descriptors left for everything else: sockets, the backend's file, stdio, node itself. */
const RESERVED_FDS = 200;

/** The soft limit on open files of this process (Linux: /proc/self/limits); 1024 when it can't be read. */
export function openFileLimit(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return 1024;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!match) return 1024;
  return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/**
 * How many device files a fleet may hold open at once under a given descriptor limit: what is left after the
 * reserve and each fleet's sockets (an HTTP backend's connection pool), shared by the fleets of the process
 * (the shard threads of `--workers`).
 */
export function maxOpenDevices(
  fileLimit: number,
  journal: DeviceFileOptions['journal'] = 'wal',
  share: { readonly fleets?: number; readonly sockets?: number } = {},
): number {
  const fleets = share.fleets ?? 1;
  const free = fileLimit - RESERVED_FDS - (share.sockets ?? 0) * fleets;
  return Math.max(8, Math.floor(free / fleets / fdsPerDatabase(journal)));
}

/** A managed database's place in the pool: whether the pool holds it open, and the tick of its last use. */
interface Slot {
  open: boolean;
  usedAt: number;
}

export class DeviceFilePool {
  readonly maxOpen: number;
  /** The databases held open. A use only stamps its slot: no map operation on the path of every statement. */
  private readonly open = new Map<DeviceDatabase, Slot>();
  private tick = 0;
  private reopenCount = 0;

  constructor(maxOpen = maxOpenDevices(openFileLimit())) {
    this.maxOpen = Math.max(1, maxOpen);
  }

  /** Times a file had to be opened (first opens included): a measure of pool pressure. */
  get opens(): number {
    return this.reopenCount;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** A DeviceDatabase for the file whose opening and closing the pool manages. */
  database(path: string, options: Omit<DeviceDatabaseOptions, 'onAccess'> = {}): DeviceDatabase {
    const slot: Slot = { open: false, usedAt: 0 };
    return new DeviceDatabase(path, { ...options, onAccess: (database) => this.touch(database, slot) });
  }

  /** Forgets a database the caller closed or disposed. */
  release(database: DeviceDatabase): void {
    const slot = this.open.get(database);
    if (slot === undefined) return;
    slot.open = false;
    this.open.delete(database);
  }

  private touch(database: DeviceDatabase, slot: Slot): void {
    slot.usedAt = ++this.tick;
    if (slot.open) return;
    slot.open = true;
    this.reopenCount++;
    this.open.set(database, slot);
    while (this.open.size > this.maxOpen) this.closeLeastRecentlyUsed(database);
  }

  /** A scan of the open files: it runs only when a file must close, which costs a reopen later anyway. */
  private closeLeastRecentlyUsed(keep: DeviceDatabase): void {
    let oldest: DeviceDatabase | null = null;
    let oldestAt = Number.POSITIVE_INFINITY;
    for (const [candidate, slot] of this.open) {
      if (candidate !== keep && slot.usedAt < oldestAt) {
        oldest = candidate;
        oldestAt = slot.usedAt;
      }
    }
    if (oldest === null) return;
    this.release(oldest);
    oldest.close();
  }
}
