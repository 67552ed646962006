/**
 * The shape of a benchmark's findings, and RESULTS.md made from them: the machine, the command, the date,
 * a summary of every target, then one section per benchmark with its tables and notes.
 */
import type { MachineInfo } from './machine.ts';
import { fmt, medianInterval } from './stats.ts';

export type Status = 'met' | 'missed' | 'not judged';

export interface Verdict {
  readonly benchmark: string;
  readonly target: string;
  readonly measured: string;
  readonly status: Status;
  /** Where the median of the runs lies (intervalAgainst); absent for a figure that is not a median of runs. */
  readonly interval?: string;
}

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Leading columns of text, aligned left (default 1); the rest hold figures and align right. */
  readonly textColumns?: number;
}

export interface Section {
  /** e.g. `1. Virtual-time speed` */
  readonly title: string;
  /** What was measured and how, in a few lines. */
  readonly intro: readonly string[];
  readonly tables: readonly Table[];
  readonly verdicts: readonly Verdict[];
  readonly notes: readonly string[];
  /** The child commands of one run, as a user would type them. */
  readonly commands: readonly string[];
}

export interface ReportInput {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly date: string;
  readonly runs: number;
  readonly quick: boolean;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly wallSeconds: number;
  readonly sections: readonly Section[];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Columns padded to one width, text left and figures right, so the file reads as a table in plain text too. */
export function renderTable(table: Table): string {
  const textColumns = table.textColumns ?? 1;
  const cells = [table.headers, ...table.rows].map((row) => row.map(escapeCell));
  const widths = table.headers.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    `| ${widths.map((width, i) => (i < textColumns ? (row[i] ?? '').padEnd(width) : (row[i] ?? '').padStart(width))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i < textColumns ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

/** Met, missed, or not judged (quick mode's sizes are too small to say anything). */
export function judge(ok: boolean, quick: boolean): Status {
  if (quick) return 'not judged';
  return ok ? 'met' : 'missed';
}

/**
 * A judged median's interval cell: the range that holds the median of the population these runs come from
 * (medianInterval), and whether the target line falls inside it. Inside, these runs cannot tell met from missed.
 */
export function intervalAgainst(values: readonly number[], target: number, decimals: number): string {
  const interval = medianInterval(values);
  if (interval === null) return '-';
  const inside = interval.low <= target && target <= interval.high;
  return (
    `${fmt(interval.low, decimals)} to ${fmt(interval.high, decimals)} (${fmt(interval.confidence * 100, 0)}%), ` +
    (inside ? 'holds the line' : 'clear of the line')
  );
}

function ordinal(k: number): string {
  const tens = k % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][k % 10] ?? 'th');
  return `${k}${suffix}`;
}

/** Which two of `runs` runs medianInterval takes, in words: "5 runs give the lowest and the highest, at 94%". */
export function intervalRule(runs: number): string {
  const interval = medianInterval(Array.from({ length: runs }, (_, index) => index));
  if (interval === null) return 'one run gives none';
  const k = interval.low + 1;
  const which =
    k === 1 ? 'the lowest and the highest' : `the ${ordinal(k)} lowest and the ${ordinal(k)} highest`;
  return `${runs} runs give ${which}, at ${fmt(interval.confidence * 100, 0)}%`;
}

export function renderReport(input: ReportInput): string {
  const { machine } = input;
  const out: string[] = [
    '# syncsim benchmarks',
    '',
    input.quick
      ? '**Quick mode**: tiny sizes and one run, to prove the harness works. These figures say nothing about speed.'
      : `Medians of ${input.runs} run${input.runs === 1 ? '' : 's'} per figure; every measurement ran in a child process of its own.`,
    '',
    `- Date: ${input.date}`,
    `- Command: \`${input.command}\` (${fmt(input.wallSeconds / 60, 1)} min)`,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${fmt(machine.ramGiB, 1)} GiB RAM`,
    `- Node ${machine.node}; ${machine.os}`,
    `- Load (/proc/loadavg) before: \`${input.loadBefore}\`; after: \`${input.loadAfter}\``,
    '',
    '## Targets',
    '',
    renderTable({
      headers: ['benchmark', 'target', 'measured', 'status', 'interval of the median'],
      textColumns: 5,
      rows: input.sections.flatMap((section) =>
        section.verdicts.map((v) => [v.benchmark, v.target, v.measured, v.status, v.interval ?? '-']),
      ),
    }),
    '',
    'Status judges the median. The interval is where the median of many more runs would lie, with the ' +
      `confidence in brackets, from the runs' spread alone (two of the runs, taken in order: ${intervalRule(input.runs)}). ` +
      'When it holds the target line, these runs cannot tell met from missed: more runs narrow it.',
  ];
  for (const section of input.sections) {
    out.push('', `## ${section.title}`, '', ...section.intro);
    for (const table of section.tables) out.push('', renderTable(table));
    if (section.notes.length > 0) out.push('', ...section.notes.map((note) => `- ${note}`));
    if (section.commands.length > 0)
      out.push('', 'Commands of one run:', '', '```sh', ...section.commands, '```');
  }
  return `${out.join('\n')}\n`;
}
