import { randomUUID } from 'node:crypto';
import pg from 'pg';
import * as oauth from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '@ebook/subgraph-kit';
import { freePort, startTestStack } from './test-stack';
import { Browser, discoverWebClient, refreshTokens, signIn as signInAs, startFlow as startFlowOf, type WebClient } from './oidc-browser';

/**
 * The OAuth 2.1 / OpenID Connect authorization server on the whole stack (real
 * PostgreSQL + Kafka), driven like a real web app would: openid-client (a certified relying-party
 * library) builds the requests, and a browser is played by `fetch` with a cookie jar, following
 * redirects and posting the login form. The issuer is the user context's real address, so
 * discovery is fetched from `<iss>/.well-known/openid-configuration`.
 */

const REDIRECT_URI = 'http://127.0.0.1:3999/callback';
const WEB_CLIENT = 'ebook-web';
const PASSWORD = 'correct horse battery';
const THROTTLE = { maxFailuresPerAccount: 3, maxFailuresPerIp: 50, windowSeconds: 30 };

let stack: Awaited<ReturnType<typeof startTestStack>>;
let issuer: string;
let client: WebClient;
let web: oauth.Configuration;
let paymentDb: pg.Pool;

/** A GraphQL call at the gateway. */
async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: any; errors?: { extensions?: { code?: string } }[] }> {
  const res = await fetch(`${stack.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any };
}

/** Starts a code + PKCE flow in `browser` (see oidc-browser.ts). */
const startFlow = (browser: Browser, extra: Record<string, string> = {}) => startFlowOf(client, browser, extra);
/** Signs `email` in through the whole flow. */
const signIn = (email: string) => signInAs(client, email, PASSWORD);

const claimsOf = decodeJwt;
const headerOf = decodeProtectedHeader;

async function newCustomer(): Promise<{ id: string; email: string }> {
  const email = `oidc-${randomUUID()}@example.com`;
  const r = await gql('mutation R($i: RegisterCustomerInput!) { registerCustomer(input: $i) { id } }', {
    i: { name: 'Oh Idc', email, phone: '010-5555-0101', password: PASSWORD },
  });
  return { id: r.data.registerCustomer.id as string, email };
}

/** Calls the token endpoint as rental's service client (client_secret_basic). */
async function serviceToken(secret: string, scope = 'payment:approve'): Promise<Response> {
  const client = stack.serviceClients[0]!;
  return fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
}

/** Payment's internal approve route with a bearer token and a body payment rejects (so nothing is charged). */
const internalApprove = (token: string, body: unknown) =>
  fetch(`${stack.contexts.payment.url}/internal/payments/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  const port = await freePort();
  stack = await startTestStack({ declineRate: 0 }, undefined, { userPort: port, webRedirectUris: [REDIRECT_URI], loginThrottle: THROTTLE });
  issuer = `http://127.0.0.1:${port}`;
  client = await discoverWebClient(issuer, WEB_CLIENT, REDIRECT_URI);
  web = client.config;
  paymentDb = new pg.Pool({ connectionString: requireEnv('PAYMENT_DATABASE_URL'), max: 2 });
}, 60_000);

afterAll(async () => {
  await paymentDb?.end();
  await stack?.stop();
});

