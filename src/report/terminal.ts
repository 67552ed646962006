/** The short summary printed at the end of a run: plain text, about 15 lines; colour only when asked. */

import { INVARIANT_KINDS } from '../sim/checker-types.ts';
import {
  formatActual,
  formatCount,
  formatNumber,
  formatPercentile,
  formatPolicy,
  formatRate,
  formatTimes,
  verdictOf,
} from './format.ts';
import { generatorLine, generatorWarning, type ReportInput, refusedWarning } from './report-input.ts';

export interface TerminalOptions {
  /** ANSI colours (the caller decides: a TTY, no NO_COLOR, ...). Default false. */
  readonly color?: boolean;
  /** Where the reports were written, shown on the last line. */
  readonly dir?: string;
}

const ANSI = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
};

export function renderTerminal(input: ReportInput, options: TerminalOptions = {}): string {
  const { summary } = input;
  const paint = (text: string, ...codes: (keyof typeof ANSI)[]) =>
    options.color === true ? `${codes.map((c) => ANSI[c]).join('')}${text}${ANSI.reset}` : text;
  const { sales, requests, latency, invariants } = summary;
  const verdict = verdictOf(summary);
  const verdictText = summary.interrupted
    ? paint(verdict, 'bold', 'yellow')
    : summary.passed
      ? paint(verdict, 'bold', 'green')
      : paint(verdict, 'bold', 'red');
  const label = (name: string) => name.padEnd(12);
  const bad = (text: string, isBad: boolean) => (isBad ? paint(text, 'red') : text);

  const invariantText = INVARIANT_KINDS.map((kind) => {
    const count = invariants[kind];
    return bad(`${kind} ${formatCount(count)}`, count !== null && count > 0);
  }).join(', ');
  const failing = summary.thresholds.filter((t) => !t.ok);
  const statusCounts = Object.keys(requests.byStatus)
    .sort((a, b) => Number(a) - Number(b))
    .map((status) => `${status}×${formatNumber(requests.byStatus[status] ?? 0)}`)
    .join(' ');
  const lines = [
    `${verdictText}  ${summary.scenario}  seed ${summary.seed}`,
    `${label('run')}policy ${formatPolicy(summary)}, ${summary.mode}, ${formatNumber(summary.devices)} devices${summary.shard === null ? '' : ` (shard ${summary.shard.index}/${summary.shard.count})`}`,
    `${label('time')}${formatTimes(summary)}`,
    `${label('sales')}${formatNumber(sales.created)} created, ${formatNumber(sales.synced)} synced, ${bad(`${formatNumber(invariants.stuck)} stuck`, invariants.stuck > 0)} (${formatNumber(sales.pending)} pending, ${formatNumber(sales.syncing)} syncing, ${formatNumber(sales.failed)} failed)`,
    `${label('requests')}${formatNumber(requests.total)}, ${formatNumber(requests.ok)} ok, error rate ${bad(formatRate(requests.errorRate), (requests.errorRate ?? 0) > 0)}${statusCounts === '' ? '' : `; ${statusCounts}`}`,
    `${label('')}${formatNumber(requests.timeouts)} timeouts, ${formatNumber(requests.resets)} resets, ${formatNumber(requests.protocolErrors)} protocol errors, ${formatNumber(requests.offlineSkips)} offline skips`,
    `${label('latency')}request p50 ${formatPercentile(latency.requestMs, 'p50')}, p99 ${formatPercentile(latency.requestMs, 'p99')}`,
    `${label('')}time-to-sync p50 ${formatPercentile(latency.timeToSyncMs, 'p50')}, p99 ${formatPercentile(latency.timeToSyncMs, 'p99')} (sold offline p99 ${formatPercentile(latency.timeToSyncOfflineMs, 'p99')})`,
    `${label('invariants')}${invariantText}${invariants.checked ? '' : ' (server ledger not read)'}`,
  ];
  if (summary.interrupted)
    lines.push(
      `${label('')}interrupted, the heal phase skipped or cut short: sales in flight then count as stuck (or lost)`,
    );
  const refused = refusedWarning(summary);
  if (refused !== null) lines.push(`${label('')}${paint(refused, 'yellow')}`);
  const generator = generatorLine(summary);
  if (generator !== null) lines.push(`${label('generator')}${generator}`);
  for (const sentence of generatorWarning(summary) ?? [])
    lines.push(`${label('')}${paint(sentence, 'yellow')}`);
  if (invariants.rejected > 0)
    lines.push(`${label('')}rejected ${formatNumber(invariants.rejected)} (reported, not a violation)`);
  if (summary.harnessErrors > 0)
    lines.push(
      `${label('harness')}${paint(`${formatNumber(summary.harnessErrors)} unexpected errors`, 'red')}`,
    );
  lines.push(
    `${label('thresholds')}${summary.thresholds.length === 0 ? 'none' : `${summary.thresholds.length - failing.length} of ${summary.thresholds.length} passed`}`,
  );
  for (const t of failing) {
    lines.push(
      `${label('')}${paint('FAIL', 'red')} ${t.expression}  (actual ${formatActual(t.actual, t.expression)}${t.error === undefined ? '' : `: ${t.error}`})`,
    );
  }
  if (options.dir !== undefined) lines.push(`${label('report')}${options.dir}`);
  return `${lines.join('\n')}\n`;
}
