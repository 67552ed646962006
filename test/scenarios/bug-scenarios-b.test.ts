/**
 * The product's central claim, part two (odd-numbered bug scenarios; see bug-scenarios-a): each breaks an
 * invariant under `seed` and holds under `hardened`.
 */
import { describe, it } from 'vitest';
import { BUG_SCENARIOS } from '../../src/scenarios/builtin/index.ts';
import { expectBrokenUnderSeed, expectHeldUnderHardened, runBuiltin } from './scenario-runs.ts';

for (const name of BUG_SCENARIOS.filter((_, index) => index % 2 === 1)) {
  describe(name, () => {
    it('breaks an invariant under seed, the one its description names', async () => {
      expectBrokenUnderSeed(name, await runBuiltin(name, 'seed'));
    });
    it('holds under hardened', async () => {
      expectHeldUnderHardened(name, await runBuiltin(name, 'hardened'));
    });
  });
}
