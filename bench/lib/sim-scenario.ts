/**
 * The scenario of benchmarks 1 and 2, loaded the same way by the run's child and the floor's child, so that
 * the floor always does the work of the very scenario that was run.
 */
import { loadScenario } from '../../src/scenarios/loader.ts';
import type { Scenario } from '../../src/scenarios/scenario.ts';
import { type ChildFlags, stringFlag } from './child-args.ts';

/** --scenario (default steady-day), --devices, --duration, --seed (default 1), --policy (default: the scenario's). */
export const SCENARIO_FLAGS = ['scenario', 'devices', 'duration', 'seed', 'policy'] as const;

export interface BenchScenario {
  readonly name: string;
  readonly seed: string;
  readonly scenario: Scenario;
}

export async function loadBenchScenario(flags: ChildFlags): Promise<BenchScenario> {
  const name = stringFlag(flags, 'scenario', 'steady-day');
  const sets = [`devices.count=${stringFlag(flags, 'devices')}`, `duration=${stringFlag(flags, 'duration')}`];
  const policy = flags.policy;
  if (policy !== undefined) sets.push(`policy.preset=${policy}`);
  const { scenario } = await loadScenario(name, sets);
  return { name, seed: stringFlag(flags, 'seed', '1'), scenario };
}
