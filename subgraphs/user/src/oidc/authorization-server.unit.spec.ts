import { describe, expect, it } from 'vitest';
import { authorizationServerFromEnv, DEFAULT_WEB_REDIRECT_URI } from './authorization-server';

const KEY = 'k'.repeat(32);
const RENTAL = { clientId: 'rental-service', clientSecret: 's'.repeat(43), scopes: ['payment:approve'] };

describe('authorization server settings from the environment (fail fast at start-up)', () => {
  it('reads cookie keys, the web client, service clients and the refresh lifetime', () => {
    const opts = authorizationServerFromEnv({
      OIDC_COOKIE_KEYS: `${KEY}, ${'o'.repeat(40)}`,
      OIDC_WEB_REDIRECT_URIS: 'https://app.example/cb, http://127.0.0.1:8080/cb',
      OIDC_SERVICE_CLIENTS: JSON.stringify([RENTAL]),
      REFRESH_TOKEN_TTL_SECONDS: '3600',
      OIDC_TRUST_PROXY: 'true',
    });
    expect(opts).toEqual({
      cookieKeys: [KEY, 'o'.repeat(40)],
      publicClients: [{ clientId: 'ebook-web', redirectUris: ['https://app.example/cb', 'http://127.0.0.1:8080/cb'] }],
      serviceClients: [RENTAL],
      refreshTokenTtlSeconds: 3600,
      trustProxy: true,
    });
  });

  it('defaults: the local web app redirect, no service clients, 14 days, no proxy', () => {
    expect(authorizationServerFromEnv({ OIDC_COOKIE_KEYS: KEY })).toMatchObject({
      publicClients: [{ clientId: 'ebook-web', redirectUris: [DEFAULT_WEB_REDIRECT_URI] }],
      serviceClients: [],
      refreshTokenTtlSeconds: 14 * 24 * 3600,
      trustProxy: false,
    });
  });

  it.each([
    ['no cookie key', {}, /OIDC_COOKIE_KEYS/],
    ['a short cookie key', { OIDC_COOKIE_KEYS: 'CHANGE_ME' }, /OIDC_COOKIE_KEYS/],
    ['a service client with a short secret', { OIDC_COOKIE_KEYS: KEY, OIDC_SERVICE_CLIENTS: JSON.stringify([{ ...RENTAL, clientSecret: 'CHANGE_ME' }]) }, /clientSecret/],
    ['a service client without scopes', { OIDC_COOKIE_KEYS: KEY, OIDC_SERVICE_CLIENTS: JSON.stringify([{ ...RENTAL, scopes: [] }]) }, /scopes/],
    ['service clients that are not JSON', { OIDC_COOKIE_KEYS: KEY, OIDC_SERVICE_CLIENTS: '[{' }, /OIDC_SERVICE_CLIENTS .*not valid JSON/],
    ['a refresh lifetime that is not a positive integer', { OIDC_COOKIE_KEYS: KEY, REFRESH_TOKEN_TTL_SECONDS: '-5' }, /REFRESH_TOKEN_TTL_SECONDS/],
  ])('refuses %s', (_case, env, message) => {
    expect(() => authorizationServerFromEnv(env as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('never repeats a client secret in its error', () => {
    const secret = 'short-secret-value';
    expect(() => authorizationServerFromEnv({ OIDC_COOKIE_KEYS: KEY, OIDC_SERVICE_CLIENTS: JSON.stringify([{ ...RENTAL, clientSecret: secret }]) })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
