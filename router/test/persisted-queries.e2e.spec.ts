import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Service } from '@ebook/subgraph-kit';
import { operationId } from '../src/hardening';
import { firstParty } from './first-party';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { codeOf, expectCleanJsonError, postJson, send, type Reply } from './gateway-http';
import { startExtraGateway, startTestStack, testDatabaseUrls } from './test-stack';
import { freshEmail, REGISTER, registerInput } from './hardening-attacks';
import { sqlAccessor } from './security-target';

/**
 * Persisted queries as a client sees them, over HTTP on the whole stack (PostgreSQL +
 * Kafka). The stack's own gateway runs the default mode (`apq`); a `safelist` gateway (the
 * committed first-party manifest, production mode) and an `off` gateway run beside it on the
 * same subgraphs.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let safelist: string;
let off: string;
const extraGateways: Service[] = [];
const logger = createLogger('e2e-persisted-queries', process.env.LOG_LEVEL ?? 'silent');
const db = sqlAccessor(testDatabaseUrls());

/** `extensions` of a request sending `query` by hash (APQ protocol, version 1). */
const byHash = (query: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: operationId(query) } } });

/** A GET of `<base>/graphql` with search parameters (JSON-encoded when not strings), with the header Apollo's CSRF prevention asks of GETs. */
const get = (base: string, params: Record<string, unknown>) =>
  send(
    base,
    { method: 'GET', headers: { 'apollo-require-preflight': 'true' } },
    `/graphql?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))}`,
  );

/** registerCustomer as a third party would write it: not in the manifest. */
const UNLISTED_REGISTER = REGISTER;

/** Accounts with `email` in the user context's own database. */
async function accounts(email: string): Promise<number> {
  const [row] = await db.sql('user', 'SELECT count(*) AS n FROM user_account WHERE email = $1', [email]);
  return Number(row.n);
}

/** 400 `PERSISTED_QUERY_NOT_IN_SAFELIST`, clean JSON, no data. */
function expectNotInSafelist(r: Reply): void {
  expect([r.status, codeOf(r)]).toEqual([400, 'PERSISTED_QUERY_NOT_IN_SAFELIST']);
  expect(r.json?.data).toBeUndefined();
  expectCleanJsonError(r);
}

beforeAll(async () => {
  stack = await startTestStack();
  for (const [mode, production] of [
    ['safelist', true],
    ['off', false],
  ] as const) {
    const gw = await startExtraGateway(stack, logger, { production, hardening: { persistedQueries: mode } });
    extraGateways.push(gw);
    if (mode === 'safelist') safelist = gw.url;
    else off = gw.url;
  }
});
afterAll(async () => {
  for (const gw of extraGateways) await gw.stop().catch(() => undefined);
  await stack?.stop();
  await db.end();
});

