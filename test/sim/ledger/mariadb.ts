/**
 * A private MariaDB server for one test file: its own temp datadir (mariadb-install-db), bound to 127.0.0.1
 * on a free port, started in about a second, and stopped and deleted by the test. No system service, no
 * shared state: root has no password on loopback only, and tests create the users they need (with real
 * grants: --skip-grant-tables would make a read-only user meaningless).
 *
 * Missing binaries are the caller's decision: mariaDbMissing() says why, and the test file skips (a dev
 * machine) or fails (CI, where .ci/run installs mariadb-server).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import mysql, { type Connection } from 'mysql2/promise';

const run = promisify(execFile);

function which(names: readonly string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const name of names) {
    for (const dir of dirs) {
      if (dir === '') continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here.
      }
    }
  }
  return null;
}

interface Binaries {
  readonly server: string;
  readonly installDb: string;
}

function findBinaries(): Binaries | null {
  const server = which(['mariadbd', 'mysqld']);
  const installDb = which(['mariadb-install-db', 'mysql_install_db']);
  return server !== null && installDb !== null ? { server, installDb } : null;
}

/** Why the server cannot be started here, or null when it can. */
export function mariaDbMissing(): string | null {
  return findBinaries() === null
    ? 'MariaDB is not installed (no mariadbd/mysqld and mariadb-install-db on PATH or in /usr/sbin): apt-get install mariadb-server'
    : null;
}

export interface MariaDb {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** A root connection for setting up databases, tables and users. */
  readonly root: Connection;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no error log)';
  }
}

// Small buffers (a few thousand rows; CI has 2 cores and little memory) and no durability (the datadir is
// thrown away): start and stop take well under a second each.
const SERVER_TUNING = [
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  '--innodb-flush-log-at-trx-commit=0',
  '--innodb-doublewrite=0',
  '--innodb-buffer-pool-dump-at-shutdown=0',
  '--innodb-buffer-pool-load-at-startup=0',
];

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function connectRoot(
  port: number,
  child: ChildProcess,
  log: string,
  deadline: number,
): Promise<Connection> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}:\n${logTail(log)}`);
    try {
      return await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 2_000 });
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `mariadbd did not accept connections within 60 s (${String(error)}):\n${logTail(log)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startMariaDb(): Promise<MariaDb> {
  const binaries = findBinaries();
  if (binaries === null) throw new Error(mariaDbMissing() ?? 'MariaDB missing');
  const dir = mkdtempSync(join(tmpdir(), 'syncsim-mariadb-'));
  const data = join(dir, 'data');
  const log = join(dir, 'error.log');
  // mariadbd refuses to run as root unless told to; as another user the flag is not allowed.
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  try {
    await run(
      binaries.installDb,
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...asRoot,
        ...SERVER_TUNING,
      ],
      { timeout: 60_000 },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${String(error)}`);
  }

  // A port taken between freePort() and the bind is retried with another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      binaries.server,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${join(dir, 'mysqld.sock')}`,
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        `--log-error=${log}`,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        ...asRoot,
        ...SERVER_TUNING,
      ],
      { stdio: 'ignore' },
    );
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited(child);
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      const root = await connectRoot(port, child, log, Date.now() + 60_000);
      return {
        host: '127.0.0.1',
        port,
        root,
        async stop() {
          await root.end().catch(() => root.destroy());
          await stop();
        },
      };
    } catch (error) {
      const busy = logTail(log).includes('Address already in use');
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited(child);
      if (!busy || attempt >= 3) {
        await stop();
        throw error;
      }
    }
  }
}
