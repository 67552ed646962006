/**
 * What one simulation run is made of, as a JSON Schema (TypeBox) composed from the schemas of the modules
 * that use each part. Scenario files are this plus a name, a description and thresholds; `syncsim schema`
 * prints it, and users' files are validated against it with the path of every bad field.
 */
import Type from 'typebox';
import { type PolicyConfig, PolicyConfigSchema } from '../core/policy.ts';
import { type Distribution, distributionProblem } from '../core/random.ts';
import { BackendOptionsSchema } from '../fake-backend/options.ts';
import { type CatalogConfigInput, CatalogConfigSchema, resolveCatalogConfig } from './catalog.ts';
import {
  type ConnectivityConfig,
  ConnectivityConfigSchema,
  type DeviceSelector,
  DeviceSelectorSchema,
  resolveConnectivityConfig,
} from './connectivity.ts';
import { type CrashConfig, CrashConfigSchema, resolveCrashConfig } from './crashes.ts';
import { DeviceClockConfigSchema } from './device-clock.ts';
import { ERR_SIM_CONFIG } from './errors.ts';
import { selectorProblem } from './fleet.ts';
import { LedgerMappingSchema } from './ledger/ledger-spec.ts';
import { type NetworkConditions, NetworkConditionsSchema } from './network/conditions.ts';
import { extraHeaderProblem } from './network/extra-headers.ts';
import { resolveWorkloadConfig, type WorkloadConfig, WorkloadConfigSchema } from './workload.ts';

/** A duration: milliseconds, or a string such as `8h`, `30m`, `90s`, `1500ms`, `1h30m`. */
export const DurationSchema = Type.Union([
  Type.Number({ minimum: 0 }),
  Type.String({
    pattern: '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$',
    description: 'a duration such as 8h, 90m, 30s, 1500ms or 1h30m',
  }),
]);

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a Duration; null for text that is not one. */
export function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)];
  if (
    parts.length === 0 ||
    parts
      .map((p) => p[0])
      .join('')
      .replace(/\s/g, '') !== text.replace(/\s/g, '')
  )
    return null;
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * (UNIT_MS[unit as string] ?? 0), 0);
}

export const DevicesConfigSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
    /** Devices are spread over this many branches, round-robin. */
    branches: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 10 })),
    /** Named groups, filled in order from device 0; devices left over are in group `default`. */
    groups: Type.Optional(
      Type.Array(
        Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 64 }), count: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

// The runner owns the omitted options: the seed comes from the run, the file lives in the run's folder, the
// admin API, token and logs are for `syncsim serve`.
const FakeBackendOptionsSchema = Type.Omit(BackendOptionsSchema, ['seed', 'admin', 'logLevel', 'token']);

export const FakeBackendConfigSchema = Type.Object(
  { kind: Type.Literal('fake'), ...FakeBackendOptionsSchema.properties },
  { additionalProperties: false },
);

export const TargetBackendConfigSchema = Type.Object(
  {
    kind: Type.Literal('target'),
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    path: Type.Optional(Type.String({ pattern: '^/[^?#\\s]*$', maxLength: 200 })),
    connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Name of the environment variable holding the bearer token (never the token itself). */
    tokenEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 4096 }))),
    /**
     * Headers whose values are secrets: header name -> the environment variable holding the value. Read when
     * the run starts; only the variable's name is recorded (summary.json, replay), as with tokenEnv.
     */
    headerEnv: Type.Optional(
      Type.Record(Type.String(), Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
    ),
    /** Where the server's rows can be read: the fake backend's URL, `sqlite:PATH` or a mysql:// DSN. */
    ledger: Type.Optional(Type.String({ minLength: 1 })),
    /** Table and columns of the ledger when it is a database (sqlite: or mysql:). */
    ledgerMapping: Type.Optional(LedgerMappingSchema),
  },
  { additionalProperties: false },
);

