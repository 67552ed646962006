/**
 * report.html: one self-contained page (inline CSS, inline SVG, no scripts, no network), deterministic (no
 * time but the summary's). Every string from data goes through the `html` template, which escapes it.
 */
import { toMajor } from '../core/money.ts';
import type { SyncItem } from '../core/protocol.ts';
import type { TransactionLocal } from '../core/transaction-local.ts';
import {
  type FieldDifference,
  type FieldValue,
  INVARIANT_KINDS,
  type Violation,
} from '../sim/checker-types.ts';
import type { ServerRow } from '../sim/ledger-row.ts';
import type { Summary } from '../sim/summary.ts';
import { describeTrace, formatOffset } from '../sim/trace-format.ts';
import { type Chart, chartsGeneratorPerMinute, reportCharts } from './charts.ts';
import {
  formatActual,
  formatCount,
  formatNumber,
  formatPercentile,
  formatPolicy,
  formatRate,
  formatSeconds,
  formatTimes,
  PERCENTILE_KEYS,
  verdictOf,
} from './format.ts';
import { REPORT_CSS } from './html-style.ts';
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
import { type HtmlValue, html, type SafeHtml, trusted } from './safe-html.ts';

export interface HtmlOptions {
  /** The run folder as the replay command should name it. */
  readonly dir: string;
}

function verdictClass(summary: Summary): 'pass' | 'fail' | 'warn' {
  if (summary.interrupted) return 'warn';
  return summary.passed ? 'pass' : 'fail';
}

function figure(chart: Chart): SafeHtml {
  return html`<figure id="${chart.id}">${trusted(chart.svg)}<figcaption>${chart.caption}</figcaption></figure>`;
}

function header(input: ReportInput): SafeHtml {
  const { summary } = input;
  const shard = summary.shard === null ? '' : ` (shard ${summary.shard.index}/${summary.shard.count})`;
  const merged = input.shards && input.shards.length > 0 ? `merged from ${input.shards.length} shards` : null;
  const sub: HtmlValue[] = [
    html`seed <code>${summary.seed}</code>`,
    html`policy <b>${summary.policy}</b>`,
    summary.mode,
    `${formatNumber(summary.devices)} devices${shard}`,
  ];
  const meta: [string, HtmlValue][] = [
    ['backend', summary.backend],
    ['time', formatTimes(summary)],
  ];
  if (Object.keys(summary.policyOverrides).length > 0) meta.unshift(['policy', formatPolicy(summary)]);
  if (merged !== null) meta.push(['merged', `${merged}: ${(input.shards ?? []).join(', ')}`]);
  if (summary.interrupted) meta.push(['interrupted', 'yes: stopped early, no heal phase; a partial report']);
  const lagging = generatorWarning(summary);
  const chartedPerMinute = chartsGeneratorPerMinute(input.metrics);
  return html`<header class="verdict ${verdictClass(summary)}"><div class="badge">${verdictOf(summary).split(' ')[0]}</div><div><h1>${summary.scenario}</h1><p class="sub">${sub.map((part, i) => html`${i > 0 ? html`<span class="sep">·</span>` : ''}${part}`)}</p></div></header>
${lagging === null ? '' : html`<p class="warning" id="generator-lag"><b>Warning.</b> ${lagging.join(' ')}${chartedPerMinute ? html` <a href="#chart-generator">When, minute by minute</a>.` : ''}</p>`}
<dl class="meta">${meta.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`;
}

function card(label: string, value: string, more: HtmlValue, bad = false): SafeHtml {
  return html`<div class="card${bad ? ' bad' : ''}"><div class="label">${label}</div><div class="value">${value}</div><div class="more">${more}</div></div>`;
}

