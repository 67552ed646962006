/**
 * k6-style thresholds: `<summary field> <op> <value>`, e.g. `invariants.duplicated == 0`,
 * `latency.timeToSyncMs.p99 < 300000`, `requests.errorRate < 0.01`, `heal.converged == true`.
 * Parsed when the scenario loads (a typo is a configuration error, exit 2), evaluated on the summary.
 */
import { type Summary, type ThresholdResult, templateSummary } from '../sim/summary.ts';
import { ERR_THRESHOLD } from './errors.ts';

export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Literal = number | boolean;

export interface Threshold {
  readonly expression: string;
  readonly path: readonly string[];
  readonly operator: Operator;
  readonly value: Literal;
}

const PATTERN =
  /^[ \t]*([A-Za-z_][\w]*(?:\.[\w]+)*)[ \t]*(==|!=|<=|>=|<|>)[ \t]*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false)[ \t]*$/i;

function lookup(root: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !(key in current))
      return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

/** What a field holds once it has a value: the template leaves some null (no data, not checked). */
export type FieldKind = 'number' | 'boolean';

/** The fields the template leaves null that do not hold numbers; every other null field holds a number. */
const NULL_IN_TEMPLATE: Readonly<Record<string, FieldKind | 'text'>> = {
  'heal.converged': 'boolean',
  'invariants.matchedBy': 'text',
};

/** The numeric and boolean fields a threshold may read, with what each holds (`requests.byStatus.<code>` too). */
export function thresholdFieldKinds(): Map<string, FieldKind> {
  const kinds = new Map<string, FieldKind>();
  const walk = (value: unknown, prefix: string): void => {
    if (typeof value === 'number' || typeof value === 'boolean') {
      kinds.set(prefix, typeof value === 'number' ? 'number' : 'boolean');
      return;
    }
    if (value === null) {
      const kind = NULL_IN_TEMPLATE[prefix] ?? 'number';
      if (kind !== 'text') kinds.set(prefix, kind);
      return;
    }
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, prefix ? `${prefix}.${key}` : key);
    }
  };
  walk(templateSummary(), '');
  kinds.delete('passed');
  for (const field of kinds.keys()) if (field.startsWith('version')) kinds.delete(field);
  return kinds;
}

export function thresholdFields(): string[] {
  return [...thresholdFieldKinds().keys()];
}

export function parseThreshold(expression: string): Threshold {
  const match = PATTERN.exec(expression);
  // Every report prints a threshold on one line (a Markdown table row, a terminal line).
  if (/[\r\n\u2028\u2029]/.test(expression))
    throw new ERR_THRESHOLD(expression, 'a threshold is written on one line');
  if (!match) {
    throw new ERR_THRESHOLD(
      expression,
      'expected `<summary field> <op> <number|true|false>` with op one of == != < <= > >=',
    );
  }
  const [, field = '', operator = '==', literal = ''] = match;
  const path = field.split('.');
  const isByStatus =
    path.length === 3 && path[0] === 'requests' && path[1] === 'byStatus' && /^\d{3}$/.test(path[2] ?? '');
  const kind = isByStatus ? 'number' : thresholdFieldKinds().get(field);
  if (kind === undefined) {
    throw new ERR_THRESHOLD(
      expression,
      `unknown summary field ${field} (see summary.json; e.g. invariants.lost, requests.errorRate, latency.timeToSyncMs.p99)`,
    );
  }
  const lower = literal.toLowerCase();
  const value: Literal = lower === 'true' ? true : lower === 'false' ? false : Number(literal);
  // A count compared with true, or a flag with 1, would never be what the gate meant: its verdict would be fixed.
  if (typeof value !== kind) {
    throw new ERR_THRESHOLD(
      expression,
      kind === 'number'
        ? `${field} is a number: compare it with a number, not ${literal}`
        : `${field} is true or false: compare it with true or false (== or !=), not ${literal}`,
    );
  }
  if (typeof value === 'boolean' && operator !== '==' && operator !== '!=') {
    throw new ERR_THRESHOLD(expression, `${operator} needs a number, not ${literal}`);
  }
  return { expression: expression.trim(), path, operator: operator as Operator, value };
}

function compare(actual: number | boolean, operator: Operator, expected: Literal): boolean {
  switch (operator) {
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
  }
}

export function evaluateThreshold(threshold: Threshold, summary: Summary): ThresholdResult {
  const { found, value } = lookup(summary, threshold.path);
  const field = threshold.path.join('.');
  // A status that never occurred was seen zero times.
  const actual = !found && threshold.path[1] === 'byStatus' ? 0 : value;
  if (actual === null || actual === undefined) {
    const why = field.startsWith('invariants.') ? 'not checked: server ledger not read' : 'no data';
    return { expression: threshold.expression, ok: false, actual: null, error: why };
  }
  if (typeof actual !== 'number' && typeof actual !== 'boolean') {
    return {
      expression: threshold.expression,
      ok: false,
      actual: null,
      error: `${field} is not a number or boolean`,
    };
  }
  return {
    expression: threshold.expression,
    ok: compare(actual, threshold.operator, threshold.value),
    actual,
  };
}

/** The summary with its thresholds evaluated and `passed` set: true when every threshold holds. */
export function applyThresholds(summary: Summary, expressions: readonly string[]): Summary {
  const thresholds = expressions.map((expression) => evaluateThreshold(parseThreshold(expression), summary));
  return { ...summary, thresholds, passed: !summary.interrupted && thresholds.every((result) => result.ok) };
}
