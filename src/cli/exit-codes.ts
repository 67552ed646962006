/** The exit codes, as README and `--help` document them. */
import { isSyncsimError } from '../core/errors.ts';

export const EXIT = {
  /** The run passed: every threshold held. */
  ok: 0,
  /** A threshold failed (or a replay differed from its original). */
  failed: 1,
  /** Bad usage or configuration: a flag, a scenario file, a value. */
  usage: 2,
  /** The run could not be carried out: a target or ledger unreachable, a file missing, an internal error. */
  unavailable: 3,
  /** Stopped with Ctrl-C (128 + SIGINT). */
  interrupted: 130,
  /** Stopped with SIGTERM (128 + SIGTERM). */
  terminated: 143,
} as const;

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
  1    a threshold failed (replay: the result differed)
  2    bad usage or configuration (flag, scenario file, value)
  3    the run could not be carried out (target or ledger unreachable, missing file)
  130  interrupted with Ctrl-C (a partial report is written); 143 for SIGTERM`;
