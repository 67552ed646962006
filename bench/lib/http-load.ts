/**
 * The load scenario of benchmark 3, shared by its syncsim child (which runs it) and the report (which prints
 * it as the `syncsim run` command a user would type for the same load).
 */

/** One wall second is one scenario hour, so salesPerHour reads as sales per wall second. */
export const HTTP_SPEED = 3_600;

export interface LoadShape {
  readonly url: string;
  /** Devices, and so connections: each device has at most one request in flight (single-flight). */
  readonly devices: number;
  readonly seconds: number;
  /** Sales per device per wall second: more than its requests can carry, so it always has rows to send. */
  readonly rate: number;
}

/**
 * steady-day with these --set overrides. The backend (the target URL, one connection per device) is set by
 * the caller: `--target` on the command line, whose default pool size is the device count up to 256.
 */
export function loadOverrides(shape: Omit<LoadShape, 'url'>): string[] {
  return [
    `devices.count=${shape.devices}`,
    `duration=${shape.seconds}h`,
    // A scenario hour lasts 3600 / speed wall seconds.
    `workload.salesPerHour=${shape.rate * (3_600 / HTTP_SPEED)}`,
    `workload.hourly=${JSON.stringify(new Array<number>(24).fill(1))}`,
    'network={"timeoutMs":15000}',
    'policy.preset=hardened',
    'heal.enabled=false',
  ];
}

/** The same run from the command line (the target URL set by --target). */
export function loadCommand(shape: LoadShape): string {
  const sets = loadOverrides(shape)
    .map((set) => `--set '${set}'`)
    .join(' ');
  return `syncsim run steady-day ${sets} --target ${shape.url} --speed ${HTTP_SPEED}`;
}
