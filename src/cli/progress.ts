/**
 * The progress display of a run: a cli-progress bar on a terminal; a plain line every few seconds when
 * stderr is not a TTY or under CI (logs stay readable).
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../sim/runner.ts';
import type { Console } from './console.ts';

export interface ProgressDisplay {
  update(progress: Progress): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5_000;

export function formatSimTime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
}

function describe(progress: Progress, requestsPerSecond: number): string {
  return (
    `${progress.phase.padEnd(5)} ${formatSimTime(progress.simulatedMs)} of ${formatSimTime(progress.durationMs)}` +
    ` | sales ${progress.salesCreated} | backlog ${progress.backlog} | online ${progress.devicesOnline}/${progress.devices}` +
    ` | req ${progress.requests} (${requestsPerSecond.toFixed(0)}/s) | errors ${progress.errors}` +
    (progress.generatorBusyPercent === null ? '' : ` | generator busy ${progress.generatorBusyPercent}%`)
  );
}

export function createProgressDisplay(console: Console, enabled: boolean): ProgressDisplay {
  if (!enabled) return { update() {}, stop() {} };
  const wallStart = Date.now();
  const rate = (progress: Progress) => progress.requests / Math.max(0.001, (Date.now() - wallStart) / 1000);
  if (console.interactive) {
    const bar = new cliProgress.SingleBar(
      {
        format: '{bar} {percentage}% | {status}',
        hideCursor: true,
        clearOnComplete: true,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress) {
        const value = Math.min(progress.simulatedMs, progress.durationMs);
        if (!started) {
          bar.start(progress.durationMs, value, { status: '' });
          started = true;
        }
        bar.update(value, { status: describe(progress, rate(progress)) });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastLine = 0;
  return {
    update(progress) {
      const now = Date.now();
      if (now - lastLine < PLAIN_EVERY_MS && progress.phase !== 'check') return;
      lastLine = now;
      console.err(`[syncsim] ${describe(progress, rate(progress))}`);
    },
    stop() {},
  };
}
