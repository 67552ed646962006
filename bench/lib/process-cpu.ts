/**
 * The CPU time another process has used, from /proc/PID/stat: what the HTTP benchmark reads off the server
 * process to tell how busy each load generator kept it. Linux only; null elsewhere, or once the process is gone.
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
