/** Run folders: `reports/<scenario>-<seed>-<time>/` unless `--out DIR` says otherwise. */
import { join } from 'node:path';

/** Local wall time as YYYYMMDD-HHMMSS: folders sort by when they ran. */
export function timestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'run';
}

export function defaultRunFolder(scenario: string, seed: string, now: Date, suffix = ''): string {
  return join('reports', `${safeName(scenario)}-${safeName(seed)}${suffix}-${timestamp(now)}`);
}

/** A seed for a run that was not given one: printed first, so the run can be replayed. */
export function pickSeed(): string {
  return String(Math.floor(Math.random() * 1_000_000_000));
}
