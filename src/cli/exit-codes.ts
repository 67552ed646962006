/** The exit codes, as README and `--help` document them. */
import { isSyncsimError } from '../core/errors.ts';

export const EXIT = {
  /** The run passed: every threshold held. */
  ok: 0,
  /** A threshold failed. */
  failed: 1,
  /** Bad usage or configuration: a flag, a scenario file, a value. */
  usage: 2,
  /** The run could not be carried out: a target or ledger unreachable, a file missing, an internal error. */
  unavailable: 3,
  /**
   * A replay did not give its original's result: the run is not deterministic (or the file was edited). Its
   * own code, so that a script can tell it from a scenario that fails its thresholds the same way each time.
   */
  differed: 4,
  /** Stopped with Ctrl-C (128 + SIGINT). */
  interrupted: 130,
  /** Stopped with SIGTERM (128 + SIGTERM). */
  terminated: 143,
} as const;

/** A finished run's code: 3 when its reports could not be written, else as the run went. */
export function runExitCode(
  summary: { readonly interrupted: boolean; readonly passed: boolean },
  reportProblem: string | null,
): number {
  if (reportProblem !== null) return EXIT.unavailable;
  if (summary.interrupted) return EXIT.interrupted;
  return summary.passed ? EXIT.ok : EXIT.failed;
}

export function exitCodeFor(error: unknown): number {
  if (!isSyncsimError(error)) return EXIT.unavailable;
  switch (error.kind) {
    case 'usage':
    case 'config':
      return EXIT.usage;
    default:
      return EXIT.unavailable;
  }
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    passed (every threshold held)
  1    a threshold failed
  4    replay: the result differed from the original
  2    bad usage or configuration (flag, scenario file, value)
  3    the run could not be carried out (target or ledger unreachable, missing file), or its reports
       could not be written (the result is still printed)
  130  interrupted with Ctrl-C (a partial report is written); 143 for SIGTERM`;

/** `syncsim serve` runs until it is stopped: its codes say whether it started. */
export const SERVE_EXIT_CODES_HELP = `
Exit codes:
  0    stopped with Ctrl-C or SIGTERM, once the requests in flight were answered
  2    bad usage or configuration (flag, fault plan content, token variable)
  3    could not start (port taken, database or fault plan file unreadable)`;
