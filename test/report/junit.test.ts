import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.ts';
import type { ReportInput } from '../../src/report/report-input.ts';
import { HOSTILE, type SmallRun, smallRun, withHostileData } from './fixture.ts';
import { findAll, parseMarkup, textOf } from './markup.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun();
});
afterAll(() => run.cleanup());

function parse(input: ReportInput) {
  const xml = renderJunit(input);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  return parseMarkup(xml);
}

describe('junit.xml', () => {
  it('is well-formed, one testsuite, one testcase per threshold and per invariant', () => {
    const root = parse(run.result);
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites).toHaveLength(1);
    const cases = findAll(root, 'testcase');
    expect(cases).toHaveLength(run.result.summary.thresholds.length + 7);
    expect(
      cases.filter((c) => c.attributes.classname?.endsWith('.thresholds')).map((c) => c.attributes.name),
    ).toEqual(run.result.summary.thresholds.map((t) => t.expression));
    expect(
      cases.filter((c) => c.attributes.classname?.endsWith('.invariants')).map((c) => c.attributes.name),
    ).toEqual([
      'lost == 0',
      'duplicated == 0',
      'phantom == 0',
      'mismatched == 0',
      'stuck == 0',
      'collided == 0',
      'unsound == 0',
    ]);
  });

  it('counts tests, failures and skipped as its test cases say, with the wall time', () => {
    const root = parse(run.result);
    const cases = findAll(root, 'testcase');
    const failures = cases.filter((c) => c.children.some((child) => child.name === 'failure')).length;
    const skipped = cases.filter((c) => c.children.some((child) => child.name === 'skipped')).length;
    for (const element of [root, findAll(root, 'testsuite')[0]!]) {
      expect(Number(element.attributes.tests)).toBe(cases.length);
      expect(Number(element.attributes.failures)).toBe(failures);
      expect(Number(element.attributes.skipped)).toBe(skipped);
      expect(Number(element.attributes.time)).toBe(run.result.summary.wallSeconds);
    }
    const { summary } = run.result;
    const broken = (
      ['lost', 'duplicated', 'phantom', 'mismatched', 'stuck', 'collided', 'unsound'] as const
    ).filter((kind) => (summary.invariants[kind] ?? 0) > 0);
    expect(broken).toContain('stuck');
    expect(failures).toBe(summary.thresholds.filter((t) => !t.ok).length + broken.length);
  });

  it('a failure carries the actual value and the first example in one line', () => {
    const root = parse(run.result);
    const cases = findAll(root, 'testcase');
    const threshold = cases.find((c) => c.attributes.name === 'invariants.stuck == 0')!;
    const failure = threshold.children.find((c) => c.name === 'failure')!;
    const firstStuck = run.result.check.examples.stuck[0]!;
    expect(failure.attributes.message).toBe(
      `actual: ${run.result.summary.invariants.stuck}; first: ${firstStuck.offlineReference} on ${firstStuck.deviceId}: ${firstStuck.detail}`,
    );
    const invariant = cases.find((c) => c.attributes.name === 'stuck == 0')!;
    const message = invariant.children.find((c) => c.name === 'failure')!.attributes.message!;
    const first = run.result.check.examples.stuck[0]!;
    expect(message).toContain(`${run.result.summary.invariants.stuck} stuck`);
    expect(message).toContain(`${first.offlineReference} on ${first.deviceId}: ${first.detail}`);
    expect(message).not.toContain('\n');
  });

  it('an invariant that was not checked is skipped with its reason, not passed as 0', () => {
    const { summary } = run.result;
    const unchecked: ReportInput = {
      ...run.result,
      summary: {
        ...summary,
        invariants: {
          ...summary.invariants,
          checked: false,
          lost: null,
          duplicated: null,
          phantom: null,
          mismatched: null,
          unsound: null,
          matchedBy: null,
        },
      },
    };
    const root = parse(unchecked);
    const skipped = findAll(root, 'skipped');
    expect(skipped).toHaveLength(5);
    for (const element of skipped)
      expect(element.attributes.message).toBe('not checked: server ledger not read');
    expect(root.attributes.skipped).toBe('5');
  });

  it('escapes hostile expressions, references and details, and drops characters XML cannot carry', () => {
    const hostile = withHostileData(run.result);
    const xml = renderJunit(hostile);
    const root = parseMarkup(xml);
    expect(xml).not.toContain('\u0007');
    const cases = findAll(root, 'testcase');
    const expression = cases.find((c) => c.attributes.name === HOSTILE.expression);
    expect(expression).toBeDefined();
    const failure = expression!.children.find((c) => c.name === 'failure')!;
    expect(failure.attributes.message).toContain(HOSTILE.detail);
    expect(textOf(failure)).toContain(HOSTILE.product.replace('\u0007', '\uFFFD'));
  });
});
