/**
 * `npm run bench`: runs the benchmarks of issue 6, each measurement in a child process of its own, N runs
 * each, and writes the medians with the machine, the command and the targets to bench/RESULTS.md.
 *
 *   npm run bench                                   # everything, 3 runs, bench/RESULTS.md
 *   npm run bench -- --only virtual-time,core --runs 5
 *   npm run bench -- --quick                        # tiny sizes, 1 run, a temporary file (what the tests run)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { backendBenchmark } from './benchmarks/backend.ts';
import { coreBenchmark } from './benchmarks/core.ts';
import { httpBenchmark } from './benchmarks/http.ts';
import { scalingBenchmark } from './benchmarks/scaling.ts';
import { virtualTimeBenchmark } from './benchmarks/virtual-time.ts';
import { REPO_ROOT } from './lib/child-process.ts';
import { type BenchContext, createContext } from './lib/context.ts';
import { loadAverage, machineInfo } from './lib/machine.ts';
import { type BenchmarkName, parseBenchOptions, USAGE } from './lib/options.ts';
import { renderReport, type Section } from './lib/report.ts';

const BENCHMARKS: Readonly<Record<BenchmarkName, (ctx: BenchContext) => Promise<Section>>> = {
  'virtual-time': virtualTimeBenchmark,
  scaling: scalingBenchmark,
  http: httpBenchmark,
  backend: backendBenchmark,
  core: coreBenchmark,
};

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parseBenchOptions(argv, REPO_ROOT);
  const ctx = createContext(options);
  const started = performance.now();
  const date = new Date().toISOString();
  const loadBefore = loadAverage();
  ctx.log(`load before: ${loadBefore}; ${options.quick ? 'quick mode, ' : ''}${options.runs} run(s) each`);

  const sections: Section[] = [];
  for (const name of options.only) sections.push(await BENCHMARKS[name](ctx));

  const loadAfter = loadAverage();
  const report = renderReport({
    machine: machineInfo(),
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    date,
    runs: options.runs,
    quick: options.quick,
    loadBefore,
    loadAfter,
    wallSeconds: (performance.now() - started) / 1000,
    sections,
  });
  mkdirSync(dirname(options.out), { recursive: true });
  // The hand-written record of what was profiled and fixed (before and after) follows the measured figures.
  const notes = join(REPO_ROOT, 'bench', 'PROFILING.md');
  writeFileSync(
    options.out,
    options.quick || !existsSync(notes) ? report : `${report}\n${readFileSync(notes, 'utf8')}`,
  );
  ctx.log(`load after: ${loadAfter}`);
  ctx.log(`wrote ${options.out}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
