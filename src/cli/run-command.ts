/** `syncsim run <scenario|file>`: one run, its reports, and an exit code from its thresholds. */

import { relative } from 'node:path';
import { Command, Option } from 'commander';
import { POLICY_PRESETS } from '../core/policy.ts';
import { renderTerminal } from '../report/index.ts';
import { DEFAULT_SCENARIO } from '../scenarios/builtin/index.ts';
import { loadScenario } from '../scenarios/loader.ts';
import type { Console } from './console.ts';
import type { CommandContext } from './context.ts';
import { ERR_FLAG } from './errors.ts';
import { executeRun, type FinishedRun, reportsNotWritten } from './execute-run.ts';
import { EXIT, EXIT_CODES_HELP, runExitCode } from './exit-codes.ts';
import * as flags from './flags.ts';
import { defaultRunFolder, pickSeed } from './run-folder.ts';
import { runWorkers, workersNotes } from './run-workers.ts';

export interface RunFlags {
  devices?: string;
  duration?: string;
  seed?: string;
  policy?: string;
  set?: string[];
  realtime?: boolean;
  speed?: string;
  target?: string;
  tokenEnv?: string;
  header?: string[];
  headerEnv?: string[];
  ledger?: string;
  ledgerTable?: string;
  ledgerColumn?: string[];
  shard?: string;
  workers?: string;
  out?: string;
  progress: boolean;
  json?: boolean;
  log?: string;
  maxOpenDevices?: string;
}

/** The scenario fields a flag sets: a `--set` of the same field would silently win over the flag. */
const FLAG_FIELDS: readonly (readonly [
  'devices' | 'duration' | 'policy' | 'target',
  string,
  readonly string[],
])[] = [
  ['devices', '--devices', ['devices.count', 'devices']],
  ['duration', '--duration', ['duration']],
  ['policy', '--policy', ['policy.preset', 'policy']],
  ['target', '--target', ['backend', 'backend.kind', 'backend.url']],
];

/** Refuses a `--set` of a field one of the given flags sets. */
export function checkSetConflicts(
  options: Pick<RunFlags, 'devices' | 'duration' | 'policy' | 'target' | 'set'>,
): void {
  for (const text of options.set ?? []) {
    const field = text.slice(0, Math.max(0, text.indexOf('='))).trim();
    for (const [key, flag, fields] of FLAG_FIELDS) {
      if (options[key] !== undefined && fields.includes(field))
        throw new ERR_FLAG('--set', `${text} sets what ${flag} sets: give one of them`);
    }
  }
}

/** The flags that change the scenario, as `--set` assignments (so one validation names every bad field). */
export function flagAssignments(options: RunFlags): string[] {
  checkSetConflicts(options);
  const sets: string[] = [];
  if (options.devices !== undefined)
    sets.push(`devices.count=${flags.positiveInteger('--devices', options.devices, 100_000)}`);
  if (options.duration !== undefined) sets.push(`duration=${flags.duration('--duration', options.duration)}`);
  if (options.policy !== undefined) {
    if (!POLICY_PRESETS.includes(options.policy as never)) {
      throw new ERR_FLAG(
        '--policy',
        `expected ${POLICY_PRESETS.join(' or ')}, got ${JSON.stringify(options.policy)}`,
      );
    }
    sets.push(`policy.preset=${options.policy}`);
  }
  const targetOnly = {
    tokenEnv: '--token-env',
    header: '--header',
    headerEnv: '--header-env',
    ledger: '--ledger',
    ledgerTable: '--ledger-table',
    ledgerColumn: '--ledger-column',
  } as const;
  if (options.target === undefined) {
    for (const [key, flag] of Object.entries(targetOnly)) {
      if (options[key as keyof typeof targetOnly] !== undefined)
        throw new ERR_FLAG(flag, 'only applies with --target URL');
    }
  } else {
    const target: Record<string, unknown> = {
      kind: 'target',
      url: flags.nonBlank('--target', options.target, 'the backend URL, e.g. https://staging.example.com'),
    };
    if (options.tokenEnv !== undefined) target.tokenEnv = options.tokenEnv;
    if (options.header !== undefined) target.headers = Object.fromEntries(options.header.map(flags.header));
    if (options.headerEnv !== undefined)
      target.headerEnv = Object.fromEntries(options.headerEnv.map(flags.headerEnv));
    if (options.ledger !== undefined)
      target.ledger = flags.nonBlank(
        '--ledger',
        options.ledger,
        "the fake backend's URL, sqlite:PATH or mysql://user@host/db",
      );
    if (options.ledgerTable !== undefined || options.ledgerColumn !== undefined) {
      // The admin API serves the fake backend's own table: a mapping would be ignored without a word.
      if (/^https?:/i.test(options.ledger ?? ''))
        throw new ERR_FLAG(
          options.ledgerTable !== undefined ? '--ledger-table' : '--ledger-column',
          "applies to a database ledger (sqlite: or mysql:): the fake backend's admin API serves its own table",
        );
      const mapping: Record<string, unknown> = {};
      if (options.ledgerTable !== undefined)
        mapping.table = flags.nonBlank('--ledger-table', options.ledgerTable, 'a table name');
      if (options.ledgerColumn !== undefined)
        mapping.columns = Object.fromEntries(options.ledgerColumn.map(flags.ledgerColumn));
      target.ledgerMapping = mapping;
    }
    sets.push(`backend=${JSON.stringify(target)}`);
  }
  return sets;
}

