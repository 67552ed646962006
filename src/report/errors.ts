/** Errors of writing the reports. */
import { defineError } from '../core/errors.ts';

/** A report file could not be written (a full disk, a folder made read-only): the run's result itself stands. */
export const ERR_REPORT_WRITE = defineError(
  'SYNCSIM_ERR_REPORT_WRITE',
  'unavailable',
  (path: string, problem: string) => `cannot write ${path}: ${problem}`,
);
