/**
 * The state one backend instance shares between its routes: options, ports, storage, the capacity schedule,
 * the fault controller and the counters. Built by app.ts; routes receive it explicitly.
 */
import type { Clock } from '../core/ports.ts';
import type { Capacity } from './capacity.ts';
import type { BackendCounters } from './counters.ts';
import type { FaultController, FaultKind } from './faults.ts';
import type { BackendOptions } from './options.ts';
import type { Ledger } from './storage.ts';

/** What an in-process caller learns about its request beyond the HTTP answer (see inject.ts). */
export interface InjectionRecord {
  fault: FaultKind | null;
  /** Rows this request inserted, whatever the client was told. */
  committed: number;
}

/**
 * The header injectBatch sets so the route can report into its InjectionRecord. Only ids that injectBatch
 * registered are ever written, so a network client sending it changes nothing.
 */
export const INJECT_HEADER = 'x-syncsim-inject';

export interface BackendContext {
  readonly options: BackendOptions;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly capacity: Capacity;
  readonly faults: FaultController;
  /** Replaced (not zeroed) by reset, so requests in flight across a reset count into the old object. */
  counters: BackendCounters;
  /** Requests seen per device_id: the index of each device's own random draws. */
  requestsByDevice: Map<string, number>;
  readonly injections: Map<string, InjectionRecord>;
  nextInjection: number;
  /** Set by close(): answers still in flight then ask their client to close the connection. */
  closing: boolean;
}
