/**
 * Core events written by hand, for tests that drive an observer without a core: every row named by its
 * offline id gets one row id for the whole file, as a device file gives each row one.
 */
import type { CoreEvent, ReleaseReason, RowOutcome } from '../../src/core/events.ts';

const rowIds = new Map<string, number>();

/** The row id of the row with this offline id (the same on every call). */
export function rowOf(offlineId: string): number {
  let id = rowIds.get(offlineId);
  if (id === undefined) {
    id = rowIds.size + 1;
    rowIds.set(offlineId, id);
  }
  return id;
}

export function created(offlineId: string, offlineReference: string, createdAtDevice: number): CoreEvent {
  return {
    type: 'transaction-created',
    rowId: rowOf(offlineId),
    offlineId,
    offlineReference,
    createdAtDevice,
  };
}

export function claimed(offlineIds: readonly string[]): CoreEvent {
  return { type: 'rows-claimed', rowIds: offlineIds.map(rowOf), offlineIds };
}

export function released(offlineIds: readonly string[], reason: ReleaseReason): CoreEvent {
  return { type: 'rows-released', rowIds: offlineIds.map(rowOf), offlineIds, reason };
}

export function synced(offlineId: string, serverId: number, duplicate = false): RowOutcome {
  return { rowId: rowOf(offlineId), offlineId, status: 'synced', duplicate, serverId, error: null };
}

export function failed(offlineId: string, error: string): RowOutcome {
  return { rowId: rowOf(offlineId), offlineId, status: 'failed', duplicate: false, serverId: null, error };
}
