/**
 * `--set path=value`: any scenario field, e.g. `policy.maxBatchSize=200`, `backend.storage.dedupe=check-then-insert`,
 * `connectivity.schedules.0.durationMs=600000`. The value is read as JSON when it parses (numbers, booleans,
 * null, objects) and as a string otherwise. The scenario is validated again afterwards, so a bad value gets
 * the same error, naming the field, as a bad file would.
 */
import { ERR_SET_OVERRIDE } from './errors.ts';

export interface Assignment {
  readonly path: readonly string[];
  readonly value: unknown;
}

export function parseAssignment(text: string): Assignment {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new ERR_SET_OVERRIDE(text, 'expected path=value, e.g. policy.maxBatchSize=200');
  const path = text.slice(0, equals).trim().split('.');
  if (path.some((key) => key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype')) {
    throw new ERR_SET_OVERRIDE(
      text,
      'the path must be dot-separated field names, e.g. backend.storage.dedupe',
    );
  }
  const raw = text.slice(equals + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: a bare string such as check-then-insert.
  }
  return { path, value };
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/** A copy of `target` with the assignment applied; intermediate objects are created as needed. */
export function applyAssignment<T>(target: T, assignment: Assignment, text = assignment.path.join('.')): T {
  const root: unknown = structuredClone(target);
  if (!isContainer(root)) throw new ERR_SET_OVERRIDE(text, 'the scenario is not an object');
  let node: Container = root;
  assignment.path.forEach((key, depth) => {
    const last = depth === assignment.path.length - 1;
    if (Array.isArray(node)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index > node.length) {
        throw new ERR_SET_OVERRIDE(
          text,
          `${assignment.path.slice(0, depth).join('.')} is a list: ${key} must be an index from 0 to ${node.length}`,
        );
      }
      if (last) node[index] = assignment.value;
      else {
        const next = node[index];
        node[index] = isContainer(next) ? next : {};
        node = node[index] as Container;
      }
      return;
    }
    if (last) node[key] = assignment.value;
    else {
      const next = node[key];
      node[key] = isContainer(next) ? next : {};
      node = node[key] as Container;
    }
  });
  return root as T;
}
