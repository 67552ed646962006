import { describe, expect, it } from 'vitest';
import { extraHeaderProblem } from '../../../src/sim/network/extra-headers.ts';

describe('extraHeaderProblem: what a user may add to every request', () => {
  it('takes an ordinary header', () => {
    expect(extraHeaderProblem('X-Tenant', 'acme')).toBeNull();
    expect(extraHeaderProblem('x-trace', 'a b\tc')).toBeNull();
  });

  it('refuses, in any case, the headers syncsim or its HTTP client sets, saying why', () => {
    for (const name of [
      'Content-Type',
      'content-length',
      'Transfer-Encoding',
      'HOST',
      'Connection',
      'Accept',
      'Expect',
    ]) {
      expect(extraHeaderProblem(name, 'x')).toMatch(new RegExp(`^${name} cannot be set: `));
    }
    expect(extraHeaderProblem('Authorization', 'Bearer x')).toContain('--token-env NAME');
  });

  it('refuses a value that would end the header early, and a name that is not a token', () => {
    expect(extraHeaderProblem('X-A', 'b\r\nX-Injected: 1')).toContain('control character');
    expect(extraHeaderProblem('X-A', 'b\u0000')).toContain('control character');
    expect(extraHeaderProblem('X A', 'b')).toBe('"X A" is not a header name');
  });
});