export const SimulationConfigSchema = Type.Object(
  {
    devices: DevicesConfigSchema,
    /** Length of the fault phase (scenario time). */
    duration: DurationSchema,
    /** Scenario time zero, ISO 8601 with an offset (the hour of day shapes the workload). */
    startAt: Type.Optional(Type.String({ format: 'date-time', default: '2026-03-02T06:00:00+07:00' })),
    catalog: Type.Optional(CatalogConfigSchema),
    workload: Type.Optional(WorkloadConfigSchema),
    connectivity: Type.Optional(ConnectivityConfigSchema),
    /** Device clocks: offset, drift and jumps, per selected devices (the last matching entry wins). */
    deviceClocks: Type.Optional(
      Type.Array(
        Type.Object(
          { appliesTo: Type.Optional(DeviceSelectorSchema), ...DeviceClockConfigSchema.properties },
          { additionalProperties: false },
        ),
      ),
    ),
    crashes: Type.Optional(CrashConfigSchema),
    network: Type.Optional(NetworkConditionsSchema),
    backend: Type.Optional(Type.Union([FakeBackendConfigSchema, TargetBackendConfigSchema])),
    policy: Type.Optional(PolicyConfigSchema),
    /**
     * SQLite's `synchronous` for the device files and the in-process backend's ledger. `off` (default): no
     * fsync; a committed transaction survives any crash the simulator makes (it kills apps, not machines),
     * and an 8-hour day of a thousand devices is not spent waiting for the disk. `normal`: the core's own
     * default, what a POS ships with: measure real device I/O with it.
     */
    sqliteSynchronous: Type.Optional(
      Type.Union([Type.Literal('off'), Type.Literal('normal')], { default: 'off' }),
    ),
    /**
     * The device files' journal. `memory` (default): an in-memory rollback journal on a file the harness holds
     * exclusively: about half the cost per write transaction and less memory per device, with the same
     * commit and rollback behaviour for every crash the simulator makes; only a kill of the harness itself
     * mid-write can corrupt a device file. `wal`: the core's own journal, as on a real till.
     */
    sqliteJournal: Type.Optional(
      Type.Union([Type.Literal('memory'), Type.Literal('wal')], { default: 'memory' }),
    ),
    heal: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: true })),
          /** The heal phase ends when no device has a pending or syncing row, or after this long. */
          maxDuration: Type.Optional(DurationSchema),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type SimulationConfig = Type.Static<typeof SimulationConfigSchema>;
export type FakeBackendConfig = Type.Static<typeof FakeBackendConfigSchema>;
export type TargetBackendConfig = Type.Static<typeof TargetBackendConfigSchema>;

export const DEFAULT_START_AT = '2026-03-02T06:00:00+07:00';
export const DEFAULT_HEAL_MS = 30 * 60_000;

/** A config with every default filled in and every duration in milliseconds: what the runner reads. */
export interface ResolvedSimulation {
  readonly devices: {
    readonly count: number;
    readonly branches: number;
    readonly groups: readonly { name: string; count: number }[];
  };
  readonly durationMs: number;
  readonly startEpochMs: number;
  readonly catalog: CatalogConfigInput;
  readonly workload: WorkloadConfig;
  readonly connectivity: ConnectivityConfig;
  readonly deviceClocks: NonNullable<SimulationConfig['deviceClocks']>;
  readonly crashes: { readonly config: CrashConfig; readonly appliesTo: DeviceSelector };
  readonly network: NetworkConditions;
  readonly backend: FakeBackendConfig | TargetBackendConfig;
  readonly policy: PolicyConfig;
  readonly sqliteSynchronous: 'off' | 'normal';
  readonly sqliteJournal: 'memory' | 'wal';
  readonly heal: { readonly enabled: boolean; readonly maxMs: number };
}

function durationField(value: number | string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === null)
    throw new ERR_SIM_CONFIG(field, `${JSON.stringify(value)} is not a duration (e.g. 8h, 30m, 90s, 1500)`);
  return ms;
}