function cards(summary: Summary): SafeHtml {
  const { sales, requests, latency, invariants } = summary;
  const stuck = invariants.stuck;
  const broken = INVARIANT_KINDS.filter((kind) => (invariants[kind] ?? 0) > 0);
  const unchecked = INVARIANT_KINDS.filter((kind) => invariants[kind] === null).length;
  const failing = summary.thresholds.filter((t) => !t.ok);
  return html`<section class="cards">
${card('Thresholds', summary.thresholds.length === 0 ? 'none' : `${summary.thresholds.length - failing.length} / ${summary.thresholds.length}`, failing.length === 0 ? 'passed' : html`failing: ${failing.map((t, i) => html`${i > 0 ? ', ' : ''}<code>${t.expression}</code>`)}`, failing.length > 0)}
${card('Invariants', broken.length === 0 ? 'held' : `${broken.length} broken`, broken.length === 0 ? (unchecked > 0 ? `${unchecked} not checked (server ledger not read)` : 'all 7 checked') : broken.map((kind) => `${kind} ${formatNumber(invariants[kind] ?? 0)}`).join(', '), broken.length > 0)}
${card('Sales', formatNumber(sales.created), `${formatNumber(sales.synced)} synced, ${formatNumber(stuck)} stuck`, stuck > 0)}
${card('Requests', formatNumber(requests.total), `error rate ${formatRate(requests.errorRate)}`, (requests.errorRate ?? 0) > 0)}
${card('Request p99', formatPercentile(latency.requestMs, 'p99'), `p50 ${formatPercentile(latency.requestMs, 'p50')}`)}
${card('Time-to-sync p99', formatPercentile(latency.timeToSyncMs, 'p99'), `p50 ${formatPercentile(latency.timeToSyncMs, 'p50')}`)}
</section>`;
}

function thresholdsSection(summary: Summary): SafeHtml {
  const body =
    summary.thresholds.length === 0
      ? html`<p class="note">No thresholds were set for this run.</p>`
      : html`<table><thead><tr><th>expression</th><th class="num">actual</th><th>result</th><th>note</th></tr></thead><tbody>${summary.thresholds.map(
          (t) =>
            html`<tr${t.ok ? '' : html` class="failing"`}><td><code>${t.expression}</code></td><td class="num">${formatActual(t.actual, t.expression)}</td><td>${t.ok ? html`<span class="ok">✔ pass</span>` : html`<span class="bad">✘ fail</span>`}</td><td class="wrap">${t.error ?? ''}</td></tr>`,
        )}</tbody></table>`;
  return html`<section id="thresholds"><h2>Thresholds</h2>${body}</section>`;
}

