/** The reports' public API, for the CLI (`run`, `replay`, `merge`). */

export { ERR_REPORT_WRITE } from './errors.ts';
export { parseHistogramsJson, renderHistogramsJson } from './histograms-json.ts';
export { type HtmlOptions, renderHtml } from './html.ts';
export { renderJunit } from './junit.ts';
export { type MarkdownOptions, renderMarkdown } from './markdown.ts';
export type { ReportInput } from './report-input.ts';
export { renderSummaryJson } from './summary-json.ts';
export { renderTerminal, type TerminalOptions } from './terminal.ts';
export { renderViolationsJson } from './violations-json.ts';
export {
  REPORT_FILES,
  type ReportFile,
  renderReports,
  type WriteReportsOptions,
  writeReports,
} from './write-reports.ts';
