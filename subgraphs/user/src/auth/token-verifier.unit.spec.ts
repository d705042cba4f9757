// The user context's issued tokens as the shared verifier (@ebook/subgraph-kit) of every context checks them.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GraphQLError } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { TokenVerifier } from '@ebook/subgraph-kit';
import { JwtIssuer } from './jwt-issuer';

const ISSUER = 'urn:test';
const AUDIENCE = 'ebook-rental';
const USER = { id: '5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', role: 'CUSTOMER', name: 'Kim Minji' } as const;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Asserts that `promise` rejects with the 401 UNAUTHENTICATED GraphQL error. */
async function expectUnauthenticated(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => {
      throw new Error('expected the token to be rejected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphQLError);
  expect((err as GraphQLError).extensions).toMatchObject({ code: 'UNAUTHENTICATED', http: { status: 401 } });
}

let issuer: JwtIssuer;
let issuerKid: string;
/** A second key we sign with ourselves (kid `own`), trusted by {@link verifier} alongside the issuer's. */
let ownKey: CryptoKey;
let ownPublicJwk: JWK;
let verifier: TokenVerifier;

/** Signs a token with our own trusted key; `claims` override the valid defaults. */
function ownToken(claims: JWTPayload = {}, header: { kid?: string } = { kid: 'own' }, key: CryptoKey = ownKey): Promise<string> {
  const now = nowSeconds();
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: USER.id, role: USER.role, name: USER.name, iat: now, exp: now + 60, ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', ...header }).sign(key);
}

beforeAll(async () => {
  issuer = await JwtIssuer.generate({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 });
  issuerKid = issuer.jwks().keys[0]!.kid!;
  const pair = await generateKeyPair('ES256', { extractable: true });
  ownKey = pair.privateKey;
  ownPublicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'own', alg: 'ES256' };
  verifier = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [...issuer.jwks().keys, ownPublicJwk] } });
});

