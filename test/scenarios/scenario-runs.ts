/**
 * Runs a built-in scenario at its default size in virtual time, the way `syncsim run` does (the loader,
 * runSimulation, applyThresholds) but in-process, so the bug-scenario proofs stay fast. Shared by the two
 * bug-scenario test files, which vitest runs on both cores at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadScenario } from '../../src/scenarios/loader.ts';
import { applyThresholds } from '../../src/scenarios/thresholds.ts';
import { runSimulation } from '../../src/sim/runner.ts';
import type { Summary } from '../../src/sim/summary.ts';

/** One fixed seed: virtual time makes the result the same on every machine. */
export const SEED = '20260302';

import { INVARIANT_KINDS } from '../../src/sim/checker-types.ts';

export const INVARIANT_NAMES = INVARIANT_KINDS;

export interface ScenarioRun {
  readonly summary: Summary;
  readonly description: string;
}

/** The scenario under a policy preset, its thresholds evaluated; its device files are deleted afterwards. */
export async function runBuiltin(name: string, preset: 'seed' | 'hardened'): Promise<ScenarioRun> {
  const { scenario } = await loadScenario(name, [`policy.preset=${preset}`]);
  const outDir = mkdtempSync(join(tmpdir(), `syncsim-${name}-${preset}-`));
  try {
    const result = await runSimulation(scenario, { scenario: name, seed: SEED, outDir });
    return {
      summary: applyThresholds(result.summary, scenario.thresholds ?? []),
      description: scenario.description ?? '',
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * The invariants a bug scenario's description says it breaks: "(invariant: stuck)", "(invariants: stuck,
 * lost)", "(invariants: collided, and the sale is lost)" -> collided.
 */
export function claimedInvariants(description: string): string[] {
  const claimed = new Set<string>();
  for (const match of description.matchAll(/\(invariants?: ([a-z]+(?:, [a-z]+)*)/g)) {
    for (const name of (match[1] ?? '').split(', ')) {
      if ((INVARIANT_NAMES as readonly string[]).includes(name)) claimed.add(name);
    }
  }
  return [...claimed];
}

function failures(summary: Summary): string {
  return summary.thresholds
    .filter((t) => !t.ok)
    .map((t) => `${t.expression} (actual ${String(t.actual)}${t.error ? `: ${t.error}` : ''})`)
    .join('; ');
}

/** Under seed: a threshold on an invariant fails, and the invariant the description names is broken. */
export function expectBrokenUnderSeed(name: string, run: ScenarioRun): void {
  const { summary } = run;
  expect(summary.scenario).toBe(name);
  expect(summary.policy).toBe('seed');
  expect(summary.interrupted).toBe(false);
  expect(summary.harnessErrors, 'unexpected errors inside the simulation').toBe(0);
  expect(summary.invariants.checked).toBe(true);
  expect(summary.passed, `${name} passed under seed`).toBe(false);
  const brokenInvariants = summary.thresholds.filter((t) => !t.ok && t.expression.startsWith('invariants.'));
  expect(brokenInvariants.length, `no invariant threshold failed: ${failures(summary)}`).toBeGreaterThan(0);
  for (const failed of brokenInvariants) {
    expect(failed.error, failed.expression).toBeUndefined();
    expect(typeof failed.actual === 'number' && failed.actual > 0, failed.expression).toBe(true);
  }
  const claimed = claimedInvariants(run.description);
  expect(claimed.length, `${name}'s description names no invariant`).toBeGreaterThan(0);
  for (const invariant of claimed) {
    const value = summary.invariants[invariant as (typeof INVARIANT_NAMES)[number]];
    expect(value, `${name} says it breaks ${invariant}`).toBeGreaterThan(0);
  }
  expect(run.description, `${name}'s description names no fix`).toMatch(/Fix[^:]*: .*(policy|backend)\.\w+/);
}

/** Under hardened: every threshold holds, every invariant was checked and is 0, and the run converged. */
export function expectHeldUnderHardened(name: string, run: ScenarioRun): void {
  const { summary } = run;
  expect(summary.policy).toBe('hardened');
  expect(summary.passed, `${name} failed under hardened: ${failures(summary)}`).toBe(true);
  expect(summary.thresholds.length).toBeGreaterThan(0);
  expect(summary.invariants.checked).toBe(true);
  for (const invariant of INVARIANT_NAMES) expect(summary.invariants[invariant], invariant).toBe(0);
  expect(summary.heal.converged).not.toBe(false);
  expect(summary.sales.created).toBeGreaterThan(0);
  expect(summary.sales.synced + summary.sales.failed).toBe(summary.sales.created);
}
