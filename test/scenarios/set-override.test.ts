/**
 * `--set path=value`: nested paths, list indices, JSON values and bare strings, and the errors for a bad
 * assignment or a bad resulting value (named, exit 2).
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { isSyncsimError, type SyncsimError } from '../../src/core/errors.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';
import { applyAssignment, parseAssignment } from '../../src/scenarios/set-override.ts';

function thrown(action: () => unknown): SyncsimError {
  try {
    action();
  } catch (error) {
    if (isSyncsimError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

async function rejected(promise: Promise<unknown>): Promise<SyncsimError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isSyncsimError(error)) throw new Error(`expected a SyncsimError, got ${String(error)}`);
  return error;
}

describe('parseAssignment', () => {
  it('splits a dotted path and reads the value as JSON when it parses', () => {
    expect(parseAssignment('policy.maxBatchSize=200')).toEqual({
      path: ['policy', 'maxBatchSize'],
      value: 200,
    });
    expect(parseAssignment('policy.atomicClaim=true').value).toBe(true);
    expect(parseAssignment('policy.maxBatchSize=null').value).toBeNull();
    expect(parseAssignment('workload.salesPerHour=2.5').value).toBe(2.5);
    expect(parseAssignment('policy.retryBackoff={"baseMs":2000,"jitter":"full"}').value).toEqual({
      baseMs: 2000,
      jitter: 'full',
    });
    expect(parseAssignment('thresholds=["invariants.lost == 0"]').value).toEqual(['invariants.lost == 0']);
  });

  it('keeps anything that is not JSON as a string, including = signs after the first', () => {
    expect(parseAssignment('backend.storage.dedupe=check-then-insert').value).toBe('check-then-insert');
    expect(parseAssignment('startAt=2026-03-02T12:00:00+07:00').value).toBe('2026-03-02T12:00:00+07:00');
    expect(parseAssignment('description=a=b').value).toBe('a=b');
    expect(parseAssignment('name="123"').value).toBe('123');
    expect(parseAssignment('description=').value).toBe('');
  });

  it('refuses an assignment without a path, an empty segment or a prototype key, as usage (exit 2)', () => {
    for (const bad of [
      '=5',
      'policy',
      'policy..maxBatchSize=1',
      'policy.=1',
      '__proto__.x=1',
      'a.constructor=1',
    ]) {
      const error = thrown(() => parseAssignment(bad));
      expect(error.message).toContain(`--set ${bad}`);
      expect(exitCodeFor(error)).toBe(2);
    }
  });
});

describe('applyAssignment', () => {
  const base = {
    name: 'x',
    devices: { count: 5 },
    connectivity: { schedules: [{ kind: 'offline', atMs: 0, durationMs: 60_000 }] },
  };

  it('sets a nested field on a copy, creating objects on the way', () => {
    const next = applyAssignment(base, parseAssignment('backend.storage.dedupe=none'));
    expect(next).toEqual({ ...base, backend: { storage: { dedupe: 'none' } } });
    expect(base).not.toHaveProperty('backend');
  });

  it('indexes lists, and appends at the index equal to the length', () => {
    const changed = applyAssignment(base, parseAssignment('connectivity.schedules.0.durationMs=120000'));
    expect(changed.connectivity.schedules[0]).toEqual({ kind: 'offline', atMs: 0, durationMs: 120_000 });
    const appended = applyAssignment(
      base,
      parseAssignment('connectivity.schedules.1={"kind":"offline","atMs":5,"durationMs":6}'),
    );
    expect(appended.connectivity.schedules).toHaveLength(2);
    expect(base.connectivity.schedules).toHaveLength(1);
  });

  it('refuses an index that is not a number or beyond the end, naming the list and the range', () => {
    for (const bad of ['connectivity.schedules.5.atMs=1', 'connectivity.schedules.first.atMs=1']) {
      const error = thrown(() => applyAssignment(base, parseAssignment(bad)));
      expect(error.message).toContain('connectivity.schedules is a list');
      expect(error.message).toContain('from 0 to 1');
    }
  });
});

describe('loadScenario with --set', () => {
  it('applies assignments in order on top of the scenario', async () => {
    const { scenario, source } = await loadScenario('lost-ack', [
      'devices.count=7',
      'policy.preset=hardened',
      'policy.maxBatchSize=50',
      'backend.faults.phases.0.lostAck.rate=0.5',
      'devices.count=8',
    ]);
    expect(scenario.devices.count).toBe(8);
    expect(scenario.policy).toEqual({ preset: 'hardened', maxBatchSize: 50 });
    expect(scenario.backend?.kind === 'fake' && scenario.backend.faults?.phases[0]?.lostAck?.rate).toBe(0.5);
    expect(source).toContain('lost-ack');
  });

  it('a path that is not a scenario field is refused after --set, naming the field', async () => {
    const error = await rejected(loadScenario('steady-day', ['devices.colour=red']));
    expect(error.message).toContain('(after --set)');
    expect(error.message).toContain('devices/colour is not a known field');
    expect(exitCodeFor(error)).toBe(2);
    // A name every object inherits is no field either.
    const inherited = await rejected(loadScenario('steady-day', ['policy.toString=1']));
    expect(inherited.message).toContain('policy/toString is not a known field (expected one of: preset,');
  });

  it('a value of the wrong type is refused, naming the field and the type', async () => {
    const error = await rejected(loadScenario('steady-day', ['policy.maxBatchSize=lots']));
    expect(error.message).toContain('policy/maxBatchSize must be integer');
  });

  it('a threshold set from the command line is parsed at load', async () => {
    const error = await rejected(loadScenario('steady-day', ['thresholds=["invariants.lots == 0"]']));
    expect(error.message).toContain('unknown summary field invariants.lots');
    expect(exitCodeFor(error)).toBe(2);
  });
});
