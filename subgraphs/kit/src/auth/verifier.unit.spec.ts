import { describe, expect, it } from 'vitest';
import { parseAlgorithms } from './verifier';

describe('JWT_ALGORITHMS allow-list', () => {
  it('defaults to ES256 and EdDSA, accepts asymmetric algorithms for an external IdP, refuses none and HMAC', () => {
    expect(parseAlgorithms(undefined)).toEqual(['ES256', 'EdDSA']);
    expect(parseAlgorithms('RS256, ES256')).toEqual(['RS256', 'ES256']);
    expect(() => parseAlgorithms('RS256,HS256')).toThrow(/HS256/);
    expect(() => parseAlgorithms('none')).toThrow(/none/);
    expect(() => parseAlgorithms(' , ')).toThrow(/asymmetric/);
  });
});
