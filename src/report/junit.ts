/**
 * junit.xml: one testsuite per run, one testcase per threshold and one per invariant, so CI shows which
 * one broke. An invariant that could not be checked (server ledger not read) is <skipped/>, never a pass or a 0; a
 * threshold with no value to compare fails, as it fails the run.
 */
import {
  INVARIANT_KINDS,
  type InvariantKind,
  type Invariants,
  VIOLATION_KINDS,
  type ViolationKind,
} from '../sim/checker-types.ts';
import { escapeXml } from './escape.ts';
import { formatActual, formatCount, formatPolicy } from './format.ts';
import { allViolations, INVARIANT_MEANING, type ReportInput } from './report-input.ts';

interface TestCase {
  readonly classname: string;
  readonly name: string;
  readonly failure: { readonly message: string; readonly body: string } | null;
  readonly skipped: string | null;
}

const x = escapeXml;

/** The detail of the first example of a kind, one line. */
function firstExample(input: ReportInput, kind: ViolationKind): string | null {
  const example = allViolations(input.check).find((v) => v.kind === kind);
  if (example === undefined) return null;
  return `${example.offlineReference}${example.deviceId === null ? '' : ` on ${example.deviceId}`}: ${example.detail}`.replace(
    /\s*\n\s*/g,
    ' ',
  );
}

function invariantOf(expression: string): ViolationKind | null {
  const field = expression.trim().split(/[\s<>=!]/)[0] ?? '';
  if (!field.startsWith('invariants.')) return null;
  const kind = field.slice('invariants.'.length);
  return (VIOLATION_KINDS as readonly string[]).includes(kind) ? (kind as ViolationKind) : null;
}

function invariantCase(input: ReportInput, suite: string, kind: InvariantKind): TestCase {
  const count = (input.summary.invariants as Invariants)[kind];
  const base = { classname: `${suite}.invariants`, name: `${kind} == 0` };
  if (count === null) return { ...base, failure: null, skipped: 'not checked: server ledger not read' };
  if (count === 0) return { ...base, failure: null, skipped: null };
  const example =
    input.check === undefined || input.check === null
      ? 'examples: see the shards’ reports'
      : (firstExample(input, kind) ?? 'no example kept');
  return {
    ...base,
    failure: {
      message: `${formatCount(count)} ${kind} (${INVARIANT_MEANING[kind]}); first: ${example}`,
      body: `actual: ${count}\nfirst example: ${example}`,
    },
    skipped: null,
  };
}

function testCases(input: ReportInput, suite: string): TestCase[] {
  const thresholds = input.summary.thresholds.map((t): TestCase => {
    const base = { classname: `${suite}.thresholds`, name: t.expression };
    if (t.ok) return { ...base, failure: null, skipped: null };
    const actual = `actual: ${formatActual(t.actual, t.expression)}`;
    const message = t.error === undefined ? actual : `${actual} (${t.error})`;
    // A threshold on an invariant (`invariants.duplicated == 0`) also names the first sale that broke it.
    const kind = invariantOf(t.expression);
    const example = kind === null ? null : firstExample(input, kind);
    const body = example === null ? message : `${message}\nfirst example: ${example}`;
    return {
      ...base,
      failure: { message: example === null ? message : `${message}; first: ${example}`, body },
      skipped: null,
    };
  });
  return [...thresholds, ...INVARIANT_KINDS.map((kind) => invariantCase(input, suite, kind))];
}

function testCaseXml(test: TestCase): string {
  const open = `    <testcase classname="${x(test.classname)}" name="${x(test.name)}" time="0"`;
  if (test.failure !== null)
    return `${open}>\n      <failure message="${x(test.failure.message)}" type="failure">${x(test.failure.body)}</failure>\n    </testcase>`;
  if (test.skipped !== null)
    return `${open}>\n      <skipped message="${x(test.skipped)}"/>\n    </testcase>`;
  return `${open}/>`;
}

export function renderJunit(input: ReportInput): string {
  const { summary } = input;
  const suite = `syncsim.${summary.scenario}`;
  const cases = testCases(input, suite);
  const failures = cases.filter((c) => c.failure !== null).length;
  const skipped = cases.filter((c) => c.skipped !== null).length;
  const time = String(summary.wallSeconds);
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  const properties: [string, string][] = [
    ['scenario', summary.scenario],
    ['seed', summary.seed],
    ['policy', formatPolicy(summary)],
    ['mode', summary.mode],
    ['devices', String(summary.devices)],
    ['backend', summary.backend],
    ['simulatedSeconds', String(summary.simulatedSeconds)],
    ['interrupted', String(summary.interrupted)],
    ['rejected', String(summary.invariants.rejected)],
    ['harnessErrors', String(summary.harnessErrors)],
    ['passed', String(summary.passed)],
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="syncsim" ${counts}>`,
    `  <testsuite name="${x(suite)}" ${counts}>`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${x(name)}" value="${x(value)}"/>`),
    '    </properties>',
    ...cases.map(testCaseXml),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
