import { describe, expect, it } from 'vitest';
import {
  resolveBackendOptions,
  validateBackendOptions,
  validateFaultPlan,
  validateFaultsFile,
} from '../../src/fake-backend/options.ts';
import { backendOptionsForServe, DEFAULT_SERVE_OPTIONS } from '../../src/fake-backend/serve.ts';

describe('backend options', () => {
  it('fills every default', () => {
    const options = resolveBackendOptions({});
    expect(options.path).toBe('/api/v1/pos/offline/batch-sync');
    expect(options.storage).toEqual({
      file: 'syncsim-backend.sqlite',
      journal: 'wal',
      synchronous: 'normal',
      locking: 'normal',
      cacheKib: null,
      fresh: false,
      dedupe: 'unique',
      key: 'offline_reference',
      checkGapMs: 0,
      commit: 'batch',
    });
    expect(options.limits).toEqual({ bodyBytes: 1024 * 1024, maxRows: null });
    expect(options.capacity.workers).toBeNull();
    expect(options.admin).toBe(false);
    expect(options.token).toBeNull();
    expect(options.faults).toEqual({ phases: [] });
  });

  it.each([
    [
      { storage: { dedupe: 'sometimes' } },
      'backend/storage/dedupe must be one of "unique", "check-then-insert", "none"',
    ],
    [{ capacity: { workers: 0 } }, 'backend/capacity/workers'],
    [{ capacity: { rowTime: { kind: 'gamma' } } }, 'backend/capacity/rowTime/kind must be one of'],
    [{ capacity: { rowTime: { kind: 'lognormal', p50: 5 } } }, 'backend/capacity/rowTime/p99 is required'],
    [
      { capacity: { requestTime: { kind: 'uniform', min: 5, max: 1 } } },
      'backend/capacity/requestTime/min 5 must be <= max 1',
    ],
    [{ storage: { flie: 'x' } }, 'backend/storage/flie is not a known field'],
    [{ storage: { cacheKib: 8 } }, 'backend/storage/cacheKib'],
    [{ storage: { cacheKib: 100.5 } }, 'backend/storage/cacheKib'],
    [{ limits: { bodyBytes: 1.5 } }, 'backend/limits/bodyBytes'],
    [{ path: 'no-slash' }, 'backend/path'],
    [
      { faults: { phases: [{ atMs: 0, http: [{ status: 418, rate: 0.1 }] }] } },
      'backend/faults/phases/0/http/0/status must be one of 500, 502, 503, 504',
    ],
  ])('rejects %j naming the field', (input, message) => {
    const result = validateBackendOptions(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });

  it('throws a coded error from resolveBackendOptions', () => {
    expect(() => resolveBackendOptions({ capacity: { queueLimit: -1 } })).toThrow(
      expect.objectContaining({ code: 'SYNCSIM_ERR_BACKEND_INVALID_OPTIONS' }),
    );
  });
});

describe('fault plans', () => {
  it('accepts a full plan', () => {
    const plan = {
      phases: [
        { atMs: 0, label: 'calm' },
        {
          atMs: 1000,
          unauthorized: { rate: 0.05 },
          http: [
            { status: 500, rate: 0.1, when: 'before-commit' },
            { status: 504, rate: 0.1, when: 'after-commit' },
          ],
          partialCommit: { rate: 0.1, ending: 'reset' },
          lostAck: { rate: 0.1 },
          slowResponse: { rate: 0.1, delayMs: { kind: 'lognormal', p50: 40_000, p99: 90_000 } },
          truncatedBody: { rate: 0.1, mode: 'short', keepFraction: 0.3 },
        },
        { atMs: 5000 },
      ],
    };
    expect(validateFaultPlan(plan)).toEqual({ ok: true, value: plan });
  });

  it.each([
    [{}, 'faults/phases is required'],
    [{ phases: [{ atMs: -1 }] }, 'faults/phases/0/atMs must be >= 0'],
    [{ phases: [{ atMs: 0, lostAck: { rate: 2 } }] }, 'faults/phases/0/lostAck/rate must be <= 1'],
    [
      { phases: [{ atMs: 0, lostAck: { rate: 0.6 }, http: [{ status: 500, rate: 0.6 }] }] },
      'faults/phases/0 fault rates add up to 1.2',
    ],
    [{ phases: [{ atMs: 10 }, { atMs: 5 }] }, 'faults/phases/1/atMs 5 must be >= the previous phase'],
    [
      { phases: [{ atMs: 0, slowResponse: { rate: 0.1 } }] },
      'faults/phases/0/slowResponse/delayMs is required',
    ],
    [
      { phases: [{ atMs: 0, truncatedBody: { rate: 0.1, mode: 'half' } }] },
      'faults/phases/0/truncatedBody/mode must be one of "reset", "short"',
    ],
    [{ phases: [{ atMs: 0, lostAk: { rate: 0.1 } }] }, 'faults/phases/0/lostAk is not a known field'],
    [[], 'faults must be object'],
  ])('rejects %j naming the field', (plan, message) => {
    const result = validateFaultPlan(plan);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });

  it('validates a faults file, naming the file', () => {
    expect(validateFaultsFile('{"phases": [', 'plan.json')).toEqual({
      ok: false,
      errors: [expect.stringContaining('plan.json is not valid JSON')],
    });
    const result = validateFaultsFile(
      '{"phases":[{"atMs":0,"http":[{"status":502,"rate":"0.5"}]}]}',
      'plan.json',
    );
    expect(result).toEqual({ ok: false, errors: ['plan.json/phases/0/http/0/rate must be number'] });
    expect(validateFaultsFile('{"phases":[]}').ok).toBe(true);
  });
});

describe('serve options', () => {
  const io = (files: Record<string, string>, env: Record<string, string> = {}) => ({
    env,
    readFile: (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  });

  it('maps flags one to one', () => {
    const options = backendOptionsForServe(
      {
        ...DEFAULT_SERVE_OPTIONS,
        db: 'ledger.sqlite',
        dedupe: 'none',
        admin: true,
        faults: 'f.json',
        tokenEnv: 'TOKEN',
      },
      io({ 'f.json': '{"phases":[{"atMs":0,"lostAck":{"rate":0.5}}]}' }, { TOKEN: 's3cret' }),
    );
    expect(options).toMatchObject({
      storage: { file: 'ledger.sqlite', dedupe: 'none' },
      admin: true,
      token: 's3cret',
      faults: { phases: [{ atMs: 0, lostAck: { rate: 0.5 } }] },
    });
    expect(validateBackendOptions(options).ok).toBe(true);
  });

  it('explains a missing token variable and a bad faults file', () => {
    expect(() => backendOptionsForServe({ ...DEFAULT_SERVE_OPTIONS, tokenEnv: 'NOPE' }, io({}))).toThrow(
      /--token-env NOPE: the environment variable NOPE is not set/,
    );
    // A missing file cannot be carried out (exit 3), as a missing scenario file; bad content is configuration.
    expect(() =>
      backendOptionsForServe({ ...DEFAULT_SERVE_OPTIONS, faults: 'missing.json' }, io({})),
    ).toThrow(
      expect.objectContaining({
        kind: 'unavailable',
        message: expect.stringMatching(/^cannot read the fault plan missing.json: /),
      }),
    );
    expect(() =>
      backendOptionsForServe(
        { ...DEFAULT_SERVE_OPTIONS, faults: 'f.json' },
        io({ 'f.json': '{"phases":[{"atMs":"soon"}]}' }),
      ),
    ).toThrow(
      expect.objectContaining({
        kind: 'config',
        message: expect.stringContaining('f.json/phases/0/atMs must be number'),
      }),
    );
  });
});