describe('JwtIssuer', () => {
  it('publishes only a public key with a kid', () => {
    const [jwk, ...rest] = issuer.jwks().keys;
    expect(rest).toEqual([]);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk!.kid).toBeTruthy();
    expect(jwk).not.toHaveProperty('d');
  });

  it('reports an expiry ttlSeconds from now', async () => {
    const before = Date.now();
    const { expiresAt } = await issuer.sign(USER);
    expect(expiresAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 60_000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('refuses a private key that is not EC P-256 with a kid', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const withoutKid = await exportJWK(privateKey);
    await expect(JwtIssuer.fromPrivateJwk({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 }, withoutKid)).rejects.toThrow(/kid/);
  });
});

describe('TokenVerifier', () => {
  it('verifies a fresh token from the issuer to the caller', async () => {
    const { token } = await issuer.sign(USER);
    await expect(verifier.verify(token)).resolves.toEqual({ id: USER.id, role: 'CUSTOMER', scopes: ['customer'], name: 'Kim Minji' });
  });

  it('trusts the issuer key set alone (as every subgraph does)', async () => {
    const { token } = await issuer.sign({ ...USER, role: 'MANAGER' });
    const plain = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks() });
    await expect(plain.verify(token)).resolves.toMatchObject({ role: 'MANAGER' });
  });

  it('accepts a valid token signed with our own test key (control for the cases below)', async () => {
    await expect(verifier.verify(await ownToken())).resolves.toEqual({ id: USER.id, role: 'CUSTOMER', scopes: ['customer'], name: 'Kim Minji' });
  });

  it('rejects a token of another issuer', async () => {
    const { token } = await issuer.sign(USER);
    await expectUnauthenticated(new TokenVerifier({ issuer: 'urn:someone-else', audience: AUDIENCE, jwks: issuer.jwks() }).verify(token));
    await expectUnauthenticated(verifier.verify(await ownToken({ iss: 'urn:evil' })));
  });

  it('rejects a token for another audience', async () => {
    const { token } = await issuer.sign(USER);
    await expectUnauthenticated(new TokenVerifier({ issuer: ISSUER, audience: 'other-app', jwks: issuer.jwks() }).verify(token));
    await expectUnauthenticated(verifier.verify(await ownToken({ aud: 'other-app' })));
  });

  it('rejects a token expired beyond the 5 s clock tolerance', async () => {
    const now = nowSeconds();
    await expectUnauthenticated(verifier.verify(await ownToken({ iat: now - 120, exp: now - 30 })));
  });

  it('accepts a token expired within the clock tolerance', async () => {
    const now = nowSeconds();
    await expect(verifier.verify(await ownToken({ iat: now - 120, exp: now - 2 }))).resolves.toMatchObject({ id: USER.id });
  });

  it('rejects a token not valid yet (nbf in the future)', async () => {
    await expectUnauthenticated(verifier.verify(await ownToken({ nbf: nowSeconds() + 60 })));
  });

  it('rejects an unsigned token (alg none)', async () => {
    const now = nowSeconds();
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: USER.id, role: 'MANAGER', iat: now, exp: now + 60 };
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
    await expectUnauthenticated(verifier.verify(token));
    await expectUnauthenticated(verifier.fromAuthorizationHeader(`Bearer ${token}`));
  });

  it('rejects an HS256 token signed with a shared secret', async () => {
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
    const now = nowSeconds();
    const token = await new SignJWT({ role: 'MANAGER', iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: issuerKid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(USER.id)
      .sign(secret);
    await expectUnauthenticated(verifier.verify(token));
  });

  it('rejects a token whose payload was changed (customer → manager)', async () => {
    const { token } = await issuer.sign(USER);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    await expectUnauthenticated(verifier.verify(`${header}.${b64url({ ...claims, role: 'MANAGER' })}.${signature}`));
  });

  it('rejects a token with one character of the payload changed', async () => {
    const { token } = await issuer.sign(USER);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const i = Math.floor(payload.length / 2);
    const flipped = payload[i] === 'A' ? 'B' : 'A';
    await expectUnauthenticated(verifier.verify(`${header}.${payload.slice(0, i)}${flipped}${payload.slice(i + 1)}.${signature}`));
  });

  it('rejects a token whose kid is not in the key set', async () => {
    await expectUnauthenticated(verifier.verify(await ownToken({}, { kid: 'unknown-kid' })));
  });

  it("rejects a token signed by another key under the issuer's kid", async () => {
    const { privateKey: stranger } = await generateKeyPair('ES256');
    await expectUnauthenticated(verifier.verify(await ownToken({}, { kid: issuerKid }, stranger)));
  });

  it('rejects a token signed by another key without a kid', async () => {
    const { privateKey: stranger } = await generateKeyPair('ES256');
    const plain = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks() });
    await expectUnauthenticated(plain.verify(await ownToken({}, {}, stranger)));
  });

  it('rejects a token without a known role', async () => {
    await expectUnauthenticated(verifier.verify(await ownToken({ role: 'ADMIN' })));
    await expectUnauthenticated(verifier.verify(await ownToken({ role: undefined })));
  });

  it('reads a client-credentials token (no role, sub = client_id, scope) as a SERVICE caller with its scopes', async () => {
    const service = { sub: 'rental-service', client_id: 'rental-service', role: undefined, name: undefined };
    await expect(verifier.verify(await ownToken({ ...service, scope: 'payment:approve' }))).resolves.toEqual({
      id: 'rental-service',
      role: 'SERVICE',
      scopes: ['payment:approve'],
    });
  });

  it('a user token carries the scope of its role only, whatever its scope claim says', async () => {
    await expect(verifier.verify(await ownToken({ scope: 'manager payment:approve' }))).resolves.toMatchObject({ role: 'CUSTOMER', scopes: ['customer'] });
  });

  it('refuses role-less tokens that are not client-credentials tokens (sub ≠ client_id, no scope, or only user scopes)', async () => {
    await expectUnauthenticated(verifier.verify(await ownToken({ role: undefined, client_id: 'rental-service', scope: 'payment:approve' })));
    await expectUnauthenticated(verifier.verify(await ownToken({ role: undefined, sub: 'svc', client_id: 'svc' })));
    await expectUnauthenticated(verifier.verify(await ownToken({ role: undefined, sub: 'svc', client_id: 'svc', scope: 'manager customer' })));
  });

  it('rejects a token without exp', async () => {
    const token = await new SignJWT({ role: USER.role, iat: nowSeconds() })
      .setProtectedHeader({ alg: 'ES256', kid: 'own' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(USER.id)
      .sign(ownKey);
    await expectUnauthenticated(verifier.verify(token));
  });

  it('rejects garbage', async () => {
    await expectUnauthenticated(verifier.verify('not.a.jwt'));
  });
});

describe('TokenVerifier.fromAuthorizationHeader', () => {
  it('returns null when no header is sent (anonymous caller)', async () => {
    await expect(verifier.fromAuthorizationHeader(undefined)).resolves.toBeNull();
    await expect(verifier.fromAuthorizationHeader('')).resolves.toBeNull();
  });

  it('verifies a Bearer token (scheme case-insensitive)', async () => {
    const { token } = await issuer.sign(USER);
    await expect(verifier.fromAuthorizationHeader(`Bearer ${token}`)).resolves.toMatchObject({ id: USER.id });
    await expect(verifier.fromAuthorizationHeader(`bearer ${token}`)).resolves.toMatchObject({ id: USER.id });
  });

  it.each(['Basic abc', 'Bearer', 'Bearer a b', 'Token abc.def.ghi'])('rejects the header %j as UNAUTHENTICATED', async (header) => {
    await expectUnauthenticated(verifier.fromAuthorizationHeader(header));
  });
});

describe('remembered verifications', () => {
  afterEach(() => vi.useRealTimers());

  it('a token seen before is answered from memory, but never after its exp: it is refused then like any expired token', async () => {
    const token = await ownToken({ exp: nowSeconds() + 2 });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toEqual(first);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10_000); // past exp and jose's 5 s tolerance
    await expectUnauthenticated(verifier.verify(token));
  });

  it('a refused token is not remembered: refused every time', async () => {
    const token = await ownToken({ aud: 'someone-else' });
    await expectUnauthenticated(verifier.verify(token));
    await expectUnauthenticated(verifier.verify(token));
  });
});