describe('discovery and keys', () => {
  it('serves the discovery document at <iss>/.well-known/openid-configuration for the iss in our tokens', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, any>;
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    const jwks = (await (await fetch(doc.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });
});

describe('authorization code + PKCE (web client, login page)', () => {
  it('a customer signs in on the login page; the access token works at the gateway and has the claims of a `login` token', async () => {
    const me = await newCustomer();
    const tokens = await signIn(me.email);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.claims()?.sub).toBe(me.id);

    const viaOauth = await gql('{ me { id role } }', {}, tokens.access_token);
    expect(viaOauth).toEqual({ data: { me: { id: me.id, role: 'CUSTOMER' } } });

    const login = await gql('mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: me.email, p: PASSWORD });
    const first = claimsOf(login.data.login.accessToken as string);
    const second = claimsOf(tokens.access_token);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    expect(second).toMatchObject({ iss: issuer, aud: 'ebook-rental', sub: me.id, role: 'CUSTOMER', client_id: WEB_CLIENT });
    expect(headerOf(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: headerOf(login.data.login.accessToken).kid });
  });

  it('a wrong password shows the form again with 401 and issues no code; the per-account throttle then answers 429 with Retry-After', async () => {
    const me = await newCustomer();
    const browser = new Browser(issuer);
    const { page } = await startFlow(browser);
    expect(page.res.status).toBe(200);
    const html = await page.res.text();
    expect(html).toContain('<form method="post"');
    expect(page.res.headers.get('x-frame-options')).toBe('DENY');
    for (let i = 0; i < THROTTLE.maxFailuresPerAccount; i++) {
      const wrong = await browser.login(page.url, me.email, 'not the password');
      expect(wrong.res.status).toBe(401);
      expect(await wrong.res.text()).toContain('Email or password is wrong');
    }
    const throttled = await browser.login(page.url, me.email, PASSWORD);
    expect(throttled.res.status).toBe(429);
    expect(Number(throttled.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.url.startsWith(REDIRECT_URI)).toBe(false);
  });

  it('"Cancel" on the login page sends the user back to the client with access_denied, no code', async () => {
    const browser = new Browser(issuer);
    const { state, page } = await startFlow(browser);
    const back = await browser.follow(`${page.url}/abort`);
    const params = new URL(back.url).searchParams;
    expect(back.url.startsWith(REDIRECT_URI)).toBe(true);
    expect([params.get('error'), params.get('state'), params.get('code')]).toEqual(['access_denied', state, null]);
  });

  it('a login form posted from another site (no interaction cookie: login CSRF) is refused 400 and signs no one in', async () => {
    const me = await newCustomer();
    const { page } = await startFlow(new Browser(issuer));
    const forged = await new Browser(issuer).login(page.url, me.email, PASSWORD);
    expect(forged.res.status).toBe(400);
    expect(forged.url.startsWith(REDIRECT_URI)).toBe(false);
  });

  it('PKCE is required: an authorization request without code_challenge is refused (error sent back to the client, no login page)', async () => {
    const browser = new Browser(issuer);
    const url = oauth.buildAuthorizationUrl(web, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' });
    const { url: landed } = await browser.follow(url.href);
    expect(new URL(landed).searchParams.get('error')).toBe('invalid_request');
    expect(new URL(landed).searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('a code redeemed with the wrong PKCE verifier is refused (invalid_grant)', async () => {
    const me = await newCustomer();
    const browser = new Browser(issuer);
    const { state, page } = await startFlow(browser);
    const done = await browser.login(page.url, me.email, PASSWORD);
    await expect(oauth.authorizationCodeGrant(web, new URL(done.url), { pkceCodeVerifier: oauth.randomPKCECodeVerifier(), expectedState: state })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('an unregistered redirect_uri gets an error page from the server, never a redirect (no open redirector)', async () => {
    const browser = new Browser(issuer);
    const { page } = await startFlow(browser, { redirect_uri: 'https://attacker.example/steal' });
    expect(page.res.status).toBe(400);
    expect(page.url.startsWith(issuer)).toBe(true);
    expect(await page.res.text()).toMatch(/redirect_uri/);
  });
});

describe('refresh tokens: rotation and reuse detection', () => {
  it('each refresh returns a new refresh token; presenting a used one revokes the whole grant (the newest stops working too)', async () => {
    const me = await newCustomer();
    const first = await signIn(me.email);
    const second = await refreshTokens(client, first.refresh_token!);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await gql('{ me { id } }', {}, second.access_token)).data.me.id).toBe(me.id);

    // A thief replays the first (already rotated) refresh token.
    await expect(refreshTokens(client, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Reuse detected: the grant is revoked, so the legitimate client's newest token is dead too.
    await expect(refreshTokens(client, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('client credentials (service-to-service)', () => {
  it("rental's service client gets a payment:approve token that payment's internal route accepts; a customer's token is FORBIDDEN there", async () => {
    const res = await serviceToken(stack.serviceClients[0]!.clientSecret);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(claimsOf(body.access_token)).toMatchObject({ iss: issuer, aud: 'ebook-rental', sub: 'rental-service', client_id: 'rental-service', scope: 'payment:approve' });
    expect(claimsOf(body.access_token).role).toBeUndefined();

    // Authorized: the route goes on to validate the body (a bad one, so nothing is charged).
    const service = await internalApprove(body.access_token, { rentalId: 'not-a-uuid' });
    expect(service.status).toBe(400);

    const me = await newCustomer();
    const customer = await signIn(me.email);
    const rentalId = randomUUID();
    const refused = await internalApprove(customer.access_token, { rentalId, customerId: me.id, amount: 1000 });
    expect(refused.status).toBe(403);
    expect((await paymentDb.query('SELECT count(*)::int AS n FROM payment WHERE "rentalId" = $1', [rentalId])).rows[0].n).toBe(0);
  });

  it('a wrong client secret is invalid_client (401); asking for more scopes than the client has yields only its own', async () => {
    const wrong = await serviceToken('x'.repeat(43));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const greedy = await serviceToken(stack.serviceClients[0]!.clientSecret, 'payment:approve manager customer');
    expect(greedy.status).toBe(200);
    const token = ((await greedy.json()) as { access_token: string }).access_token;
    expect(claimsOf(token)).toMatchObject({ scope: 'payment:approve' });
    expect(claimsOf(token).role).toBeUndefined();
  });

  it('a service token is no user: `me` is null and customer-only operations are FORBIDDEN', async () => {
    const body = (await (await serviceToken(stack.serviceClients[0]!.clientSecret)).json()) as { access_token: string };
    expect(await gql('{ me { id } }', {}, body.access_token)).toEqual({ data: { me: null } });
    const rent = await gql('mutation R($b: ID!) { rentBook(bookId: $b) { id } }', { b: randomUUID() }, body.access_token);
    expect(rent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