export function realtimeOf(options: RunFlags): { speed: number } | null {
  if (options.speed !== undefined && !options.realtime && options.target === undefined) {
    throw new ERR_FLAG('--speed', 'only applies with --realtime or --target');
  }
  const speed =
    options.speed === undefined ? 1 : flags.positiveNumber('--speed', options.speed, flags.MAX_SPEED);
  return options.realtime || options.target !== undefined ? { speed } : null;
}

/** `--workers n` (default 1), checked against the flags it cannot go with and the size of the fleet. */
export function workersOf(options: RunFlags, devices: number): number {
  if (options.workers === undefined) return 1;
  const workers = flags.positiveInteger('--workers', options.workers, flags.MAX_WORKERS);
  if (workers === 1) return 1;
  if (options.shard !== undefined)
    throw new ERR_FLAG(
      '--workers',
      'runs every shard itself: leave out --shard (or run one shard, without --workers)',
    );
  if (options.log !== undefined)
    throw new ERR_FLAG(
      '--workers',
      'cannot share one --log file between shards: run the shards with --shard i/N and a --log each',
    );
  if (workers > devices)
    throw new ERR_FLAG(
      '--workers',
      `${workers} workers for ${devices} device(s): at most one worker per device`,
    );
  return workers;
}

/** `--max-open-devices n` (hidden: the default from `ulimit -n` is right unless a test wants churn). */
export function maxOpenDevicesOf(options: RunFlags): number | undefined {
  return options.maxOpenDevices === undefined
    ? undefined
    : flags.positiveInteger('--max-open-devices', options.maxOpenDevices);
}

/** Whether the run had a ledger to read: the fake backend's own, or the one a target names. */
function namesALedger(scenario: unknown): boolean {
  const backend = (scenario as { backend?: { kind?: unknown; ledger?: unknown } } | undefined)?.backend;
  return backend?.kind !== 'target' || backend.ledger !== undefined;
}