function invariantsSection(summary: Summary): SafeHtml {
  const { invariants } = summary;
  const rows = invariantRows(invariants).map((row) => {
    const status =
      row.count === null
        ? html`<span class="na">not checked: server ledger not read</span>`
        : row.kind === 'rejected'
          ? html`<span class="info">reported</span>`
          : row.ok
            ? html`<span class="ok">✔ held</span>`
            : html`<span class="bad">✘ broken</span>`;
    return html`<tr${row.ok ? '' : html` class="failing"`}><td><b>${row.kind}</b></td><td class="num">${row.count === null ? html`<span class="na">not checked</span>` : formatCount(row.count)}</td><td>${status}</td><td>${row.meaning}</td></tr>`;
  });
  const matched =
    invariants.matchedBy === null
      ? 'No server ledger was read: the invariants that need it are not checked (never reported as 0).'
      : `Device sales were matched to server rows by ${invariants.matchedBy}.`;
  return html`<section id="invariants"><h2>Invariants</h2><p class="note">${matched}</p><table><thead><tr><th>invariant</th><th class="num">count</th><th>status</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function statsSection(summary: Summary, outcomeChart: Chart): SafeHtml {
  const { sales, requests, batches, server } = summary;
  const kv = (pairs: readonly [string, string][]) =>
    html`<table><tbody>${pairs.map(([k, v]) => html`<tr><td>${k}</td><td class="num">${v}</td></tr>`)}</tbody></table>`;
  const salesTable = kv([
    ['created', formatNumber(sales.created)],
    ['synced', formatNumber(sales.synced)],
    ['pending', formatNumber(sales.pending)],
    ['syncing', formatNumber(sales.syncing)],
    ['failed', formatNumber(sales.failed)],
    ['not recorded (creation threw)', formatNumber(sales.notRecorded)],
    ['arrived while the app was down', formatNumber(sales.whileDown)],
    ['device crashes', formatNumber(summary.crashes)],
  ]);
  const requestsTable = kv([
    ['total', formatNumber(requests.total)],
    ['ok (valid 2xx)', formatNumber(requests.ok)],
    ['error rate', formatRate(requests.errorRate)],
    ...outcomes(summary)
      .filter((o) => o.label.startsWith('HTTP '))
      .map((o): [string, string] => [o.label, formatNumber(o.count)]),
    ['timeouts', formatNumber(requests.timeouts)],
    ['connection resets', formatNumber(requests.resets)],
    ['protocol errors', formatNumber(requests.protocolErrors)],
    ['offline skips (no request)', formatNumber(requests.offlineSkips)],
    ['rows the server called duplicates', formatNumber(server.duplicatesReported)],
    ['rows the server rejected', formatNumber(server.rowsRejected)],
    ['server ledger rows', server.ledgerRows === null ? 'not read' : formatNumber(server.ledgerRows)],
    [
      'batch rows p50 / p99 / max',
      batches.rows.count === 0
        ? 'no data'
        : [batches.rows.p50, batches.rows.p99, batches.rows.max].map((v) => formatNumber(v ?? 0)).join(' / '),
    ],
    [
      'batch bytes p50 / p99 / max',
      batches.bytes.count === 0
        ? 'no data'
        : [batches.bytes.p50, batches.bytes.p99, batches.bytes.max]
            .map((v) => formatNumber(v ?? 0))
            .join(' / '),
    ],
  ]);
  return html`<section id="requests"><h2>Sales and requests</h2><div class="tables"><div><h3>Sales</h3>${salesTable}<h3>Outcomes</h3>${figure(outcomeChart)}</div><div><h3>Requests</h3>${requestsTable}</div></div></section>`;
}

function latencySection(summary: Summary, charts: readonly Chart[]): SafeHtml {
  const rows = latencyRows(summary);
  const generator = generatorLine(summary);
  return html`<section id="latency"><h2>Latency</h2><table><thead><tr><th></th><th class="num">count</th>${PERCENTILE_KEYS.map((k) => html`<th class="num">${k}</th>`)}</tr></thead><tbody>${rows.map(
    ([name, p]) =>
      html`<tr><td>${name}</td><td class="num">${formatNumber(p.count)}</td>${PERCENTILE_KEYS.map((k) => html`<td class="num">${formatPercentile(p, k)}</td>`)}</tr>`,
  )}</tbody></table>${generator === null ? '' : html`<p class="note" id="generator">Load generator (wall clock, sampled over the load): ${generator}.</p>`}<div class="charts">${charts.map(figure)}</div></section>`;
}

// --- violations -------------------------------------------------------------------------------------------

function amount(value: number | null): string {
  return value === null ? '—' : formatNumber(value, 2);
}

function itemsList(items: readonly SyncItem[] | null): SafeHtml {
  if (items === null) return html`<span class="na">not stored</span>`;
  if (items.length === 0) return html`<span class="na">none</span>`;
  return html`<ul class="items">${items.map(
    (item) =>
      html`<li>${formatNumber(item.quantity)} × ${item.product_name} <span class="note">(#${item.product_id})</span> @ ${amount(item.price)} = ${amount(item.subtotal)}</li>`,
  )}</ul>`;
}

function deviceItems(row: TransactionLocal): SafeHtml {
  try {
    const parsed: unknown = JSON.parse(row.itemsJson);
    if (Array.isArray(parsed)) return itemsList(parsed as SyncItem[]);
  } catch {
    // Not JSON: show it as stored.
  }
  return html`<code>${row.itemsJson}</code>`;
}

function fieldValue(value: FieldValue): SafeHtml {
  if (value === null) return html`<span class="na">null</span>`;
  if (Array.isArray(value)) return itemsList(value as readonly SyncItem[]);
  return html`<code>${String(value)}</code>`;
}

type RowKey =
  | FieldDifference['field']
  | 'syncStatus'
  | 'serverId'
  | 'transactionCode'
  | 'createdAtDevice'
  | 'lastError';

function saleRowsTable(violation: Violation, open: boolean): SafeHtml {
  const device = violation.device;
  const server = violation.server ?? [];
  if (device === null && server.length === 0) return html``;
  const diff = new Set(violation.differences.map((d) => d.field));
  const fields: [RowKey, string, (row: TransactionLocal) => HtmlValue, (row: ServerRow) => HtmlValue][] = [
    [
      'offlineReference',
      'offline reference',
      (d) => html`<code>${d.offlineReference}</code>`,
      (s) => html`<code>${s.offlineReference}</code>`,
    ],
    [
      'offlineId',
      'offline id',
      (d) => html`<code>${d.offlineId}</code>`,
      (s) =>
        s.offlineId === null ? html`<span class="na">no column</span>` : html`<code>${s.offlineId}</code>`,
    ],
    ['deviceId', 'device', (d) => d.deviceId, (s) => s.deviceId ?? html`<span class="na">no column</span>`],
    [
      'syncStatus',
      'sync status',
      (d) =>
        html`<b>${d.syncStatus}</b> after ${formatNumber(d.syncAttempts)} ${d.syncAttempts === 1 ? 'attempt' : 'attempts'}`,
      () => 'stored',
    ],
    ['serverId', 'server id', (d) => d.serverId ?? '—', (s) => s.serverId],
    ['transactionCode', 'transaction code', (d) => d.transactionCode ?? '—', (s) => s.transactionCode ?? '—'],
    ['createdAtDevice', 'created (device clock)', (d) => new Date(d.createdAtDevice).toISOString(), () => ''],
    ['grandTotal', 'grand total', (d) => amount(toMajor(d.grandTotal)), (s) => amount(s.grandTotal)],
    ['subtotal', 'subtotal', (d) => amount(toMajor(d.subtotal)), (s) => amount(s.subtotal)],
    ['discountTotal', 'discount', (d) => amount(toMajor(d.discountTotal)), (s) => amount(s.discountTotal)],
    ['taxTotal', 'tax', (d) => amount(toMajor(d.taxTotal)), (s) => amount(s.taxTotal)],
    ['items', 'items', deviceItems, (s) => itemsList(s.items)],
    ['lastError', 'last error', (d) => d.lastError ?? '—', () => ''],
  ];
  // A ledger that holds nothing for the sale gets a column saying so, rather than no column at all.
  const noServerRow = violation.server !== null && server.length === 0;
  const head = html`<tr><th>field</th><th>device row</th>${server.map((s, i) => html`<th>server row ${server.length > 1 ? `${i + 1} ` : ''}(id ${s.serverId})</th>`)}${noServerRow ? html`<th>server</th>` : ''}</tr>`;
  const body = fields.map(
    ([key, label, fromDevice, fromServer]) =>
      html`<tr${diff.has(key as FieldDifference['field']) ? html` class="diff"` : ''}><td>${label}</td><td class="wrap">${device === null ? html`<span class="na">no device row</span>` : fromDevice(device)}</td>${server.map((s) => html`<td class="wrap">${fromServer(s)}</td>`)}${noServerRow ? html`<td class="na">${key === 'offlineReference' ? 'no row stored' : ''}</td>` : ''}</tr>`,
  );
  const noLedger =
    violation.server === null
      ? html`<p class="note">No server ledger: what the server holds is unknown.</p>`
      : '';
  return html`<details class="rows"${open ? ' open' : ''}><summary>Device row and server rows</summary>${noLedger}<table class="rows"><thead>${head}</thead><tbody>${body}</tbody></table></details>`;
}

/** `first`: the first example of its kind shows its rows open; the others keep them folded (the page stays short). */
function violationBlock(violation: Violation, first: boolean): SafeHtml {
  const differences =
    violation.differences.length === 0
      ? ''
      : html`<h4>Differences</h4><table><thead><tr><th>field</th><th>device</th><th>server</th></tr></thead><tbody>${violation.differences.map(
          (d) =>
            html`<tr class="diff"><td>${d.field}</td><td class="wrap">${fieldValue(d.device)}</td><td class="wrap">${fieldValue(d.server)}</td></tr>`,
        )}</tbody></table>`;
  const related =
    violation.related.length === 0
      ? ''
      : html`<h4>Sharing the reference</h4><ul>${violation.related.map((r) => html`<li><code>${r}</code></li>`)}</ul>`;
  const local = violation.localFailure;
  const localFailure =
    local === null
      ? ''
      : html`<h4>Could not be recorded</h4><p>${formatOffset(local.atMs)} on ${local.deviceId}: createTransaction threw for reference <code>${local.reference}</code>: ${local.error}</p>`;
  const trace =
    violation.trace === null
      ? html`<p class="note">No trace for this sale.</p>`
      : html`<h4>Trace</h4><pre>${describeTrace(violation.trace).join('\n')}</pre>`;
  const where = violation.deviceId === null ? '' : html` on ${violation.deviceId}`;
  return html`<details class="violation ${violation.kind}" open><summary><span class="kind">${violation.kind}</span> <code>${violation.offlineReference}</code>${where}</summary><p>${violation.detail}</p>${localFailure}${trace}${differences}${related}${saleRowsTable(violation, first || violation.differences.length > 0)}</details>`;
}

function violationsSection(input: ReportInput): SafeHtml {
  const check = input.check;
  const none = html`<section id="violations"><h2>Violations</h2><p class="ok">None: every sale checked out.</p></section>`;
  if (check === undefined || check === null) {
    const note = noCheckNote(input);
    return note === null
      ? none
      : html`<section id="violations"><h2>Violations</h2><p class="note">${note}</p></section>`;
  }
  const violations = allViolations(check);
  if (violations.length === 0) return none;
  const kinds = [...new Set(violations.map((v) => v.kind))];
  const groups = kinds.map((kind) => {
    const examples = violations.filter((v) => v.kind === kind);
    const total = check.invariants[kind];
    const count = total === null ? '' : `${formatNumber(total)} in all, ${examples.length} shown`;
    return html`<h3 id="violations-${kind}">${kind} <span class="note">${count}</span></h3>${examples.map((v, i) => violationBlock(v, i === 0))}`;
  });
  return html`<section id="violations"><h2>Violations</h2><p class="note">The checker keeps the first examples of each kind, each with the story of the sale.</p>${groups}</section>`;
}

function harnessErrorsSection(input: ReportInput): SafeHtml | '' {
  const count = input.summary.harnessErrors;
  if (count === 0) return '';
  const list = input.harnessErrors ?? [];
  return html`<section id="harness-errors"><h2>Harness errors</h2><p class="bad">${formatNumber(count)} unexpected errors: a bug in syncsim or in the core.</p>${list.map(
    (e) => html`<h4>${e.deviceId}</h4><pre>${e.error}</pre>`,
  )}</section>`;
}

export function renderHtml(input: ReportInput, options: HtmlOptions): string {
  const { summary, metrics } = input;
  const charts = reportCharts(summary, metrics);
  const title = `syncsim ${verdictOf(summary)}: ${summary.scenario} (seed ${summary.seed})`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
<main>
${header(input)}
${cards(summary)}
<section id="timeline"><h2>Over time</h2><div class="charts">${charts.timeline.map(figure)}</div></section>
${latencySection(summary, charts.latency)}
${statsSection(summary, charts.outcomes[0]!)}
${thresholdsSection(summary)}
${invariantsSection(summary)}
${violationsSection(input)}
${harnessErrorsSection(input)}
<footer><p>Replay this run exactly:</p><pre>${replayCommand(options.dir)}</pre><p>syncsim summary version ${summary.version}; wall time ${formatSeconds(summary.wallSeconds)}.</p></footer>
</main>
</body>
</html>
`;
  return page.value;
}
