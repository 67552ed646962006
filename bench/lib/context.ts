/**
 * What every benchmark gets: the options, a way to run a measurement N times (each in its own child
 * process), progress lines on stderr, and the virtual-time runs of steady-day: at one size with a measurement
 * right after each run (benchmark 1's floors), or at several sizes in rounds (benchmark 2).
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
   * The virtual-time runs of steady-day at this size; `afterEach` runs right after each run (a floor measured
   * in the same minutes as its run).
   */
  simRuns(
    devices: number,
    duration: string,
    afterEach?: (run: ChildResult, index: number) => Promise<void>,
  ): Promise<ChildResult[]>;
  /** The runs of steady-day at each of these sizes, measured in rounds (inRounds): each size's runs, in order. */
  simRounds(sizes: readonly number[], duration: string): Promise<ChildResult[][]>;
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
  const measureSim = (devices: number, duration: string, index: number) =>
    measureOnce(`steady-day ${devices} devices ${duration}`, simRun(devices, duration), index);
  return {
    options,
    log,
    measure,
    measureOnce,
    simRun,
    async simRuns(devices, duration, afterEach) {
      const [runs] = await inRounds([devices], options.runs, async (size, index) => {
        const run = await measureSim(size, duration, index);
        await afterEach?.(run, index);
        return run;
      });
      return runs ?? [];
    },
    simRounds(sizes, duration) {
      return inRounds(sizes, options.runs, (devices, round) => measureSim(devices, duration, round));
    },
  };
}

/**
 * Measures every item `rounds` times, a round at a time (each item once per round, in order), and gives each
 * item's results in round order. This VM slows down by tens of percent for minutes at a time: measured one item
 * after the other, a slow stretch lands on every run of one item and moves its median; in rounds it lands on
 * one run of several items, which their medians discard.
 */
export async function inRounds<T, R>(
  items: readonly T[],
  rounds: number,
  measure: (item: T, round: number) => Promise<R>,
): Promise<R[][]> {
  const results: R[][] = items.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, item] of items.entries()) results[index]!.push(await measure(item, round));
  }
  return results;
}
