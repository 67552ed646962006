/**
 * isStorageFailure tells the machine's storage failing (a full disk) from a bug or the design under test: the
 * run stops on it (ERR_RUN_STORAGE) instead of counting lost sales. The SQLite error here is a real one: a
 * database capped at a few pages fills up as a full disk would.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isStorageFailure } from '../../src/core/errors.ts';

function fullDatabaseError(): unknown {
  const db = new Database(':memory:');
  try {
    db.pragma('max_page_count = 3');
    db.exec('CREATE TABLE t (x TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 1_000; i++) insert.run('x'.repeat(1_000));
    return null;
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
}

describe('isStorageFailure', () => {
  it('a full database, a full disk, a quota, a read-only or failing device', () => {
    const full = fullDatabaseError();
    expect((full as { code?: string }).code).toBe('SQLITE_FULL');
    expect(isStorageFailure(full)).toBe(true);
    for (const code of ['SQLITE_IOERR_WRITE', 'ENOSPC', 'EDQUOT', 'EROFS', 'EIO'])
      expect(isStorageFailure(Object.assign(new Error(code), { code })), code).toBe(true);
  });

  it('not a constraint, a bug or anything without a code', () => {
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_BUSY', 'ENOENT', 'ECONNRESET'])
      expect(isStorageFailure(Object.assign(new Error(code), { code })), code).toBe(false);
    expect(isStorageFailure(new TypeError('x is undefined'))).toBe(false);
    expect(isStorageFailure(null)).toBe(false);
    expect(isStorageFailure('ENOSPC')).toBe(false);
  });
});