/** Prints what a finished run needs to say, and returns its exit code. */
export function reportOutcome(
  outcome: FinishedRun,
  outDir: string,
  options: { json?: boolean },
  console: Console,
): number {
  const { summary } = outcome;
  if (options.json) console.out(JSON.stringify(summary, null, 2));
  const print = options.json ? console.err : console.out;
  print(renderTerminal(outcome.report));
  if (outcome.reportProblem === null)
    print(
      `reports: ${relative(process.cwd(), outDir) || '.'}/ (${outcome.files.length} report files; open report.html)`,
    );
  else console.err(reportsNotWritten(outcome.reportProblem));
  if (summary.harnessErrors > 0) {
    const first = outcome.report.harnessErrors?.[0]?.error.split('\n')[0];
    console.err(
      `warning: ${summary.harnessErrors} unexpected error(s) inside the simulation (a bug)${first === undefined ? '' : `; first: ${first}`}`,
    );
  }
  if (!summary.invariants.checked && !summary.interrupted) {
    console.err(
      'note: lost, duplicated, phantom, mismatched and unsound were not checked: syncsim could not read the ' +
        (namesALedger(summary.replay?.scenario)
          ? "server's rows (the warning above says why)."
          : "server's rows. Give it --ledger <the fake backend's URL | sqlite:PATH | mysql://user@host/db>."),
    );
  }
  return runExitCode(summary, outcome.reportProblem);
}

/** The flags of `run`, and of `sweep`, which runs them at each of its sizes (its own --devices, --out, --json). */
export function addRunFlags(command: Command, kind: 'run' | 'sweep' = 'run'): Command {
  const sweep = kind === 'sweep';
  command
    .option(
      '--devices <n>',
      sweep
        ? 'fleet sizes to run, comma-separated, at least two (e.g. 50,100,200,400)'
        : 'number of devices (overrides the scenario)',
    )
    .option('--duration <d>', 'length of the fault phase: 8h, 90m, 30s, or milliseconds')
    .option('--seed <s>', 'the seed; a run without one picks one and prints it')
    .option(
      '--policy <preset>',
      `policy preset: ${POLICY_PRESETS.join(' | ')} (default: the scenario's, seed for built-ins)`,
    )
    .option(
      '--set <path=value>',
      'set any scenario field, e.g. policy.maxBatchSize=100 (repeatable)',
      flags.collect,
    )
    .option('--realtime', 'run in real time over HTTP (against the fake backend on loopback, or --target)')
    .option(
      '--speed <x>',
      `real-time speed factor: scenario time runs x times faster than the wall clock (at most ${flags.MAX_SPEED})`,
    )
    .option('--target <url>', 'a real backend to test (implies --realtime); its base URL')
    .option(
      '--token-env <name>',
      "environment variable holding the target's bearer token (never pass the token itself)",
    )
    .option(
      '--header <"Name: value">',
      'extra request header for the target (repeatable; recorded in summary.json: a secret goes in --header-env)',
      flags.collect,
    )
    .option(
      '--header-env <"Name: VAR">',
      'a header whose value is read from the environment variable VAR (repeatable; only VAR is recorded)',
      flags.collect,
    )
    .option(
      '--ledger <source>',
      "where the target's stored rows can be read: the fake backend's URL, sqlite:PATH or mysql://user@host/db",
    )
    .option('--ledger-table <name>', 'ledger table name (sqlite: and mysql: sources)')
    .option(
      '--ledger-column <field=column>',
      'ledger column mapping, e.g. offlineReference=ref; column null if absent (repeatable)',
      flags.collect,
    );
  if (!sweep)
    command.option(
      '--shard <i/N>',
      'run only the devices whose index is i mod N (merge the shards with `syncsim merge`)',
    );
  command.option(
    '--workers <n>',
    `run ${sweep ? 'each size' : 'the fleet'} as n shards at once, one thread each (one per core) in this process, merged into one result; each shard has a fake backend of its own, or sends to the one --target`,
  );
  if (sweep) {
    command
      .option(
        '--out <dir>',
        'sweep folder: the curve (sweep.html, sweep.json) and a run folder per size (default: reports/<scenario>-<seed>-sweep-<time>/)',
      )
      .option('--no-progress', 'no progress display')
      .option(
        '--json',
        'print the rows of sweep.json (one per size) to stdout (everything else goes to stderr)',
      );
  } else {
    command
      .option('--out <dir>', 'run folder (default: reports/<scenario>-<seed>-<time>/)')
      .option('--no-progress', 'no progress display')
      .option('--json', 'print summary.json to stdout (everything else goes to stderr)')
      .option(
        '--log <file>',
        "write every device's AppLog events (sale created, batch sync completed...) to FILE as pino NDJSON",
      );
  }
  return command.addOption(
    new Option('--max-open-devices <n>', 'device files open at once (default: from ulimit -n)').hideHelp(),
  );
}

