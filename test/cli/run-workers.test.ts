/**
 * runWorkers when a shard process goes wrong: a shard that fails, one killed by a signal, and Ctrl-C while the
 * shards are starting. The shards here are small node scripts standing in for `syncsim run --shard i/N` (a
 * real process that really exits or dies); workers.test.ts runs the real thing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Console } from '../../src/cli/console.ts';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.ts';
import { runWorkers, type WorkersRequest } from '../../src/cli/run-workers.ts';
import { isSyncsimError } from '../../src/core/errors.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';
import type { Scenario } from '../../src/scenarios/scenario.ts';
import { removeDir, tempDir } from './helpers.ts';

let dir: string;
let scenario: Scenario;
const said: string[] = [];
const console: Console = {
  out: (text) => said.push(text),
  err: (text) => said.push(text),
  interactive: false,
};

/** A stand-in shard: a node script with this body, given the shard's `run ...` arguments. */
function shardScript(name: string, body: string): WorkersRequest['syncsim'] {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, body);
  return { node: process.execPath, args: [file] };
}

function request(syncsim: WorkersRequest['syncsim'], signal = new AbortController().signal): WorkersRequest {
  return {
    scenario,
    seed: '1',
    workers: 2,
    outDir: join(dir, 'run'),
    realtime: null,
    progress: true,
    console,
    signal,
    env: process.env,
    syncsim,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected runWorkers to fail');
}

beforeAll(async () => {
  dir = tempDir();
  ({ scenario } = await loadScenario('steady-day', ['devices.count=4']));
});
afterAll(() => removeDir(dir));

describe('runWorkers, when a shard goes wrong', () => {
  it('a shard that exits 3 fails the run with exit 3, naming the shard and what it said', async () => {
    said.length = 0;
    const shard = shardScript(
      'unreachable',
      "process.stderr.write('error: target http://127.0.0.1:9 is unreachable\\n'); process.exit(3);",
    );
    const error = await failure(runWorkers(request(shard)));
    expect(isSyncsimError(error) && error.code).toBe('SYNCSIM_ERR_WORKER');
    expect(exitCodeFor(error)).toBe(EXIT.unavailable);
    expect(error.message).toMatch(
      /^--workers: shard 0\/2 ended with exit 3 and no result \(its run folder: .*shard-0\)/,
    );
    expect(error.message).toContain('error: target http://127.0.0.1:9 is unreachable');
    // With progress on, what a shard writes to stderr is relayed, named.
    expect(said).toContain('shard 1/2: error: target http://127.0.0.1:9 is unreachable');
    expect(
      said.some((line) => /^shard 0\/2: done in [\d.]+ s \(exit 3\)$/.test(line)),
      said.join('\n'),
    ).toBe(true);
  });

  it('a shard killed by a signal fails the run, saying so', async () => {
    const shard = shardScript('killed', "process.kill(process.pid, 'SIGKILL');");
    const error = await failure(runWorkers(request(shard)));
    expect(error.message).toMatch(/^--workers: shard 0\/2 ended with a signal and no result/);
  });

  it('Ctrl-C while the shards are starting stops them and gives no merged result (null), not an error', async () => {
    const shard = shardScript('starting', 'setTimeout(() => {}, 60_000);');
    const controller = new AbortController();
    const running = runWorkers(request(shard, controller.signal));
    setTimeout(() => controller.abort(), 300);
    expect(await running).toBeNull();
  });
});
