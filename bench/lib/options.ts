/**
 * The flags of `npm run bench` and the sizes each benchmark runs at: the full sizes of issue 6, or tiny
 * ones for `--quick` (what the test suite runs to prove the harness still works; no timing means anything).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const BENCHMARKS = ['virtual-time', 'scaling', 'http', 'backend', 'core'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface Sizes {
  readonly virtualTime: { readonly devices: number; readonly duration: string };
  readonly scaling: { readonly devices: readonly number[]; readonly duration: string };
  readonly http: {
    /** Devices, and connections. */
    readonly devices: number;
    /** Sales per device made offline over `hours` scenario hours, then drained as many hours, at `speed`. */
    readonly backlog: { readonly sales: number; readonly hours: number; readonly speed: number };
    /** Sales per device per wall second, for `seconds`. */
    readonly trickle: { readonly rate: number; readonly seconds: number };
  };
  readonly backend: { readonly rows: number; readonly batch: number };
  readonly core: { readonly sales: number; readonly cycles: number };
  /** Per child process; a child past it is killed and the benchmark fails. */
  readonly childTimeoutMs: number;
}

export const FULL_SIZES: Sizes = {
  virtualTime: { devices: 1000, duration: '8h' },
  scaling: { devices: [100, 250, 500, 1000, 2000], duration: '8h' },
  http: {
    devices: 32,
    // 96,000 sales, made in 18 wall s (about half the generator's CPU: faster, it lags and sells after the
    // reconnection), drained in about 5 s in batches of 100.
    backlog: { sales: 3_000, hours: 3, speed: 600 },
    // 80 sales per device per second keeps every device's connection busy without making the load generator
    // spend most of its CPU recording sales (200 halved the request rate on this machine; 20 left devices idle).
    trickle: { rate: 80, seconds: 10 },
  },
  backend: { rows: 50_000, batch: 100 },
  core: { sales: 20_000, cycles: 5_000 },
  childTimeoutMs: 30 * 60_000,
};

export const QUICK_SIZES: Sizes = {
  virtualTime: { devices: 20, duration: '1h' },
  // Three sizes: the marginal cost per device needs two steps to be compared. 20 devices is benchmark 1's
  // run, measured once for both.
  scaling: { devices: [5, 10, 20], duration: '1h' },
  http: { devices: 4, backlog: { sales: 40, hours: 1, speed: 3_600 }, trickle: { rate: 20, seconds: 1 } },
  backend: { rows: 1_000, batch: 100 },
  core: { sales: 200, cycles: 200 },
  childTimeoutMs: 2 * 60_000,
};

export interface BenchOptions {
  readonly only: readonly BenchmarkName[];
  readonly runs: number;
  readonly quick: boolean;
  readonly out: string;
  readonly sizes: Sizes;
  /** The arguments as given, for RESULTS.md. */
  readonly argv: readonly string[];
}

export const USAGE = `usage: npm run bench -- [--only ${BENCHMARKS.join(',')}] [--runs N] [--quick] [--out FILE]

  --only    benchmarks to run, comma-separated (names or numbers 1-5); default all
  --runs    runs per measurement: the median is reported, with an interval that holds the median of
            many more runs (default 5: their lowest to highest, at 94%; 1 with --quick)
  --quick   tiny sizes and one run: proves the harness works, measures nothing
  --out     where to write the report (default bench/RESULTS.md; with --quick a temporary file)`;

function onlyOf(text: string | undefined): BenchmarkName[] {
  if (text === undefined) return [...BENCHMARKS];
  const names = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return names.map((name) => {
    const byNumber = /^[1-5]$/.test(name) ? BENCHMARKS[Number(name) - 1] : undefined;
    const found = byNumber ?? BENCHMARKS.find((candidate) => candidate === name);
    if (found === undefined) throw new Error(`--only: unknown benchmark ${JSON.stringify(name)}\n${USAGE}`);
    return found;
  });
}

export function parseBenchOptions(argv: readonly string[], repoRoot: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  let runs = quick ? 1 : 5;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1\n${USAGE}`);
  }
  // Quick figures must never replace the real ones by accident.
  const out =
    values.out ??
    (quick ? join(tmpdir(), `syncsim-bench-quick-${process.pid}.md`) : join(repoRoot, 'bench', 'RESULTS.md'));
  return {
    only: onlyOf(values.only),
    runs,
    quick,
    out,
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    argv,
  };
}
