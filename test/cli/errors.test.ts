/**
 * What a user gets wrong, end to end: a bad scenario file (exit 2, the file and field named), a bad flag or
 * flag value (exit 2, with a hint), an unknown scenario (exit 2, the built-ins listed), an unreachable target
 * (exit 3, after the seed was printed); never a stack trace. Also the scenario files that must work: a .ts
 * file in a folder that is not an ESM package, and output piped into a reader that quits early.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
  write('not-json.md', '# notes\n\nnot a summary\n');
  write('bad-type.json', { name: 'x', devices: { count: 'two' }, duration: '1h' });
  write('bad-enum.json', {
    name: 'x',
    devices: { count: 2 },
    duration: '1h',
    backend: { kind: 'fake', storage: { dedupe: 'sometimes' } },
  });
  write('bad-header.json', {
    name: 'x',
    devices: { count: 2 },
    duration: '1h',
    backend: { kind: 'target', url: 'http://127.0.0.1:9', headers: { 'Transfer-Encoding': 'chunked' } },
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

  it('a file that is not JSON at all: one line, though the parser quotes its text', async () => {
    const result = await syncsim(['replay', 'not-json.md'], { cwd });
    expectUsageError(result, 'error: not-json.md: is not valid JSON');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
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

  it('a --speed no timer could keep is refused, not run until memory runs out', async () => {
    const result = await syncsim(['run', '--realtime', '--speed', '1e12'], { cwd });
    expectUsageError(result, '--speed: expected a positive number up to 100000, got "1e12"');
  });

  it('a --set of the field a flag sets is refused: one of them would win without a word', async () => {
    const [policy, devices, sweep] = await Promise.all([
      syncsim(['run', '--policy', 'seed', '--set', 'policy.preset=hardened'], { cwd }),
      syncsim(['run', '--devices', '5', '--set', 'devices.count=7'], { cwd }),
      syncsim(['sweep', 'steady-day', '--devices', '4,6', '--set', 'devices.count=7'], { cwd }),
    ]);
    expectUsageError(policy, '--set: policy.preset=hardened sets what --policy sets: give one of them');
    expectUsageError(devices, '--set: devices.count=7 sets what --devices sets');
    expectUsageError(sweep, '--set: devices.count=7 sets what --devices sets');
  });

  it('a blank seed, target or ledger is named as the flag it came from', async () => {
    const [seed, escaped, target, ledger] = await Promise.all([
      syncsim(['run', '--seed', ' '], { cwd }),
      syncsim(['run', '--seed', '1\u001b[2J'], { cwd }),
      syncsim(['run', '--target', ''], { cwd }),
      syncsim(['run', '--target', 'http://127.0.0.1:9', '--ledger', ''], { cwd }),
    ]);
    expectUsageError(seed, '--seed: expected a seed such as 42');
    // A seed with an escape sequence is refused, and the message shows it as text, not as a cleared screen.
    expectUsageError(
      escaped,
      '--seed: expected a seed such as 42 or black-friday-1, got "1\\u001b[2J": it has control characters',
    );
    expectUsageError(target, '--target: expected the backend URL');
    expectUsageError(ledger, "--ledger: expected the fake backend's URL, sqlite:PATH or mysql://");
  });

  it('a --ledger-column for no field, or null where a row needs the column, is named as the flag', async () => {
    const ledger = [
      'run',
      '--target',
      'http://127.0.0.1:9',
      '--ledger',
      'sqlite:x.sqlite',
      '--ledger-column',
    ];
    const [unknown, required] = await Promise.all([
      syncsim([...ledger, 'colour=red'], { cwd }),
      syncsim([...ledger, 'serverId=null'], { cwd }),
    ]);
    expectUsageError(unknown, '--ledger-column: "colour" is not a ledger field (expected one of: serverId,');
    expectUsageError(required, '--ledger-column: serverId cannot be null');
    const http = await syncsim(
      ['run', '--target', 'http://127.0.0.1:9', '--ledger', 'http://127.0.0.1:9', '--ledger-table', 'sales'],
      { cwd },
    );
    expectUsageError(http, '--ledger-table: applies to a database ledger (sqlite: or mysql:)');
  });

  it('a --header the harness owns, or one that would end early, is refused before anything is sent', async () => {
    const target = ['run', '--target', 'http://127.0.0.1:9', '--devices', '2', '--duration', '1m'];
    const [owned, injected, token, file] = await Promise.all([
      syncsim([...target, '--header', 'Content-Type: text/plain'], { cwd }),
      syncsim([...target, '--header', 'X-A: b\rX-B: 1'], { cwd }),
      syncsim([...target, '--header', 'Authorization: Bearer s3cret'], { cwd }),
      syncsim(['run', 'bad-header.json'], { cwd }),
    ]);
    expectUsageError(
      owned,
      '--header: Content-Type cannot be set: syncsim sends its JSON bodies as application/json',
    );
    expectUsageError(injected, '--header: the value of X-A holds a control character');
    expectUsageError(token, '--header: Authorization cannot be set', '--token-env NAME');
    expect(token.stderr).not.toContain('s3cret');
    const [unset, owned2] = await Promise.all([
      syncsim([...target, '--header-env', 'X-Api-Key: SYNCSIM_UNSET_VARIABLE'], { cwd }),
      syncsim([...target, '--header-env', 'Host: SOME_VARIABLE'], { cwd }),
    ]);
    // Read when the run starts, as --token-env's variable is: after the seed line.
    expect(unset.code, transcript(unset)).toBe(2);
    expect(unset.stderr).toContain(
      'error: --header-env: the environment variable SYNCSIM_UNSET_VARIABLE (for X-Api-Key) is not set or is empty',
    );
    expectUsageError(owned2, '--header-env: Host cannot be set: it comes from the target URL');
    expectUsageError(
      file,
      'bad-header.json',
      'backend.headers.Transfer-Encoding: Transfer-Encoding cannot be set',
    );
  });

  it('serve: an empty --host is refused (it would bind every interface); its help gives its own exit codes', async () => {
    const [host, help] = await Promise.all([
      syncsim(['serve', '--host', '', '--port', '0', '--db', ':memory:'], { cwd }),
      syncsim(['serve', '--help'], { cwd }),
    ]);
    expectUsageError(host, '--host: expected an interface to bind');
    expectUsageError(
      await syncsim(['serve', '--db', '', '--port', '0'], { cwd }),
      '--db: expected a SQLite file, or :memory:',
    );
    expect(help.code, transcript(help)).toBe(0);
    expect(help.stdout).toContain('0    stopped with Ctrl-C or SIGTERM');
    expect(help.stdout).toContain('3    could not start');
    expect(help.stdout).not.toContain('threshold');
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

describe('a run folder or log that cannot be written: exit 3 at once, named', () => {
  it('--out naming a file, a folder under a file, or a place no folder can be (/proc), and --log naming a folder', async () => {
    const run = ['run', '--devices', '2', '--duration', '10m', '--no-progress'];
    const [file, under, proc, log] = await Promise.all([
      syncsim([...run, '--out', 'bad-json.json'], { cwd }),
      syncsim([...run, '--out', 'bad-json.json/run'], { cwd }),
      syncsim([...run, '--out', '/proc/syncsim-run'], { cwd }),
      syncsim([...run, '--out', 'logged', '--log', '.'], { cwd }),
    ]);
    for (const result of [file, under, proc, log]) {
      expect(result.code, transcript(result)).toBe(3);
      expect(result.stderr).not.toMatch(STACK_TRACE);
      expect(result.stderr).not.toContain('internal error');
    }
    expect(file.stderr).toContain('error: bad-json.json: is a file, not a folder');
    expect(under.stderr).toContain('error: bad-json.json/run: cannot be created:');
    expect(proc.stderr).toContain('error: /proc/syncsim-run: cannot be created:');
    expect(log.stderr).toContain('error: .: cannot be written (--log): EISDIR');
  });

  it('--shard with more shards than devices, and a blank --out, are usage errors', async () => {
    const [shard, out] = await Promise.all([
      syncsim(['run', '--devices', '2', '--shard', '2/3'], { cwd }),
      syncsim(['run', '--devices', '2', '--out', ''], { cwd }),
    ]);
    expectUsageError(shard, '--shard: 3 shards for 2 device(s): at most one shard per device');
    expectUsageError(out, '--out: expected a folder, got ""');
  });
});

describe('a run folder used again', () => {
  it("holds only the new run: the earlier run's devices, shards and violations are gone", async () => {
    const again = ['run', 'lost-ack', '--duration', '30m', '--seed', '3', '--no-progress', '--out', 'again'];
    const first = await syncsim([...again, '--devices', '6'], { cwd });
    expect(first.code, transcript(first)).toBeLessThan(2);
    expect(readdirSync(join(cwd, 'again', 'devices'))).toHaveLength(6);
    expect(existsSync(join(cwd, 'again', 'violations.json'))).toBe(true);
    const second = await syncsim([...again, '--devices', '4', '--workers', '2'], { cwd });
    expect(second.code, transcript(second)).toBeLessThan(2);
    expect(existsSync(join(cwd, 'again', 'devices'))).toBe(false);
    expect(existsSync(join(cwd, 'again', 'violations.json'))).toBe(false);
    expect(existsSync(join(cwd, 'again', 'server.sqlite'))).toBe(false);
    expect(readJson<Summary>(join(cwd, 'again', 'summary.json')).devices).toBe(4);
    const third = await syncsim([...again, '--devices', '3'], { cwd });
    expect(third.code, transcript(third)).toBeLessThan(2);
    expect(existsSync(join(cwd, 'again', 'shards'))).toBe(false);
    expect(readdirSync(join(cwd, 'again', 'devices'))).toHaveLength(3);
  });

  it('is left alone when it is not a run folder (no summary.json): --out may name a folder with other things', async () => {
    mkdirSync(join(cwd, 'mine', 'shards'), { recursive: true });
    writeFileSync(join(cwd, 'mine', 'shards', 'keep.txt'), 'mine');
    const result = await syncsim(
      ['run', '--devices', '2', '--duration', '10m', '--no-progress', '--out', 'mine'],
      {
        cwd,
      },
    );
    expect(result.code, transcript(result)).toBeLessThan(2);
    expect(existsSync(join(cwd, 'mine', 'summary.json'))).toBe(true);
    expect(existsSync(join(cwd, 'mine', 'shards', 'keep.txt'))).toBe(true);
  });
});

describe('reports that cannot be written', () => {
  it('the result is printed all the same, the file is named, no temporary is left, exit 3', async () => {
    // A folder where report.html should go: the write fails as a full disk would, after the run.
    mkdirSync(join(cwd, 'blocked', 'report.html', 'x'), { recursive: true });
    const result = await syncsim(
      ['run', '--devices', '2', '--duration', '10m', '--seed', '1', '--no-progress', '--out', 'blocked'],
      {
        cwd,
      },
    );
    expect(result.code, transcript(result)).toBe(3);
    expect(result.stdout).toMatch(/^(PASS|FAIL) {2}steady-day {2}seed 1$/m);
    expect(result.stderr).toMatch(
      /error: cannot write .*blocked\/report\.html: .*\(the result above is complete; its reports are not\)/,
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr).not.toContain('internal error');
    expect(readdirSync(join(cwd, 'blocked')).filter((name) => name.includes('.tmp-'))).toEqual([]);
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
