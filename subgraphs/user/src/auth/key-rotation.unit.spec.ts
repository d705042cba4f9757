import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair } from 'jose';
import { TokenVerifier } from '@ebook/subgraph-kit';
import { JwtIssuer } from './jwt-issuer';

const base = { issuer: 'urn:rotation', audience: 'ebook-rental', ttlSeconds: 60 };
const subject = { id: '00000000-0000-4000-8000-000000000001', role: 'CUSTOMER' as const, name: 'Rita' };

async function privateJwk(kid: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
}

describe('signing-key rotation', () => {
  it('a token signed by the retired key still verifies while its public key is published; the new key signs new tokens', async () => {
    const oldKey = await privateJwk('key-2026-10');
    const newKey = await privateJwk('key-2026-11');
    const before = await JwtIssuer.fromPrivateJwk(base, oldKey);
    const { token: oldToken } = await before.sign(subject);

    const { d: _d, ...oldPublic } = oldKey;
    const after = await JwtIssuer.fromPrivateJwk({ ...base, previousPublicKeys: [oldPublic] }, newKey);
    expect(after.jwks().keys.map((k) => k.kid)).toEqual(['key-2026-11', 'key-2026-10']);
    expect(after.jwks().keys.every((k) => k.d === undefined)).toBe(true);

    const verifier = new TokenVerifier({ issuer: base.issuer, audience: base.audience, jwks: after.jwks() });
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ id: subject.id });
    const { token: newToken } = await after.sign(subject);
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid).toBe('key-2026-11');
    await expect(verifier.verify(newToken)).resolves.toMatchObject({ role: 'CUSTOMER' });

    // Once the retired key is dropped from the JWKS, its tokens are refused.
    const later = await JwtIssuer.fromPrivateJwk(base, newKey);
    const strict = new TokenVerifier({ issuer: base.issuer, audience: base.audience, jwks: later.jwks() });
    await expect(strict.verify(oldToken)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses a private key among the previous public keys, or a reused kid', async () => {
    const key = await privateJwk('k1');
    await expect(JwtIssuer.fromPrivateJwk({ ...base, previousPublicKeys: [await privateJwk('k0')] }, key)).rejects.toThrow(/public keys only/);
    const { d: _d, ...samePublic } = key;
    await expect(JwtIssuer.fromPrivateJwk({ ...base, previousPublicKeys: [samePublic] }, key)).rejects.toThrow(/own kid/);
  });
});