describe('apq (the default): Automatic Persisted Queries', () => {
  it('a hash that is not the sha256 of the text sent with it is 400 BAD_REQUEST (a client mistake, not an internal error), nothing cached', async () => {
    const query = `query Mismatch { books(search: "${randomUUID()}", first: 1) { edges { cursor } } }`;
    const wrong = await postJson(stack.gatewayUrl, { query, ...byHash(`${query} `) });
    expect([wrong.status, codeOf(wrong), wrong.json?.errors?.[0]?.message]).toEqual([400, 'BAD_REQUEST', 'provided sha does not match query']);
    const hashOnly = await postJson(stack.gatewayUrl, byHash(`${query} `));
    expect(codeOf(hashOnly)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a hash alone is PERSISTED_QUERY_NOT_FOUND until the text is sent once with it; then the hash alone is served', async () => {
    const query = `query Fresh { books(search: "${randomUUID()}", first: 1) { edges { cursor } } }`;
    const unknown = await postJson(stack.gatewayUrl, byHash(query));
    expect([unknown.status, codeOf(unknown)]).toEqual([200, 'PERSISTED_QUERY_NOT_FOUND']);
    expect(unknown.json?.data).toBeUndefined();

    const registered = await postJson(stack.gatewayUrl, { query, ...byHash(query) });
    expect([registered.status, registered.json]).toEqual([200, { data: { books: { edges: [] } } }]);

    const hashOnly = await postJson(stack.gatewayUrl, byHash(query));
    expect([hashOnly.status, hashOnly.json]).toEqual([200, { data: { books: { edges: [] } } }]);
    // GET by hash too (what a CDN would cache).
    const viaGet = await get(stack.gatewayUrl, byHash(query));
    expect([viaGet.status, viaGet.json]).toEqual([200, { data: { books: { edges: [] } } }]);
  });

  it("Apollo Client's persisted-query link works unchanged, first-party or not (register, login, me)", async () => {
    const client = new GatewayClient(stack.gatewayUrl, { persistedQueries: true });
    const email = freshEmail('apq');
    await client.run(gql(UNLISTED_REGISTER), { input: registerInput(email) });
    const { login } = await client.run(gql(firstParty('Login')), { email, password: 'a-long-password' });
    const { me } = await client.run(gql(firstParty('Me')), {}, login.accessToken);
    expect(me).toMatchObject({ email, role: 'CUSTOMER', rentals: [] });
  });
});

describe('safelist: only the operations of the manifest run', () => {
  it('first-party operations run by hash through Apollo Client (register, login, me, books)', async () => {
    const client = new GatewayClient(safelist, { persistedQueries: true });
    const email = freshEmail('listed');
    const { registerCustomer } = await client.run(gql(firstParty('RegisterCustomer')), { input: registerInput(email) });
    expect(registerCustomer).toMatchObject({ email, role: 'CUSTOMER' });
    expect(await accounts(email)).toBe(1);
    const { login } = await client.run(gql(firstParty('Login')), { email, password: 'a-long-password' });
    expect((await client.run(gql(firstParty('Me')), {}, login.accessToken)).me.email).toBe(email);
    expect((await client.run(gql(firstParty('Books')), { first: 1 })).books.edges.length).toBeLessThanOrEqual(1);
  });

  it('a listed operation runs by hash alone (POST and GET) and by full text alone', async () => {
    const books = firstParty('Books');
    const want = { status: 200, hasData: true, errors: undefined };
    const shape = (r: Reply) => ({ status: r.status, hasData: Array.isArray(r.json?.data?.books?.edges), errors: r.json?.errors });
    expect(shape(await postJson(safelist, { ...byHash(books), variables: { first: 2 } }))).toEqual(want);
    expect(shape(await get(safelist, { ...byHash(books), variables: { first: 2 } }))).toEqual(want);
    expect(shape(await postJson(safelist, { query: books, variables: { first: 2 } }))).toEqual(want);
  });

  it('an unlisted mutation is refused 400 PERSISTED_QUERY_NOT_IN_SAFELIST and registers no customer — as text, as text + hash, then as hash alone', async () => {
    const email = freshEmail('unlisted');
    const variables = { input: registerInput(email) };
    expectNotInSafelist(await postJson(safelist, { query: UNLISTED_REGISTER, variables }));
    // Text with its hash would register it under APQ: refused, and nothing registered...
    expectNotInSafelist(await postJson(safelist, { query: UNLISTED_REGISTER, variables, ...byHash(UNLISTED_REGISTER) }));
    // ...so the hash alone is refused too.
    expectNotInSafelist(await postJson(safelist, { variables, ...byHash(UNLISTED_REGISTER) }));
    expect(await accounts(email)).toBe(0);
  });

  it('a hash not in the list is refused 400 PERSISTED_QUERY_NOT_IN_SAFELIST (not NOT_FOUND: sending the text would not help)', async () => {
    expectNotInSafelist(await postJson(safelist, byHash('query { me { id } }')));
    expectNotInSafelist(await postJson(safelist, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }));
    expectNotInSafelist(await get(safelist, byHash('query { me { id } }')));
  });

  it('anything but the exact listed text is refused: a near copy, a listed hash with other text, introspection, a GET query, no operation', async () => {
    const me = firstParty('Me');
    expectNotInSafelist(await postJson(safelist, { query: me.replace('phone', 'phone\n    phone') }));
    expectNotInSafelist(await postJson(safelist, { query: `${me} ` }));
    expectNotInSafelist(await postJson(safelist, { query: 'query { me { id email } }', ...byHash(me) }));
    expectNotInSafelist(await postJson(safelist, { query: '{ __schema { types { name } } }' }));
    expectNotInSafelist(await get(safelist, { query: '{ books(first: 1) { edges { cursor } } }' }));
    expectNotInSafelist(await postJson(safelist, { variables: {} }));
  });

  it("Apollo Client's persisted-query link gets the code for an unlisted operation (no retry with the text)", async () => {
    const client = new GatewayClient(safelist, { persistedQueries: true });
    const email = freshEmail('client-unlisted');
    expect(await client.errorCode(gql(UNLISTED_REGISTER), { input: registerInput(email) })).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
    expect(await accounts(email)).toBe(0);
  });
});

describe('off: no persisted queries', () => {
  it('a hash alone is refused PERSISTED_QUERY_NOT_SUPPORTED (not masked); the full text runs', async () => {
    const books = firstParty('Books');
    const r = await postJson(off, byHash(books));
    expect([r.status, codeOf(r), r.json?.errors?.[0]?.message]).toEqual([200, 'PERSISTED_QUERY_NOT_SUPPORTED', 'PersistedQueryNotSupported']);
    const text = await postJson(off, { query: books, variables: { first: 1 } });
    expect([text.status, text.json?.errors]).toEqual([200, undefined]);
  });
});