export function runCommand(context: CommandContext): Command {
  const command = new Command('run')
    .description('Run a scenario: a built-in name or a scenario file (.json or .ts)')
    .argument(
      '[scenario]',
      'built-in scenario name (see `syncsim list`) or scenario file (.json, or .ts exporting defineScenario)',
      DEFAULT_SCENARIO,
    );
  addRunFlags(command)
    .addHelpText(
      'after',
      `
Examples:
  syncsim run                                   # steady-day, the default scenario, in virtual time
  syncsim run lost-ack --seed 42                # a bug scenario under the spec's design (fails)
  syncsim run lost-ack --seed 42 --policy hardened
  syncsim run lost-ack --seed 42 --set policy.onTransportError=release --set 'policy.retryBackoff={"baseMs":2000,"maxMs":60000,"jitter":"full"}'
  syncsim run steady-day --devices 400 --duration 2h --json > summary.json
  syncsim run steady-day --target https://staging.example.com --token-env STAGING_TOKEN --ledger mysql://ro@db/pos
  syncsim run my-scenario.json --shard 0/2 --out reports/shard-0
  syncsim run steady-day --devices 2000 --workers 2   # both cores: shards 0/2 and 1/2 at once, merged
  syncsim run steady-day --devices 400 --target https://staging.example.com --workers 2   # two load generators
${EXIT_CODES_HELP}`,
    )
    .action(async (name: string, options: RunFlags) => {
      const { console } = context;
      const loaded = await loadScenario(name, [...flagAssignments(options), ...(options.set ?? [])]);
      const realtime = realtimeOf(options);
      const shard = options.shard === undefined ? null : flags.shard(options.shard);
      if (shard !== null && shard.count > loaded.scenario.devices.count)
        throw new ERR_FLAG(
          '--shard',
          `${shard.count} shards for ${loaded.scenario.devices.count} device(s): at most one shard per device`,
        );
      const workers = workersOf(options, loaded.scenario.devices.count);
      const maxOpenDevices = maxOpenDevicesOf(options);
      const seed = options.seed === undefined ? pickSeed() : flags.seed(options.seed);
      const out = flags.outFolder(options.out);
      const print = options.json ? console.err : console.out;
      print(`seed ${seed}${options.seed === undefined ? ` (picked; replay with --seed ${seed})` : ''}`);
      const outDir =
        out ??
        defaultRunFolder(
          loaded.scenario.name,
          seed,
          new Date(),
          shard ? `-shard${shard.index}of${shard.count}` : '',
        );
      print(
        `running ${loaded.source}: ${loaded.scenario.devices.count} devices, policy ${loaded.scenario.policy?.preset ?? 'seed'}, ${realtime ? `real time x${realtime.speed}` : 'virtual time'}`,
      );
      const signal = context.trapInterrupts();
      if (workers > 1) {
        print(`${workers} workers: shards 0/${workers} to ${workers - 1}/${workers} at once, merged`);
        for (const note of workersNotes(loaded.scenario, workers)) console.err(note);
        const merged = await runWorkers({
          scenario: loaded.scenario,
          seed,
          workers,
          outDir,
          realtime,
          progress: options.progress,
          console,
          signal,
          env: context.env,
          maxOpenDevices,
        });
        context.setExitCode(
          merged === null ? EXIT.interrupted : reportOutcome(merged, outDir, options, console),
        );
        return;
      }
      const outcome = await executeRun({
        scenario: loaded.scenario,
        seed,
        outDir,
        shard,
        realtime,
        progress: options.progress,
        console,
        signal,
        env: context.env,
        maxOpenDevices,
        logFile: options.log,
      });
      context.setExitCode(reportOutcome(outcome, outDir, options, console));
    });
  return command;
}
