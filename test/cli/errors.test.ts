/**
 * What a user gets wrong, end to end: a bad scenario file (exit 2, the file and field named), a bad flag or
 * flag value (exit 2, with a hint), an unknown scenario (exit 2, the built-ins listed), an unreachable target
 * (exit 3, after the seed was printed); never a stack trace. Also the scenario files that must work: a .ts
 * file in a folder that is not an ESM package, and output piped into a reader that quits early.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/sim/summary.ts';
import {
  closedPort,
  type Finished,
  firstLine,
  REPO,
  readJson,
  removeDir,
  STACK_TRACE,
  startSyncsim,
  syncsim,
  tempDir,
  transcript,
} from './helpers.ts';

let cwd: string;

beforeAll(() => {
  cwd = tempDir();
  const write = (name: string, content: unknown) =>
    writeFileSync(join(cwd, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  write('bad-json.json', '{\n  "name": "x",\n  "devices": { "count": 2 },\n  "duration": "1h",\n}\n');
  write('bad-type.json', { name: 'x', devices: { count: 'two' }, duration: '1h' });
  write('bad-enum.json', {
    name: 'x',
    devices: { count: 2 },
    duration: '1h',
    backend: { kind: 'fake', storage: { dedupe: 'sometimes' } },
  });
  write('bad-threshold.json', {
    name: 'x',
    devices: { count: 2 },
    duration: '1h',
    thresholds: ['latency.requestMs.p95 < 100'],
  });
  const defineScenario = pathToFileURL(join(REPO, 'src', 'scenarios', 'scenario.ts')).href;
  write(
    'typed.ts',
    `import { defineScenario } from ${JSON.stringify(defineScenario)};\n` +
      "export default defineScenario({ name: 'typed', devices: { count: 2 }, duration: '30m', " +
      "startAt: '2026-03-02T12:00:00+07:00', thresholds: ['invariants.lost == 0'] });\n",
  );
});
afterAll(() => removeDir(cwd));

/** Exit 2, the message on stderr (and only there), no stack trace. */
function expectUsageError(result: Finished, ...fragments: string[]): void {
  expect(result.code, transcript(result)).toBe(2);
  expect(result.stdout).toBe('');
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(STACK_TRACE);
  expect(result.stderr).not.toContain('internal error');
}

describe('a bad scenario file: exit 2, the file and the field named', () => {
  it('bad JSON: line and column', async () => {
    const result = await syncsim(['run', 'bad-json.json'], { cwd });
    expectUsageError(result, 'error: bad-json.json: is not valid JSON at line 5, column 1');
  });

  it('a field of the wrong type, a bad enum value, an unknown threshold field', async () => {
    const [type, enumeration, threshold] = await Promise.all([
      syncsim(['run', 'bad-type.json'], { cwd }),
      syncsim(['run', 'bad-enum.json'], { cwd }),
      syncsim(['run', 'bad-threshold.json'], { cwd }),
    ]);
    expectUsageError(type, 'error: bad-type.json: devices/count must be integer');
    expectUsageError(
      enumeration,
      'error: bad-enum.json: backend/storage/dedupe must be one of "unique", "check-then-insert", "none"',
    );
    expectUsageError(threshold, 'bad-threshold.json', 'unknown summary field latency.requestMs.p95');
  });

  it('an unknown scenario name: the built-ins are listed', async () => {
    const result = await syncsim(['run', 'steady-dya'], { cwd });
    expectUsageError(
      result,
      'no scenario or file named "steady-dya"',
      'steady-day',
      'lost-ack',
      'capacity-ramp',
    );
  });
});

describe('a bad flag: exit 2', () => {
  it('an unknown option gets a suggestion and where to look', async () => {
    const result = await syncsim(['run', '--devcies', '5'], { cwd });
    expectUsageError(result, "unknown option '--devcies'", 'Did you mean --devices?', 'syncsim run --help');
  });

  it('a flag value that is not what it takes says what it takes', async () => {
    const [devices, duration, policy, set, shard] = await Promise.all([
      syncsim(['run', '--devices', 'many'], { cwd }),
      syncsim(['run', '--duration', '5 weeks'], { cwd }),
      syncsim(['run', '--policy', 'strict'], { cwd }),
      syncsim(['run', '--set', 'policy.maxBatchSize=lots'], { cwd }),
      syncsim(['run', '--shard', '2/2'], { cwd }),
    ]);
    expectUsageError(devices, '--devices: expected a whole number from 1 to 100000, got "many"');
    expectUsageError(duration, '--duration: expected a duration such as 8h');
    expectUsageError(policy, '--policy: expected seed or hardened, got "strict"');
    expectUsageError(set, 'policy/maxBatchSize must be integer');
    expectUsageError(shard, '--shard: expected i/N with 0 <= i < N');
  });

  it('an unknown command', async () => {
    const result = await syncsim(['rnu'], { cwd });
    expectUsageError(result, "unknown command 'rnu'");
  });
});

describe('a run that cannot be carried out: exit 3', () => {
  it('an unreachable --target is named, after the seed was printed', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await syncsim(
      [
        'run',
        '--target',
        url,
        '--devices',
        '2',
        '--duration',
        '1m',
        '--seed',
        '3',
        '--no-progress',
        '--out',
        'x',
      ],
      { cwd },
    );
    expect(result.code, transcript(result)).toBe(3);
    expect(firstLine(result.stdout)).toBe('seed 3');
    expect(result.stderr).toContain(`error: target ${url} is unreachable`);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe('scenario files that must work', () => {
  it('a .ts file exporting defineScenario, in a folder with no package.json (no "type": "module")', async () => {
    const result = await syncsim(['run', 'typed.ts', '--seed', '4', '--no-progress', '--out', 'typed'], {
      cwd,
    });
    expect(result.code, transcript(result)).toBe(0);
    expect(result.stdout).toContain('running typed.ts: 2 devices');
    const summary = readJson<Summary>(join(cwd, 'typed', 'summary.json'));
    expect(summary).toMatchObject({ scenario: 'typed', seed: '4', devices: 2, passed: true });
  });
});

describe('output piped into a reader that quits early (syncsim schema | head)', () => {
  it('stops writing quietly: no EPIPE stack trace, exit 0', async () => {
    const running = startSyncsim(['schema'], { cwd });
    // The reader goes away before syncsim writes: every write meets a closed pipe.
    running.child.stdout?.destroy();
    const result = await running.finished;
    expect(result.code, transcript(result)).toBe(0);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr).not.toContain('EPIPE');
  });
});
