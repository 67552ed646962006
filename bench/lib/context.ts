/**
 * What every benchmark gets: the options, a way to run a measurement N times (each in its own child
 * process), progress lines on stderr, and the shared virtual-time runs (benchmark 1's 1,000-device runs are
 * also the 1,000 point of benchmark 2's curve: the same child, the same arguments, run once).
 */
import { type ChildRun, commandLine, runChild } from './child-process.ts';
import type { ChildResult } from './child-result.ts';
import type { BenchOptions } from './options.ts';
import { fmt } from './stats.ts';

export interface BenchContext {
  readonly options: BenchOptions;
  log(line: string): void;
  /** Runs the child `runs` times, one after the other. */
  measure(label: string, run: ChildRun): Promise<ChildResult[]>;
  /** Runs the child once (a run whose arguments depend on another measurement). */
  measureOnce(label: string, run: ChildRun, index: number): Promise<ChildResult>;
  /**
   * The virtual-time runs of steady-day at this size, measured once per bench invocation. `afterEach` runs
   * right after each run (a floor measured in the same minutes as its run), or after all of them when an
   * earlier benchmark measured the runs already.
   */
  simRuns(
    devices: number,
    duration: string,
    afterEach?: (run: ChildResult, index: number) => Promise<void>,
  ): Promise<ChildResult[]>;
  /** The child command of a steady-day run at this size (for the report). */
  simRun(devices: number, duration: string): ChildRun;
}

export function createContext(options: BenchOptions): BenchContext {
  const log = (line: string): void => {
    process.stderr.write(`[bench] ${line}\n`);
  };
  const measureOnce = async (label: string, run: ChildRun, index: number): Promise<ChildResult> => {
    log(`${label} (run ${index + 1}/${options.runs}): ${commandLine(run)}`);
    const result = await runChild(run);
    log(`${label} (run ${index + 1}/${options.runs}): ${fmt(result.wallMs / 1000, 2)} s`);
    return result;
  };
  const measure = async (label: string, run: ChildRun): Promise<ChildResult[]> => {
    const results: ChildResult[] = [];
    for (let i = 0; i < options.runs; i++) results.push(await measureOnce(label, run, i));
    return results;
  };
  const simRun = (devices: number, duration: string): ChildRun => ({
    child: 'sim-run',
    args: ['--scenario', 'steady-day', '--devices', String(devices), '--duration', duration, '--seed', '1'],
    timeoutMs: options.sizes.childTimeoutMs,
    scratch: true,
  });
  const memo = new Map<string, Promise<ChildResult[]>>();
  return {
    options,
    log,
    measure,
    measureOnce,
    simRun,
    async simRuns(devices, duration, afterEach) {
      const key = `${devices}/${duration}`;
      const measured = memo.get(key);
      if (measured !== undefined) {
        const runs = await measured;
        for (const [index, run] of runs.entries()) await afterEach?.(run, index);
        return runs;
      }
      const measuring = (async () => {
        const runs: ChildResult[] = [];
        for (let index = 0; index < options.runs; index++) {
          const run = await measureOnce(
            `steady-day ${devices} devices ${duration}`,
            simRun(devices, duration),
            index,
          );
          runs.push(run);
          await afterEach?.(run, index);
        }
        return runs;
      })();
      memo.set(key, measuring);
      return measuring;
    },
  };
}