/** Fills in defaults; throws SYNCSIM_ERR_SIM_CONFIG naming the field for what a schema cannot check. */
export function resolveSimulation(config: SimulationConfig): ResolvedSimulation {
  const durationMs = durationField(config.duration, 'duration', 0);
  if (durationMs <= 0) throw new ERR_SIM_CONFIG('duration', 'must be longer than 0');
  const startAt = config.startAt ?? DEFAULT_START_AT;
  const startEpochMs = Date.parse(startAt);
  if (Number.isNaN(startEpochMs))
    throw new ERR_SIM_CONFIG('startAt', `${JSON.stringify(startAt)} is not an ISO 8601 date-time`);
  const groups = config.devices.groups ?? [];
  const grouped = groups.reduce((sum, group) => sum + group.count, 0);
  if (grouped > config.devices.count) {
    throw new ERR_SIM_CONFIG(
      'devices.groups',
      `groups hold ${grouped} devices but devices.count is ${config.devices.count}`,
    );
  }
  const backend = config.backend ?? { kind: 'fake' };
  if (backend.kind === 'target') {
    for (const [name, value] of Object.entries(backend.headers ?? {})) {
      const problem = extraHeaderProblem(name, value);
      if (problem !== null) throw new ERR_SIM_CONFIG(`backend.headers.${name}`, problem);
    }
    const plain = new Set(Object.keys(backend.headers ?? {}).map((name) => name.toLowerCase()));
    for (const name of Object.keys(backend.headerEnv ?? {})) {
      const problem = extraHeaderProblem(name, '');
      if (problem !== null) throw new ERR_SIM_CONFIG(`backend.headerEnv.${name}`, problem);
      if (plain.has(name.toLowerCase()))
        throw new ERR_SIM_CONFIG(
          `backend.headerEnv.${name}`,
          `${name} is in backend.headers too: give it once`,
        );
    }
  }
  const distributions: [Distribution | undefined, string][] = [
    [config.network?.latencyMs, 'network.latencyMs'],
    [config.crashes?.restartAfterMs, 'crashes.restartAfterMs'],
    ...(config.connectivity?.schedules ?? []).map((spec, i): [Distribution | undefined, string] => [
      'duration' in spec ? spec.duration : undefined,
      `connectivity.schedules.${i}.duration`,
    ]),
  ];
  for (const [distribution, field] of distributions) {
    const problem = distribution === undefined ? null : distributionProblem(distribution);
    if (problem !== null) throw new ERR_SIM_CONFIG(field, problem);
  }
  const resolveOr = <T>(field: string, resolve: () => T): T => {
    try {
      return resolve();
    } catch (error) {
      if (error instanceof RangeError) throw new ERR_SIM_CONFIG(field, error.message);
      throw error;
    }
  };
  const devices = { count: config.devices.count, branches: config.devices.branches ?? 10, groups };
  const selectors: [DeviceSelector | undefined, string][] = [
    ...(config.connectivity?.schedules ?? []).map((spec, i): [DeviceSelector | undefined, string] => [
      spec.appliesTo as DeviceSelector | undefined,
      `connectivity.schedules.${i}.appliesTo`,
    ]),
    ...(config.deviceClocks ?? []).map((entry, i): [DeviceSelector | undefined, string] => [
      entry.appliesTo as DeviceSelector | undefined,
      `deviceClocks.${i}.appliesTo`,
    ]),
    [config.crashes?.appliesTo as DeviceSelector | undefined, 'crashes.appliesTo'],
  ];
  for (const [selector, field] of selectors) {
    const problem = selector === undefined ? null : selectorProblem(selector, devices);
    if (problem !== null) throw new ERR_SIM_CONFIG(field, problem);
  }
  return {
    devices,
    durationMs,
    startEpochMs,
    catalog: resolveOr('catalog', () => {
      resolveCatalogConfig(config.catalog);
      return config.catalog ?? {};
    }),
    workload: resolveOr('workload', () => resolveWorkloadConfig(config.workload)),
    connectivity: resolveOr('connectivity', () => resolveConnectivityConfig(config.connectivity)),
    deviceClocks: config.deviceClocks ?? [],
    crashes: {
      config: resolveCrashConfig(config.crashes),
      appliesTo: (config.crashes?.appliesTo ?? { kind: 'all' }) as DeviceSelector,
    },
    network: config.network ?? {},
    backend,
    policy: config.policy ?? { preset: 'seed' },
    sqliteSynchronous: config.sqliteSynchronous ?? 'off',
    sqliteJournal: config.sqliteJournal ?? 'memory',
    heal: {
      enabled: config.heal?.enabled ?? true,
      maxMs: durationField(config.heal?.maxDuration, 'heal.maxDuration', DEFAULT_HEAL_MS),
    },
  };
}
