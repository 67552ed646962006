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

/** `BRN-001`...: the code of branch `branch` (from 0) of `branches`. */
function branchCode(branch: number, branches: number): string {
  return `BRN-${pad(branch + 1, Math.max(3, String(branches).length))}`;
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
    branchCode: branchCode(branch, devices.branches),
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

/**
 * Why a selector names what the scenario does not have (a branch beyond devices.branches, a group it does not
 * define, a device index beyond the fleet), or null: a typo there would silently leave a schedule or setting
 * without a device. A branch or group of the scenario with no device in a small fleet is fine (a sweep).
 */
export function selectorProblem(
  selector: DeviceSelector,
  devices: ResolvedSimulation['devices'],
): string | null {
  const missing = (
    have: readonly string[],
    named: readonly string[],
    what: string,
    whats: string,
  ): string | null => {
    const absent = named.filter((name) => !have.includes(name));
    if (absent.length === 0) return null;
    const list = have.length > 6 ? `${have.slice(0, 3).join(', ')} ... ${have.at(-1)}` : have.join(', ');
    return `names ${what} ${absent.map((name) => JSON.stringify(name)).join(', ')}, which the scenario does not have (${whats}: ${list})`;
  };
  switch (selector.kind) {
    case 'all':
      return null;
    case 'branch': {
      const codes = Array.from({ length: devices.branches }, (_, i) => branchCode(i, devices.branches));
      return missing(codes, selector.branches, 'branch', 'branches');
    }
    case 'group':
      return missing(
        [...devices.groups.map((group) => group.name), DEFAULT_GROUP],
        selector.groups,
        'group',
        'groups',
      );
    case 'devices': {
      const absent = selector.indices.filter((index) => index >= devices.count);
      return absent.length === 0
        ? null
        : `names device index ${absent.join(', ')}, but the fleet's indices are 0 to ${devices.count - 1}`;
    }
  }
}
