/**
 * `syncsim inspect <device.sqlite | run folder>`: what the spec's Isar Inspector shows, for one device file or
 * every device of a run: statistics by sync status, and the rows of each status.
 */

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command } from 'commander';
import { DeviceDatabase } from '../core/device-database.ts';
import { messageOf } from '../core/errors.ts';
import { createRandom } from '../core/random.ts';
import { createRealClock } from '../core/real-clock.ts';
import { SYNC_STATUSES, type SyncStatus, type TransactionLocal } from '../core/transaction-local.ts';
import { type SyncStatistics, TransactionLocalService } from '../core/transaction-local-service.ts';
import type { CommandContext } from './context.ts';
import { ERR_FILE, ERR_FLAG } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { wholeNumber } from './flags.ts';
import { SHARDS_FOLDER } from './run-folder.ts';

interface DeviceReport {
  readonly file: string;
  readonly statistics: SyncStatistics;
  readonly rows: readonly TransactionLocal[];
}

/** Opens a device file read-only: inspection never changes what it looks at. */
async function readDevice(
  file: string,
  statuses: readonly SyncStatus[] | undefined,
  limit: number,
): Promise<DeviceReport> {
  // Not the store's 5 s: a file another process holds stays held for the whole of that run.
  const database = new DeviceDatabase(file, { readonly: true, busyTimeoutMs: 500 });
  try {
    // The store needs a clock and a random stream to create sales; reading uses neither.
    const store = new TransactionLocalService(database, {
      clock: createRealClock(),
      random: createRandom(0),
      referenceFormat: 'device-ms',
    });
    const statistics = await store.getStatistics();
    let rows: TransactionLocal[] = [];
    if (limit > 0)
      for (const status of statuses ?? [undefined])
        rows = rows.concat(await store.listTransactions({ status, limit }));
    return { file, statistics, rows: rows.slice(0, limit) };
  } catch (error) {
    if (/database is locked/.test(messageOf(error)))
      throw new ERR_FILE(
        file,
        'is locked by another process (a run still going?): inspect it once the run has ended',
        {
          cause: error,
        },
      );
    throw error;
  } finally {
    database.close();
  }
}

/** A run folder's devices (a `--workers` run's are in its shards' folders), else the .sqlite files of a folder. */
function deviceFiles(path: string): string[] {
  const shards = join(path, SHARDS_FOLDER);
  const folders = existsSync(join(path, 'devices'))
    ? [join(path, 'devices')]
    : existsSync(shards)
      ? readdirSync(shards)
          .map((name) => join(shards, name, 'devices'))
          .filter((folder) => existsSync(folder))
      : [path];
  return folders
    .flatMap((folder) =>
      readdirSync(folder)
        .filter((name) => name.endsWith('.sqlite'))
        .map((name) => join(folder, name)),
    )
    .sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0));
}

function statisticsLine(label: string, s: SyncStatistics, width: number): string {
  const cells = [s.pending, s.syncing, s.synced, s.failed, s.total].map((n) => String(n).padStart(8));
  return `${label.padEnd(width)}${cells.join('')}`;
}

function rowLine(row: TransactionLocal): string {
  const when = new Date(row.createdAtDevice).toISOString();
  const server = row.serverId === null ? '' : ` server_id=${row.serverId}`;
  const error = row.lastError === null ? '' : ` last_error=${JSON.stringify(row.lastError)}`;
  return `  ${row.syncStatus.padEnd(8)}${row.offlineReference}  ${when}  total=${(row.grandTotal / 100).toFixed(2)} attempts=${row.syncAttempts}${server}${error}`;
}

export function inspectCommand(context: CommandContext): Command {
  return new Command('inspect')
    .description('Show a device file (or every device of a run folder): statistics and rows by sync status')
    .argument('<path>', 'a device .sqlite file, a run folder, or its devices/ folder')
    .option('--status <status>', `only rows of this status: ${SYNC_STATUSES.join(', ')}`)
    .option(
      '--limit <n>',
      'rows to show per device (0: statistics only); for a folder only rows not synced, unless --status',
      '20',
    )
    .option('--json', 'as JSON: one object per device file; in a folder, an unreadable one as {file, error}')
    .addHelpText(
      'after',
      '\nExamples:\n  syncsim inspect reports/lost-ack-42-20261125-101500\n  syncsim inspect reports/lost-ack-42-20261125-101500/devices/POS-0003.sqlite --status syncing\n  syncsim inspect reports/run --limit 0 --json',
    )
    .action(async (path: string, options: { status?: string; limit: string; json?: boolean }) => {
      if (!existsSync(path)) throw new ERR_FILE(path, 'no such file or folder');
      const status = options.status as SyncStatus | undefined;
      if (status !== undefined && !SYNC_STATUSES.includes(status)) {
        throw new ERR_FLAG(
          '--status',
          `expected ${SYNC_STATUSES.join(', ')}, got ${JSON.stringify(options.status)}`,
        );
      }
      const limit = wholeNumber('--limit', options.limit, 0);
      const folder = statSync(path).isDirectory();
      const files = folder ? deviceFiles(path) : [path];
      // A whole fleet: by default only the rows that need a look (not synced); one file: every row.
      const statuses: readonly SyncStatus[] | undefined =
        status !== undefined ? [status] : folder ? ['pending', 'syncing', 'failed'] : undefined;
      if (files.length === 0) throw new ERR_FILE(path, 'holds no device .sqlite files');
      const reports: DeviceReport[] = [];
      // In a folder, one unreadable file (a crash can leave one) must not hide the others: it is named at the
      // end, and the command exits 3.
      const unreadable: { readonly file: string; readonly error: string }[] = [];
      for (const file of files) {
        try {
          reports.push(await readDevice(file, statuses, limit));
        } catch (error) {
          if (!folder) throw error;
          unreadable.push({ file, error: messageOf(error) });
        }
      }
      if (unreadable.length > 0) context.setExitCode(EXIT.unavailable);
      if (options.json) {
        context.console.out(JSON.stringify([...reports, ...unreadable], null, 2));
        return;
      }
      for (const { error } of unreadable) context.console.err(`error: ${error}`);
      if (reports.length === 0) return;
      const width = Math.max(10, ...reports.map((r) => basename(r.file).length + 2));
      const header = `${'device'.padEnd(width)}${['pending', 'syncing', 'synced', 'failed', 'total'].map((h) => h.padStart(8)).join('')}`;
      const lines = [header];
      const total = { pending: 0, syncing: 0, synced: 0, failed: 0, total: 0 };
      for (const report of reports) {
        lines.push(statisticsLine(basename(report.file), report.statistics, width));
        for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += report.statistics[key];
      }
      if (reports.length > 1) lines.push(statisticsLine('all devices', total, width));
      for (const report of reports) {
        if (report.rows.length === 0) continue;
        lines.push(
          '',
          `${basename(report.file)}${status ? ` (${status})` : ''}:`,
          ...report.rows.map(rowLine),
        );
      }
      context.console.out(lines.join('\n'));
    });
}
