/** report.html's stylesheet: inline (no network), print-friendly (white ground, dark ink, no shadows). */
export const REPORT_CSS = `
:root {
  --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { margin: 0; font-size: 26px; line-height: 1.2; word-break: break-word; }
h2 { margin: 36px 0 12px; font-size: 20px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { margin: 24px 0 8px; font-size: 16px; }
h4 { margin: 14px 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
p { margin: 6px 0; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
code { background: var(--soft); border-radius: 4px; padding: 1px 5px; overflow-wrap: anywhere; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 6px 0;
  white-space: pre-wrap; word-break: break-word; line-height: 1.45; }
.verdict { display: flex; align-items: center; gap: 24px; padding: 18px 24px; border-radius: 10px; border: 2px solid;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.verdict.pass { border-color: var(--pass); background: var(--pass-bg); }
.verdict.fail { border-color: var(--fail); background: var(--fail-bg); }
.verdict.warn { border-color: var(--warn); background: var(--warn-bg); }
.badge { font-size: 44px; font-weight: 800; letter-spacing: .05em; color: #fff; padding: 4px 24px; border-radius: 8px; line-height: 1.25; }
.pass .badge { background: var(--pass); } .fail .badge { background: var(--fail); } .warn .badge { background: var(--warn); }
.verdict .sub { margin: 6px 0 0; color: var(--ink); }
.sep { color: var(--muted); padding: 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 18px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-word; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin: 20px 0 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; break-inside: avoid; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 24px; font-weight: 700; line-height: 1.3; font-variant-numeric: tabular-nums; }
.card .more { color: var(--muted); font-size: 12.5px; }
.card.bad { border-color: var(--fail); } .card.bad .value { color: var(--fail); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 10px 6px; break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; padding: 4px 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; border-bottom: 1px solid #afb8c1; }
td.num, th.num { text-align: right; }
td.wrap { word-break: break-word; }
.ok { color: var(--pass); font-weight: 600; }
.bad { color: var(--fail); font-weight: 700; }
.na { color: var(--muted); font-style: italic; }
.info { color: var(--muted); }
tr.failing td { background: #fff5f5; }
tr.diff td { background: var(--warn-bg); }
.note { color: var(--muted); }
.warning { border-left: 4px solid var(--warn); background: var(--warn-bg); padding: 8px 12px; border-radius: 4px; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 24px; }
details.violation { border: 1px solid var(--line); border-left: 4px solid var(--fail); border-radius: 6px;
  padding: 8px 14px 10px; margin: 10px 0; break-inside: avoid; }
details.violation.rejected { border-left-color: var(--muted); }
details.violation > summary { cursor: pointer; font-weight: 600; }
.kind { display: inline-block; padding: 0 8px; border-radius: 10px; background: var(--fail); color: #fff;
  font-size: 12px; font-weight: 600; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.rejected .kind { background: var(--muted); }
details.rows { margin-top: 10px; }
details.rows > summary { cursor: pointer; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
table.rows td:first-child { color: var(--muted); white-space: nowrap; width: 1%; }
ul.items { margin: 0; padding-left: 18px; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12.5px; }
@media print {
  main { max-width: none; padding: 0; }
  .charts { grid-template-columns: 1fr 1fr; }
  h2 { break-after: avoid; }
  details.violation > summary { list-style: none; }
}
`;
