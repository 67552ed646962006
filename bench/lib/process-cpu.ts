/**
 * CPU time for the HTTP benchmark. The server's, from /proc/PID/stat (Linux only; null elsewhere, or once the
 * process is gone): how busy each load generator kept it. Each generator's own, per request of its load: what
 * sending cost it on the cores it shares with the server.
 */
import { readFileSync } from 'node:fs';

/** Linux reports utime and stime in USER_HZ ticks, 100 a second on every architecture node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * User plus system time, in ms, from the text of /proc/PID/stat. The command name (field 2) sits in
 * parentheses and may itself hold spaces and parentheses, so the fields are counted after its last ')':
 * state is field 3, utime field 14, stime field 15.
 */
export function cpuMsFromStat(text: string): number {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error('not a /proc/PID/stat line: no command name');
  const fields = text
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`not a /proc/PID/stat line: utime ${fields[11]}, stime ${fields[12]}`);
  }
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** The process's CPU time so far (ms), or null where /proc cannot tell (not Linux, or the process exited). */
export function processCpuMs(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return cpuMsFromStat(text);
}

/**
 * How much of one core a process used doing `perSecond` things that cost it `cpuMsEach` of CPU each (every
 * thread counted, so GC helpers can take it past 1). For the HTTP benchmark's server: well below 1, the server
 * waited for its load generator, which then set the rate.
 */
export function busyShare(perSecond: number, cpuMsEach: number | null): number | null {
  return cpuMsEach === null ? null : (perSecond * cpuMsEach) / 1000;
}

/** A load generator's own CPU time, read next to how far its load had got. */
export interface CpuReading {
  /** Scenario time of the reading, ms. */
  readonly atMs: number;
  /** Requests the generator had sent so far. */
  readonly requests: number;
  /** The generator's CPU time so far (every thread), ms. */
  readonly cpuMs: number;
}

/**
 * A load generator's CPU time per request over its load, from readings taken as it ran: from the first reading
 * at or after the load's start to the last one at which requests were still being added, so that neither the
 * selling before the load nor the reading back after it counts. Null with no two such readings.
 */
export function cpuMsPerRequest(readings: readonly CpuReading[], loadStartMs: number): number | null {
  const first = readings.findIndex((reading) => reading.atMs >= loadStartMs);
  if (first < 0) return null;
  const last = readings.findLastIndex(
    (reading, i) => i > first && reading.requests > readings[i - 1]!.requests,
  );
  if (last < 0) return null;
  const requests = readings[last]!.requests - readings[first]!.requests;
  return requests > 0 ? (readings[last]!.cpuMs - readings[first]!.cpuMs) / requests : null;
}

/** This process's CPU time so far (user and system, every thread), ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
