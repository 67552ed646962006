/**
 * A scenario: a name, a paragraph saying what it shows, a simulation config and thresholds. TypeScript users
 * write `defineScenario({...})`; JSON users get the same shape checked against `ScenarioSchema`, which
 * `syncsim schema` prints.
 */
import Type from 'typebox';
import { SimulationConfigSchema } from '../sim/simulation-config.ts';

export const ScenarioSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    ...SimulationConfigSchema.properties,
    /** k6-style: `invariants.duplicated == 0`, `latency.timeToSyncMs.p99 < 300000`. Any failing one exits 1. */
    thresholds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }))),
  },
  { additionalProperties: false, $id: 'https://syncsim.dev/schema/scenario.json', title: 'syncsim scenario' },
);

export type Scenario = Type.Static<typeof ScenarioSchema>;

/** Identity at run time; at compile time it makes TypeScript check the scenario against the schema's type. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

/** The JSON Schema for scenario files (draft 2020-12), as `syncsim schema` prints it. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...JSON.parse(JSON.stringify(ScenarioSchema)),
  };
}
