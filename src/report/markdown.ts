/** report.md: the essentials of a run for a CI comment. Pure. */
import type { Violation } from '../sim/checker-types.ts';
import { describeTrace } from '../sim/trace-format.ts';
import { escapeMarkdown, markdownCode, markdownFence } from './escape.ts';
import {
  formatActual,
  formatCount,
  formatNumber,
  formatPercentile,
  formatPolicy,
  formatRate,
  formatTimes,
  PERCENTILE_KEYS,
  verdictOf,
} from './format.ts';
import {
  allViolations,
  generatorLine,
  generatorWarning,
  invariantRows,
  latencyRows,
  noCheckNote,
  outcomes,
  type ReportInput,
  replayCommand,
} from './report-input.ts';

export interface MarkdownOptions {
  /** The run folder as the replay command should name it. */
  readonly dir: string;
  /** Violations shown with their traces; default 3. */
  readonly maxViolations?: number;
}

const e = escapeMarkdown;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

/** The first example of each kind, then the second of each, ...: a short list shows every kind that broke. */
function oneOfEachKindFirst(violations: readonly Violation[]): Violation[] {
  const byKind = new Map<string, Violation[]>();
  for (const violation of violations) {
    const list = byKind.get(violation.kind) ?? [];
    list.push(violation);
    byKind.set(violation.kind, list);
  }
  const out: Violation[] = [];
  for (let round = 0; out.length < violations.length; round++) {
    for (const list of byKind.values()) if (round < list.length) out.push(list[round]!);
  }
  return out;
}

export function renderMarkdown(input: ReportInput, options: MarkdownOptions): string {
  const { summary } = input;
  const lines: string[] = [];
  const verdict = verdictOf(summary);
  const mark = summary.passed && !summary.interrupted ? '✅' : '❌';
  lines.push(`# ${mark} ${verdict}: ${e(summary.scenario)}`, '');

  const lagging = generatorWarning(summary);
  if (lagging !== null) lines.push(`> ⚠️ **Warning.** ${e(lagging.join(' '))}`, '');

  const failing = summary.thresholds.filter((t) => !t.ok).length;
  lines.push(
    summary.thresholds.length === 0
      ? 'No thresholds were set.'
      : `${summary.thresholds.length - failing} of ${summary.thresholds.length} thresholds passed.`,
    '',
  );

  lines.push(
    ...table(
      ['', ''],
      [
        ['scenario', e(summary.scenario)],
        ['seed', markdownCode(summary.seed, 'cell')],
        ['policy', e(formatPolicy(summary))],
        ['mode', e(summary.mode)],
        [
          'devices',
          summary.shard === null
            ? formatNumber(summary.devices)
            : `${formatNumber(summary.devices)} (shard ${summary.shard.index}/${summary.shard.count})`,
        ],
        ['backend', e(summary.backend)],
        ['time', e(formatTimes(summary))],
      ],
    ),
    '',
  );

  lines.push('## Thresholds', '');
  if (summary.thresholds.length === 0) lines.push('None.', '');
  else
    lines.push(
      ...table(
        ['expression', 'actual', 'ok'],
        summary.thresholds.map((t) => [
          markdownCode(t.expression, 'cell'),
          t.error === undefined
            ? e(formatActual(t.actual, t.expression))
            : `${e(formatActual(t.actual, t.expression))} (${e(t.error)})`,
          t.ok ? '✅ yes' : '❌ no',
        ]),
      ),
      '',
    );

  lines.push('## Invariants', '');
  if (!summary.invariants.checked)
    lines.push('No server ledger: the ledger invariants were not checked.', '');
  lines.push(
    ...table(
      ['invariant', 'count', 'ok', 'meaning'],
      invariantRows(summary.invariants).map((row) => [
        row.kind,
        formatCount(row.count),
        row.count === null ? '➖ not checked' : row.kind === 'rejected' ? 'ℹ️ reported' : row.ok ? '✅' : '❌',
        e(row.meaning),
      ]),
    ),
    '',
  );

  const { sales, requests } = summary;
  lines.push('## Sales', '');
  lines.push(
    ...table(
      ['created', 'synced', 'pending', 'syncing', 'failed', 'not recorded', 'while down'],
      [
        [
          sales.created,
          sales.synced,
          sales.pending,
          sales.syncing,
          sales.failed,
          sales.notRecorded,
          sales.whileDown,
        ].map((n) => formatNumber(n)),
      ],
    ),
    '',
  );

  lines.push('## Requests', '');
  lines.push(
    ...table(
      ['total', 'ok', 'error rate', 'timeouts', 'resets', 'protocol errors', 'offline skips'],
      [
        [
          formatNumber(requests.total),
          formatNumber(requests.ok),
          formatRate(requests.errorRate),
          formatNumber(requests.timeouts),
          formatNumber(requests.resets),
          formatNumber(requests.protocolErrors),
          formatNumber(requests.offlineSkips),
        ],
      ],
    ),
    '',
  );
  const statuses = outcomes(summary).filter((o) => o.label.startsWith('HTTP '));
  if (statuses.length > 0)
    lines.push(`By status: ${statuses.map((o) => `${o.label} × ${formatNumber(o.count)}`).join(', ')}.`, '');

  lines.push('## Latency', '');
  lines.push(
    ...table(
      ['', 'count', ...PERCENTILE_KEYS],
      latencyRows(summary).map(([name, p]) => [
        name,
        formatNumber(p.count),
        ...PERCENTILE_KEYS.map((key) => formatPercentile(p, key)),
      ]),
    ),
    '',
  );
  const generator = generatorLine(summary);
  if (generator !== null)
    lines.push(`Load generator (wall clock, sampled over the load): ${e(generator)}.`, '');

  lines.push('## Violations', '');
  if (input.check === undefined || input.check === null) {
    const note = noCheckNote(input);
    lines.push(note === null ? 'None.' : e(note), '');
  } else {
    const violations = oneOfEachKindFirst(allViolations(input.check));
    const max = options.maxViolations ?? 3;
    if (violations.length === 0) lines.push('None.', '');
    for (const violation of violations.slice(0, max)) {
      lines.push(
        `### ${violation.kind}: ${markdownCode(violation.offlineReference, 'line')}`,
        '',
        e(violation.detail),
        '',
      );
      if (violation.trace !== null) {
        const text = describeTrace(violation.trace).join('\n');
        const fence = markdownFence(text);
        lines.push(fence, text, fence, '');
      }
    }
    if (violations.length > max)
      lines.push(`… and ${violations.length - max} more examples in report.html and violations.json.`, '');
  }
  if (summary.harnessErrors > 0)
    lines.push(
      `**${formatNumber(summary.harnessErrors)} harness errors** (bugs in syncsim or the core).`,
      '',
    );

  const replay = replayCommand(options.dir);
  const fence = markdownFence(replay);
  lines.push('## Replay', '', `${fence}sh`, replay, fence, '');
  return lines.join('\n');
}
