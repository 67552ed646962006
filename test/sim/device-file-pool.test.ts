/**
 * DeviceFilePool: at most maxOpen device files open, least recently used closed first, a closed file
 * reopened on its next use without the user noticing; the open-files limit read from /proc/self/limits; and
 * the page cache and page size a fleet's files get.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceDatabase } from '../../src/core/device-database.ts';
import {
  DeviceFilePool,
  deviceFileOptions,
  maxOpenDevices,
  openFileLimit,
} from '../../src/sim/device-file-pool.ts';
import { type TempDir, tempDir } from './helpers.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max file size             unlimited            unlimited            bytes
Max open files            1024                 1048576              files
Max locked memory         8388608              8388608              bytes
`;

let dir: TempDir;
let opened: DeviceDatabase[] = [];
beforeEach(() => {
  dir = tempDir('syncsim-pool-');
});
afterEach(() => {
  for (const database of opened) database.dispose();
  opened = [];
  dir.remove();
});

function databases(pool: DeviceFilePool, count: number): DeviceDatabase[] {
  const list = Array.from({ length: count }, (_, i) => pool.database(dir.file(`POS-${i}.sqlite`)));
  opened.push(...list);
  return list;
}

function openFlags(list: readonly DeviceDatabase[]): boolean[] {
  return list.map((database) => database.isOpen);
}

describe('DeviceFilePool', () => {
  it('keeps at most maxOpen files open, closing the least recently used', () => {
    const pool = new DeviceFilePool(3);
    const [a, b, c, d, e] = databases(pool, 5) as [
      DeviceDatabase,
      DeviceDatabase,
      DeviceDatabase,
      DeviceDatabase,
      DeviceDatabase,
    ];
    for (const database of [a, b, c]) database.connection();
    expect(pool.openCount).toBe(3);
    // b used again: a is now the least recently used.
    b.connection();
    d.connection();
    expect(openFlags([a, b, c, d])).toEqual([false, true, true, true]);
    e.connection();
    expect(openFlags([a, b, c, d, e])).toEqual([false, true, false, true, true]);
    expect(pool.openCount).toBe(3);
    expect(pool.opens).toBe(5);
  });

  it('never holds more than maxOpen however the files are used', () => {
    const pool = new DeviceFilePool(4);
    const list = databases(pool, 12);
    for (let step = 0; step < 200; step++) {
      list[(step * 7 + (step >> 2)) % list.length]?.connection();
      expect(list.filter((database) => database.isOpen).length).toBeLessThanOrEqual(4);
      expect(pool.openCount).toBeLessThanOrEqual(4);
    }
  });

  it('reopens a closed file transparently, with everything written before it was closed', () => {
    const pool = new DeviceFilePool(1);
    const [first, second] = databases(pool, 2) as [DeviceDatabase, DeviceDatabase];
    first.connection().prepare('INSERT INTO device_meta (key, value) VALUES (?, ?)').run('sales', 41);
    second.statement('INSERT INTO device_meta (key, value) VALUES (?, ?)').run('sales', 7);
    expect(first.isOpen).toBe(false);
    // A statement on the closed file: it reopens (closing the other), and the row is there.
    const row = first.statement('SELECT value FROM device_meta WHERE key = ?').get('sales');
    expect(row).toEqual({ value: 41 });
    expect(first.isOpen).toBe(true);
    expect(second.isOpen).toBe(false);
    expect(first.transaction(() => first.statement('SELECT count(*) AS n FROM device_meta').get())).toEqual({
      n: 1,
    });
    expect(first.integrityCheck()).toBe('ok');
    expect(pool.opens).toBe(3);
  });

  it('forgets a released file: it no longer counts against maxOpen', () => {
    const pool = new DeviceFilePool(2);
    const [a, b, c] = databases(pool, 3) as [DeviceDatabase, DeviceDatabase, DeviceDatabase];
    a.connection();
    b.connection();
    b.dispose();
    pool.release(b);
    c.connection();
    expect(openFlags([a, c])).toEqual([true, true]);
    expect(pool.openCount).toBe(2);
  });

  it('defaults its size to what the real open-files limit allows', () => {
    expect(new DeviceFilePool().maxOpen).toBe(maxOpenDevices(openFileLimit()));
  });
});

describe('openFileLimit and maxOpenDevices', () => {
  it('reads the soft limit from /proc/self/limits text', () => {
    expect(openFileLimit(LIMITS)).toBe(1024);
    expect(openFileLimit(LIMITS.replace('1024                 1048576', '65536                65536'))).toBe(
      65536,
    );
  });

  it("reads 'unlimited' as no limit", () => {
    expect(
      openFileLimit(LIMITS.replace('1024                 1048576', 'unlimited            unlimited')),
    ).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('falls back to 1024 when the text has no such line', () => {
    expect(openFileLimit('')).toBe(1024);
    expect(openFileLimit('Max processes 100 100 processes\n')).toBe(1024);
  });

  it('reads this process (a positive number) when given no text', () => {
    expect(openFileLimit()).toBeGreaterThan(0);
  });

  it('leaves room for sockets and the rest: three descriptors per WAL file (one in memory), at least 8 files', () => {
    expect(maxOpenDevices(1024)).toBe(274);
    expect(maxOpenDevices(1024) * 3).toBeLessThan(1024);
    expect(maxOpenDevices(100)).toBe(8);
    // The in-memory journal keeps one descriptor per file.
    expect(maxOpenDevices(1024, 'memory')).toBe(824);
    expect(maxOpenDevices(Number.MAX_SAFE_INTEGER)).toBeGreaterThan(1_000_000);
  });

  it("takes off the backend's sockets, and splits the rest between the fleets of the process", () => {
    // An HTTP pool of 256 sockets (in real time against a target).
    expect(maxOpenDevices(1024, 'memory', { sockets: 256 })).toBe(568);
    // Two shard threads, each with its own pool of 100 sockets: (1024 - 200 - 200) / 2.
    expect(maxOpenDevices(1024, 'memory', { fleets: 2, sockets: 100 })).toBe(312);
    expect(maxOpenDevices(1024, 'memory', { fleets: 2 })).toBe(412);
    expect(maxOpenDevices(300, 'memory', { fleets: 4, sockets: 256 })).toBe(8);
  });
});

describe('deviceFileOptions', () => {
  const sqlite = { sqliteSynchronous: 'off', sqliteJournal: 'memory' } as const;

  it('shares a 16 MiB cache budget over the fleet, 16 KiB to 1 MiB a device', () => {
    expect(deviceFileOptions(sqlite, 1_000).cacheKib).toBe(16);
    expect(deviceFileOptions(sqlite, 5_000).cacheKib).toBe(16);
    expect(deviceFileOptions(sqlite, 32).cacheKib).toBe(512);
    expect(deviceFileOptions(sqlite, 1).cacheKib).toBe(1024);
  });

  it('gives 4 KiB pages when the cache holds 64 of them, else 1 KiB', () => {
    expect(deviceFileOptions(sqlite, 1_000).pageSize).toBe(1024);
    expect(deviceFileOptions(sqlite, 65).pageSize).toBe(1024);
    expect(deviceFileOptions(sqlite, 64).pageSize).toBe(4096);
    expect(deviceFileOptions(sqlite, 32).pageSize).toBe(4096);
  });

  it('creates the files with that page size', () => {
    const pool = new DeviceFilePool(4);
    for (const [devices, pageSize] of [
      [32, 4096],
      [1_000, 1024],
    ] as const) {
      const database = pool.database(dir.file(`POS-${devices}.sqlite`), deviceFileOptions(sqlite, devices));
      opened.push(database);
      expect(database.statement('PRAGMA page_size').pluck().get()).toBe(pageSize);
    }
  });
});
