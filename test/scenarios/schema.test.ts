/**
 * The JSON Schema that `syncsim schema` prints, taken as an editor or a CI linter would take it: plain JSON,
 * compiled by a JSON Schema validator (TypeBox's, fed the printed text, not the TypeBox object). Every
 * built-in scenario must validate, and the mistakes the loader refuses must be refused by the schema too.
 */
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtin/index.ts';
import { scenarioJsonSchema } from '../../src/scenarios/scenario.ts';

const printed = JSON.stringify(scenarioJsonSchema(), null, 2);
const schema = JSON.parse(printed) as Record<string, unknown>;
const validator = Compile(schema);

/** A built-in scenario as a JSON file would hold it. */
function asJson(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

describe('scenarioJsonSchema', () => {
  it('is a draft 2020-12 schema of an object that allows no unknown fields', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'devices', 'duration']));
    // Printed as JSON, so nothing TypeBox-specific that JSON drops may carry meaning.
    expect(JSON.stringify(JSON.parse(printed))).toBe(JSON.stringify(scenarioJsonSchema()));
  });

  it('validates every built-in scenario', () => {
    expect(BUILTIN_SCENARIOS.length).toBe(14);
    for (const scenario of BUILTIN_SCENARIOS) {
      const errors = [...validator.Errors(asJson(scenario))].map((e) => `${e.instancePath} ${e.message}`);
      expect(errors, scenario.name).toEqual([]);
      expect(validator.Check(asJson(scenario))).toBe(true);
    }
  });

  it('lets a file point at the schema with "$schema"', () => {
    const scenario = { ...asJson(BUILTIN_SCENARIOS[0]), $schema: './scenario.schema.json' };
    expect(validator.Check(scenario)).toBe(true);
  });

  it('rejects an unknown field at the top and deep inside', () => {
    const base = asJson(BUILTIN_SCENARIOS[0]);
    expect(validator.Check({ ...base, colour: 'red' })).toBe(false);
    expect(validator.Check({ ...base, devices: { count: 5, colour: 'red' } })).toBe(false);
    const errors = [...validator.Errors({ ...base, colour: 'red' })];
    expect(errors.some((e) => e.instancePath === '/colour')).toBe(true);
  });

  it('rejects what the loader rejects: wrong types, bad enums, missing fields, bad durations', () => {
    const base = { name: 'x', devices: { count: 2 }, duration: '1h' };
    expect(validator.Check(base)).toBe(true);
    expect(validator.Check({ ...base, devices: { count: 'two' } })).toBe(false);
    expect(validator.Check({ ...base, devices: { count: 0 } })).toBe(false);
    expect(validator.Check({ ...base, name: 'Not A Slug' })).toBe(false);
    expect(validator.Check({ ...base, duration: 'soon' })).toBe(false);
    expect(validator.Check({ ...base, backend: { kind: 'fake', storage: { dedupe: 'maybe' } } })).toBe(false);
    expect(validator.Check({ ...base, policy: { preset: 'strict' } })).toBe(false);
    expect(validator.Check({ name: 'x', duration: '1h' })).toBe(false);
  });
});
