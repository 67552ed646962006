import type { Console } from './console.ts';

/** What every command gets from main(): where to write, the environment, Ctrl-C, and how to set the exit code. */
export interface CommandContext {
  readonly console: Console;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Takes over Ctrl-C for a run: the first SIGINT (or SIGTERM) aborts the returned signal so the run stops
   * cleanly with a partial report; a second one exits at once with 130.
   */
  trapInterrupts(): AbortSignal;
  setExitCode(code: number): void;
}
