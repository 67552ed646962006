/**
 * Turns a value that fails a TypeBox schema into one clear sentence naming the field, e.g.
 * `faults/phases/0/http/0/rate must be <= 1`. TypeBox reports every branch of a union (and at most 8 errors),
 * which buries the real problem; this walks the schema instead and follows the branch the value meant
 * (a `kind` discriminator, or the only object branch).
 */
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { isRecord } from '../core/is-record.ts';

export interface SchemaProblem {
  /** Path from the root name, slash-separated: `faults/phases/0/rate`. */
  readonly field: string;
  /** A sentence that starts with the field. */
  readonly message: string;
}

function isSchema(value: unknown): value is TSchema {
  return isRecord(value);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function at(field: string, message: string): SchemaProblem {
  return { field, message: `${field} ${message}` };
}

/** The first problem of `value` against `schema`, or null when it is valid. `root` names the value. */
export function firstSchemaProblem(schema: TSchema, value: unknown, root: string): SchemaProblem | null {
  return Value.Check(schema, value) ? null : explain(schema, value, root);
}

function constOf(branch: unknown): { found: boolean; value: unknown } {
  return isRecord(branch) && 'const' in branch
    ? { found: true, value: branch.const }
    : { found: false, value: null };
}

function kindOf(branch: unknown): unknown {
  if (!isRecord(branch) || !isRecord(branch.properties)) return undefined;
  const kind = branch.properties.kind;
  return isRecord(kind) ? kind.const : undefined;
}

function explainUnion(branches: readonly unknown[], value: unknown, field: string): SchemaProblem {
  const consts = branches.map(constOf);
  if (consts.every((c) => c.found)) {
    return at(field, `must be one of ${consts.map((c) => JSON.stringify(c.value)).join(', ')}`);
  }
  const kinds = branches.map(kindOf);
  if (isRecord(value) && kinds.every((k) => typeof k === 'string')) {
    const index = typeof value.kind === 'string' ? kinds.indexOf(value.kind) : -1;
    const branch = branches[index];
    if (index < 0 || !isSchema(branch)) {
      return at(`${field}/kind`, `must be one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`);
    }
    return explain(branch, value, field);
  }
  // Exactly one branch of the value's own type (e.g. a duration string that does not match the pattern):
  // explain that branch rather than list the types the value already has one of.
  const sameType = branches.filter((b) => isRecord(b) && b.type === jsonType(value));
  const match = sameType[0];
  if (sameType.length === 1 && isSchema(match)) return explain(match, value, field);
  const objects = branches.filter((b) => isRecord(b) && b.type === 'object');
  const only = objects[0];
  if (isRecord(value) && objects.length === 1 && isSchema(only)) return explain(only, value, field);
  const types = branches.map((b) =>
    isRecord(b) ? String(b.type ?? ('const' in b ? JSON.stringify(b.const) : '?')) : '?',
  );
  return at(field, `must be ${types.join(' or ')}`);
}

function explainObject(
  schema: Record<string, unknown>,
  value: Record<string, unknown>,
  field: string,
): SchemaProblem | null {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const key of required) {
    if (typeof key === 'string' && !(key in value)) return at(`${field}/${key}`, 'is required');
  }
  // A record (Type.Record) names its keys by pattern, not by list.
  const patterns = isRecord(schema.patternProperties) ? Object.keys(schema.patternProperties) : [];
  if (schema.additionalProperties === false) {
    const fits = (key: string) =>
      Object.hasOwn(properties, key) || patterns.some((p) => new RegExp(p, 'u').test(key));
    const unknownKey = Object.keys(value).find((key) => !fits(key));
    if (unknownKey !== undefined) {
      const allowed = [...Object.keys(properties), ...patterns.map((p) => `a name matching ${p}`)].join(', ');
      return at(`${field}/${unknownKey}`, `is not a known field (expected one of: ${allowed})`);
    }
  }
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!(key in value) || value[key] === undefined || !isSchema(propertySchema)) continue;
    if (!Value.Check(propertySchema, value[key]))
      return explain(propertySchema, value[key], `${field}/${key}`);
  }
  return null;
}

function explain(schema: TSchema, value: unknown, field: string): SchemaProblem {
  if (!isRecord(schema)) return at(field, 'is not valid');
  if (Array.isArray(schema.anyOf)) return explainUnion(schema.anyOf, value, field);
  if (schema.type === 'object' && isRecord(value)) {
    const found = explainObject(schema, value, field);
    if (found) return found;
  }
  if (schema.type === 'array' && Array.isArray(value) && isSchema(schema.items)) {
    const items = schema.items;
    const index = value.findIndex((item) => !Value.Check(items, item));
    if (index >= 0) return explain(items, value[index], `${field}/${index}`);
  }
  const [first] = Value.Errors(schema, value);
  if (!first) return at(field, 'is not valid');
  // A pattern means nothing to a user; a schema that describes itself says what is expected instead.
  if (first.keyword === 'pattern' && typeof schema.description === 'string' && first.instancePath === '') {
    return at(field, `must be ${schema.description}, got ${JSON.stringify(value)}`);
  }
  return at(`${field}${first.instancePath}`, first.message);
}
