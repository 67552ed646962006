/** What machine the figures come from, and how busy it was: read from /proc and os, never guessed. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly node: string;
  readonly os: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readOr('/proc/cpuinfo', '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readOr('/etc/os-release', ''))?.[1] ?? os.type();
  return {
    cpuModel: model,
    cores: os.availableParallelism(),
    ramGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${pretty}, ${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** /proc/loadavg as it reads (1, 5 and 15 minute load, running/total tasks, last pid). */
export function loadAverage(): string {
  const text = readOr('/proc/loadavg', '').trim();
  return text === ''
    ? os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')
    : text;
}
