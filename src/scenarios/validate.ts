/**
 * Checks a scenario from any source against the schema, then against what a schema cannot say (durations,
 * groups, ranges), and its thresholds' syntax: one error naming the path of the first bad field and what
 * was expected.
 */
import { isSyncsimError } from '../core/errors.ts';
import { firstSchemaProblem } from '../fake-backend/schema-errors.ts';
import { resolveSimulation } from '../sim/simulation-config.ts';
import { ERR_SCENARIO_INVALID } from './errors.ts';
import { type Scenario, ScenarioSchema } from './scenario.ts';
import { parseThreshold } from './thresholds.ts';

/** `source` names where the scenario came from (a file path, a built-in name) in the error message. */
export function validateScenario(value: unknown, source: string): Scenario {
  const problem = firstSchemaProblem(ScenarioSchema, value, 'scenario');
  if (problem !== null) throw new ERR_SCENARIO_INVALID(source, problem.message.replace(/^scenario\//, ''));
  const scenario = value as Scenario;
  try {
    resolveSimulation(scenario);
    for (const expression of scenario.thresholds ?? []) parseThreshold(expression);
  } catch (error) {
    if (isSyncsimError(error) && error.kind !== 'internal')
      throw new ERR_SCENARIO_INVALID(source, error.message, { cause: error });
    throw error;
  }
  return scenario;
}
