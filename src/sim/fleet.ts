/**
 * Who the devices are: index, id, branch and group, and which of the scenario's per-device settings apply to
 * each. Pure, and independent of sharding: device 17 is the same device in a full run and in shard 1/4.
 */
import type { DeviceSelector } from './connectivity.ts';
import { selects } from './connectivity.ts';
import type { DeviceIdentity } from './device.ts';
import type { DeviceClockConfig } from './device-clock.ts';
import { resolveDeviceClockConfig } from './device-clock.ts';
import type { ResolvedSimulation } from './simulation-config.ts';

export const DEFAULT_GROUP = 'default';

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function deviceIdentity(index: number, devices: ResolvedSimulation['devices']): DeviceIdentity {
  const width = Math.max(4, String(devices.count - 1).length);
  const branch = index % devices.branches;
  let group = DEFAULT_GROUP;
  let first = 0;
  for (const candidate of devices.groups) {
    if (index < first + candidate.count) {
      group = candidate.name;
      break;
    }
    first += candidate.count;
  }
  return {
    index,
    deviceId: `POS-${pad(index, width)}`,
    branchCode: `BRN-${pad(branch + 1, Math.max(3, String(devices.branches).length))}`,
    group,
  };
}

/** The devices a shard runs: those whose index is `index` mod `count`; all of them without a shard. */
export function shardIndices(total: number, shard: { index: number; count: number } | null): number[] {
  const indices: number[] = [];
  for (let i = 0; i < total; i++) if (shard === null || i % shard.count === shard.index) indices.push(i);
  return indices;
}

/** The device's clock settings: the last entry whose selector matches, or a perfect clock. */
export function deviceClockFor(
  identity: DeviceIdentity,
  entries: ResolvedSimulation['deviceClocks'],
): DeviceClockConfig {
  let chosen: DeviceClockConfig | null = null;
  for (const entry of entries) {
    const { appliesTo, ...config } = entry;
    if (selects((appliesTo ?? { kind: 'all' }) as DeviceSelector, identity))
      chosen = resolveDeviceClockConfig(config);
  }
  return chosen ?? resolveDeviceClockConfig({});
}
