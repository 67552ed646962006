/**
 * runWorkers when a shard thread goes wrong: a shard that fails, one that throws, and Ctrl-C while the shards
 * are starting. The shards here are small modules standing in for `syncsim run --shard i/N` (a real thread
 * that really exits or throws); workers.test.ts runs the real thing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Console } from '../../src/cli/console.ts';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.ts';
import { runWorkers, type WorkersRequest, workersNotes } from '../../src/cli/run-workers.ts';
import { isSyncsimError } from '../../src/core/errors.ts';
import { loadScenario } from '../../src/scenarios/loader.ts';
import type { Scenario } from '../../src/scenarios/scenario.ts';
import { BIN, removeDir, tempDir } from './helpers.ts';

let dir: string;
let scenario: Scenario;
const said: string[] = [];
const console: Console = {
  out: (text) => said.push(text),
  err: (text) => said.push(text),
  interactive: false,
};

/** A stand-in shard: a module with this body, run as a shard thread with the shard's `run ...` arguments. */
function shardScript(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, body);
  return file;
}

function request(shardEntry: string, signal = new AbortController().signal): WorkersRequest {
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
    shardEntry,
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

  it('a shard that throws fails the run with exit 3, saying what it threw', async () => {
    const shard = shardScript('throws', "throw new Error('disk on fire');");
    const error = await failure(runWorkers(request(shard)));
    expect(exitCodeFor(error)).toBe(EXIT.unavailable);
    // Exit 1 from a thread that threw is no failed threshold: the shard left no result.
    expect(error.message).toMatch(/^--workers: shard 0\/2 ended with an uncaught error and no result/);
    expect(error.message).toContain('disk on fire');
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('Ctrl-C while the shards are starting posts each one SIGINT and gives no merged result (null), not an error', async () => {
    // As bin/syncsim.js does before the run has a handler: stop at once, with no report (exit 143).
    const shard = shardScript(
      'starting',
      [
        "import { parentPort } from 'node:worker_threads';",
        "parentPort.once('message', (signal) => { if (signal === 'SIGINT') process.exit(143); });",
        'setTimeout(() => {}, 60_000);',
      ].join('\n'),
    );
    const controller = new AbortController();
    const running = runWorkers(request(shard, controller.signal));
    setTimeout(() => controller.abort(), 300);
    expect(await running).toBeNull();
    expect(said).toContain(
      'interrupted while the shards were starting: no shard has a result, so there is no merged report',
    );
  });

  it('Ctrl-C before the real syncsim has its handler: the shard stops with no report, and there is no merged result', async () => {
    // The interrupt is posted before bin/syncsim.js has even loaded the CLI: it must not be read as a shard
    // interrupted with its partial report (there is none to merge).
    const controller = new AbortController();
    const running = runWorkers(request(BIN, controller.signal));
    controller.abort();
    expect(await running).toBeNull();
  });
});

describe('workersNotes: what is said before a run with workers', () => {
  const scenario = (capacityWorkers?: number): Scenario =>
    ({
      name: 'x',
      devices: { count: 4 },
      duration: '1h',
      ...(capacityWorkers === undefined
        ? {}
        : { backend: { kind: 'fake', capacity: { workers: capacityWorkers } } }),
    }) as Scenario;

  it('a bounded fake backend: each shard has one of its own', () => {
    expect(workersNotes(scenario(16), 2, 2)).toEqual([
      expect.stringContaining("each shard has its own backend with the scenario's capacity (16 workers)"),
    ]);
    expect(workersNotes(scenario(), 2, 2)).toEqual([]);
  });

  it('more workers than cores: they share cores', () => {
    expect(workersNotes(scenario(), 8, 2)).toEqual([
      'note: 8 workers on 2 cores: the shards share cores, so more of them than cores only add start-up time and memory (the result is the same)',
    ]);
    expect(workersNotes(scenario(), 2, 2)).toEqual([]);
  });
});
