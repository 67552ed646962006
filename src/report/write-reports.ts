/**
 * The one module of src/report that touches the file system: renders every report and writes it into the
 * run folder. `devices/` (written by the runner) is left alone. Each file goes to a temporary name first and
 * is renamed into place, so a reader never sees half a report.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../core/errors.ts';
import { ERR_REPORT_WRITE } from './errors.ts';
import { renderHistogramsJson } from './histograms-json.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportInput } from './report-input.ts';
import { renderSummaryJson } from './summary-json.ts';
import { renderViolationsJson } from './violations-json.ts';

export const REPORT_FILES = [
  'summary.json',
  'report.md',
  'report.html',
  'junit.xml',
  'histograms.json',
  'violations.json',
] as const;
export type ReportFile = (typeof REPORT_FILES)[number];

export interface WriteReportsOptions {
  /** The run folder as the replay command names it (e.g. relative to the user's working directory). Default `dir`. */
  readonly displayDir?: string;
  /** Violations shown with their traces in report.md; default 3. */
  readonly markdownViolations?: number;
}

/** Every report's text, by file name; violations.json only when there is a check (not for a merged result). */
export function renderReports(
  input: ReportInput,
  displayDir: string,
  options: Pick<WriteReportsOptions, 'markdownViolations'> = {},
): Partial<Record<ReportFile, string>> {
  const files: Partial<Record<ReportFile, string>> = {
    'summary.json': renderSummaryJson(input.summary),
    'report.md': renderMarkdown(input, { dir: displayDir, maxViolations: options.markdownViolations }),
    'report.html': renderHtml(input, { dir: displayDir }),
    'junit.xml': renderJunit(input),
    'histograms.json': renderHistogramsJson(input.metrics),
  };
  if (input.check !== undefined && input.check !== null)
    files['violations.json'] = renderViolationsJson(input.check);
  return files;
}

/**
 * Writes the reports into `dir` (created if missing) and returns the paths written, in REPORT_FILES order. A
 * file that cannot be written (a full disk) leaves no temporary behind and throws ERR_REPORT_WRITE naming it.
 */
export function writeReports(input: ReportInput, dir: string, options: WriteReportsOptions = {}): string[] {
  const files = renderReports(input, options.displayDir ?? dir, options);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ERR_REPORT_WRITE(dir, messageOf(error), { cause: error });
  }
  const written: string[] = [];
  for (const name of REPORT_FILES) {
    const text = files[name];
    if (text === undefined) continue;
    const path = join(dir, name);
    const temporary = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(temporary, text);
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new ERR_REPORT_WRITE(path, messageOf(error), { cause: error });
    }
    written.push(path);
  }
  return written;
}
