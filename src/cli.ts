/**
 * The `syncsim` command: parses the command line, runs one command, and turns every error a user can cause
 * into a one-line message and an exit code (2 usage/configuration, 3 could not run) instead of a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { type Console, processConsole } from './cli/console.ts';
import type { CommandContext } from './cli/context.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './cli/exit-codes.ts';
import { inspectCommand } from './cli/inspect-command.ts';
import { listCommand } from './cli/list-command.ts';
import { mergeCommand } from './cli/merge-command.ts';
import { replayCommand } from './cli/replay-command.ts';
import { runCommand } from './cli/run-command.ts';
import { schemaCommand } from './cli/schema-command.ts';
import { serveCommand } from './cli/serve-command.ts';
import { sweepCommand } from './cli/sweep-command.ts';
import { isSyncsimError } from './core/errors.ts';

const OVERVIEW = `
syncsim simulates a fleet of offline-first POS devices, each running the real store and sync core over its
own SQLite file, against the built-in fake backend (in virtual time: hours in seconds) or a real one, and
checks every sale on every device against what the server stored.

Examples:
  syncsim run                                # the default scenario (steady-day), virtual time
  syncsim list                               # the built-in scenarios and the bug each one shows
  syncsim run lost-ack --seed 42             # reproduce a duplicate/stuck-sync bug of the spec's design
  syncsim run lost-ack --seed 42 --policy hardened
  syncsim serve --admin                      # the fake backend over HTTP
  syncsim run steady-day --target http://127.0.0.1:8787 --ledger http://127.0.0.1:8787
  syncsim sweep capacity-ramp --devices 50,100,200,400
${EXIT_CODES_HELP}`;

export interface MainOptions {
  readonly console?: Console;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function trapInterrupts(console: Console, notify?: (signal: NodeJS.Signals) => void): AbortSignal {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    notify?.(signal);
    if (interrupts === 1) {
      console.err(
        `\n${signal}: stopping the run (the heal phase skipped, or cut short); writing a partial report. Again to quit at once.`,
      );
      controller.abort();
    } else {
      process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

export function buildProgram(context: CommandContext): Command {
  const program = new Command('syncsim')
    .description('Simulation and load-test harness for offline-first point-of-sale sync')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', OVERVIEW);
  for (const make of [
    runCommand,
    serveCommand,
    listCommand,
    schemaCommand,
    inspectCommand,
    replayCommand,
    mergeCommand,
    sweepCommand,
  ]) {
    program.addCommand(make(context));
  }
  const configure = (command: Command): void => {
    command.exitOverride();
    // Commander copies this setting only to subcommands made with .command(), not with addCommand().
    if (command !== program)
      command.showHelpAfterError(`(run \`syncsim ${command.name()} --help\` for usage)`);
    command.configureOutput({
      writeOut: (text) => context.console.out(text.replace(/\n$/, '')),
      writeErr: (text) => context.console.err(text.replace(/\n$/, '')),
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  return program;
}

/** Runs the command line; resolves with the exit code (the caller sets process.exitCode). */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const console = options.console ?? processConsole();
  let exitCode: number = EXIT.ok;
  let signal: AbortSignal | null = null;
  let received: NodeJS.Signals | null = null;
  const context: CommandContext = {
    console,
    env: options.env ?? process.env,
    trapInterrupts: () => {
      signal ??= trapInterrupts(console, (name) => {
        received ??= name;
      });
      return signal;
    },
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // A run stopped by SIGTERM (a CI timeout, `kill`) says so: 128 + 15, as a shell would.
    return exitCode === EXIT.interrupted && received === 'SIGTERM' ? EXIT.terminated : exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isSyncsimError(error)) {
      console.err(`error: ${error.message}`);
      return exitCodeFor(error);
    }
    const message = error instanceof Error ? error.message : String(error);
    console.err(`internal error: ${message}`);
    if (context.env.SYNCSIM_DEBUG) console.err(error instanceof Error ? (error.stack ?? '') : '');
    else console.err('(a bug in syncsim: set SYNCSIM_DEBUG=1 for the stack trace, and please report it)');
    return EXIT.unavailable;
  }
}
