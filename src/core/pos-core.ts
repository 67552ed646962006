/**
 * The whole device core wired together, as a POS app's dependency injection module would (the spec's
 * NetworkModule): one store over the device file, the batch sync service, and the sync trigger.
 */
import { BatchSyncService } from './batch-sync-service.ts';
import type { CrashHook } from './crash-points.ts';
import { DeviceDatabase, type DeviceDatabaseOptions } from './device-database.ts';
import type { CoreObserver } from './events.ts';
import { type OfflineSyncDeps, OfflineSyncService } from './offline-sync-service.ts';
import type { SyncPolicy } from './policy.ts';
import { type Clock, DEFAULT_REQUEST_TIMEOUT_MS, type Logger, type Random, type Transport } from './ports.ts';
import { TransactionLocalService } from './transaction-local-service.ts';

export interface PosCoreOptions {
  readonly deviceId: string;
  /** The device's SQLite file, or a DeviceDatabase the caller manages (e.g. through a pool of open files). */
  readonly database: string | DeviceDatabase;
  readonly databaseOptions?: DeviceDatabaseOptions;
  readonly clock: Clock;
  readonly random: Random;
  readonly transport: Transport;
  readonly policy: SyncPolicy;
  /** The app's request timeout (start-up recovery waits this long for the dead app's last request). */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
  readonly observer?: CoreObserver;
  readonly crash?: CrashHook;
  readonly onRunFinished?: OfflineSyncDeps['onRunFinished'];
}

export interface PosCore {
  readonly deviceId: string;
  readonly database: DeviceDatabase;
  readonly store: TransactionLocalService;
  readonly batchSync: BatchSyncService;
  readonly sync: OfflineSyncService;
}

export function createPosCore(options: PosCoreOptions): PosCore {
  const database =
    typeof options.database === 'string'
      ? new DeviceDatabase(options.database, options.databaseOptions)
      : options.database;
  // Each deps object written out in full, not spread from a shared part: one hidden class per service, so
  // the services' reads of their deps stay monomorphic across a fleet (a spread made them megamorphic).
  const store = new TransactionLocalService(database, {
    clock: options.clock,
    random: options.random,
    referenceFormat: options.policy.referenceFormat,
    logger: options.logger,
    observer: options.observer,
    crash: options.crash,
  });
  const batchSync = new BatchSyncService({
    store,
    transport: options.transport,
    clock: options.clock,
    policy: options.policy,
    logger: options.logger,
    observer: options.observer,
    crash: options.crash,
  });
  const sync = new OfflineSyncService({
    deviceId: options.deviceId,
    store,
    batchSync,
    clock: options.clock,
    random: options.random,
    policy: options.policy,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    logger: options.logger,
    onRunFinished: options.onRunFinished,
  });
  return { deviceId: options.deviceId, database, store, batchSync, sync };
}
