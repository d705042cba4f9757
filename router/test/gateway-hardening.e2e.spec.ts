import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Service } from '@ebook/subgraph-kit';
import { eventually } from './rental-scenario';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { signIn } from '../../test/support/customers';
import { expectNoAccount as expectNoAccountIn, freshEmail, hardeningAttacks, REGISTER, registerBody, registerInput } from './hardening-attacks';
import { sqlAccessor } from './security-target';
import { codeOf, expectCleanJsonError, expectRateLimited, postJson, send } from './gateway-http';
import { freePort, startExtraGateway, startTestStack, testDatabaseUrls, TEST_MANAGER, type ExtraGatewayOptions } from './test-stack';

/**
 * Gateway hardening through real HTTP on the whole stack (PostgreSQL + Kafka): every
 * refusal has its status, its `extensions.code`, a clean JSON body, and writes nothing. The
 * stack's own gateway runs with the defaults (dev mode) and gets the shared attacks
 * (hardening-attacks.ts, also run against `pnpm dev`); gateways with other settings
 * (production, tight rate limits, a dead subgraph) are started beside it on the same subgraphs.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
const db = sqlAccessor(testDatabaseUrls());
const extraGateways: Service[] = [];
const logger = createLogger('e2e-hardening', process.env.LOG_LEVEL ?? 'silent');

/** Starts one more gateway on the stack's subgraphs (see {@link startExtraGateway}); stopped after the file. @returns its base URL. */
async function extraGateway(o: ExtraGatewayOptions = {}): Promise<string> {
  const gw = await startExtraGateway(stack, logger, o);
  extraGateways.push(gw);
  return gw.url;
}

/** Nothing was written: no account exists for `email` (checked in the user database). */
const expectNoAccount = (email: string) => expectNoAccountIn(db.sql, email);

async function customerToken(name: string): Promise<string> {
  const email = freshEmail(name);
  await api.run(gql(REGISTER), { input: registerInput(email) });
  return signIn(api, email, 'a-long-password');
}

beforeAll(async () => {
  stack = await startTestStack();
  api = new GatewayClient(stack.gatewayUrl);
});
afterAll(async () => {
  for (const gw of extraGateways) await gw.stop().catch(() => undefined);
  await stack?.stop();
  await db.end();
});

hardeningAttacks(() => ({ gatewayUrl: stack.gatewayUrl, sql: db.sql, manager: TEST_MANAGER }));

describe('production mode (NODE_ENV=production)', () => {
  let prod: string;
  beforeAll(async () => {
    prod = await extraGateway({ production: true });
  });

  it('refuses introspection (__schema, __type) with GRAPHQL_VALIDATION_FAILED and serves no playground', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { fields { name } } }']) {
      const r = await postJson(prod, { query });
      expect([r.status, codeOf(r)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
      expect(r.json?.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
    }
    expect((await send(prod, { method: 'GET', headers: { accept: 'text/html' } }, '/playground')).status).toBe(404);
    expect((await send(prod, { method: 'GET', headers: { accept: 'text/html' } }, '/')).status).toBe(404);
  });

  it('hides field suggestions that would leak the schema', async () => {
    const r = await postJson(prod, { query: '{ boks { edges { cursor } } }' });
    expect([r.status, codeOf(r)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
    expect(r.text).not.toMatch(/Did you mean|"books"/);
  });

  it('dev mode (the stack gateway) still serves introspection and the playground', async () => {
    const r = await postJson(stack.gatewayUrl, { query: '{ __schema { queryType { name } } }' });
    expect(r.status).toBe(200);
    expect(r.json?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await send(stack.gatewayUrl, { method: 'GET', headers: { accept: 'text/html' } }, '/playground')).status).toBe(200);
  });

  it('masks errors: an unreachable subgraph gives INTERNAL_SERVER_ERROR without its URL, stack or cause', async () => {
    const broken = await extraGateway({ production: true, subgraphUrls: { 'book-management': `http://127.0.0.1:${await freePort()}` } });
    const r = await postJson(broken, { query: '{ books(first: 1) { edges { node { id title } } } }' });
    expect(r.json?.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(r.json?.errors?.[0]?.message).toBe('Internal server error');
    expectCleanJsonError(r);
  });

  it('masks errors: a database failure (NUL byte in a name) shows no SQL, driver message or stack, and creates no account', async () => {
    const email = freshEmail('nul');
    const r = await postJson(prod, { query: REGISTER, variables: { input: { ...registerInput(email), name: 'Mal\u0000lory' } } });
    // Masked INTERNAL_SERVER_ERROR today; BAD_USER_INPUT once inputs refuse NUL bytes — never the database's words.
    expect(['INTERNAL_SERVER_ERROR', 'BAD_USER_INPUT']).toContain(codeOf(r));
    expectCleanJsonError(r);
    expect(r.text).not.toMatch(/0x00|byte sequence|UTF8|invalid/i);
    await expectNoAccount(email);
  });
});

describe('rate limits: 429 RATE_LIMITED with retryAfter and Retry-After, nothing written', () => {
  it('per IP: the 6th request of a 5/min budget — a registerCustomer — is refused and creates no account; X-Forwarded-For does not reset it', async () => {
    const gw = await extraGateway({ hardening: { rateLimitPerIp: 5, rateLimitPerUser: 0, rateLimitWindowSeconds: 60 } });
    for (let i = 0; i < 5; i++) expect((await postJson(gw, { query: '{ __typename }' }, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(200);
    const email = freshEmail('ratelimited');
    const r = await postJson(gw, registerBody(email), { 'x-forwarded-for': '198.51.100.7' });
    expectRateLimited(r, 60);
    await expectNoAccount(email);
    // Malformed requests count too (the IP limit runs before the body is read).
    expect((await send(gw, { body: '{"query": ' })).status).toBe(429);
  });

  it('per user (JWT sub): the 4th request of a 3/min budget — a rentBook — is refused and rents nothing; another user is unaffected', async () => {
    const gw = await extraGateway({ hardening: { rateLimitPerIp: 0, rateLimitPerUser: 3, rateLimitWindowSeconds: 60 } });
    const manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
    const { registerBook } = await api.run(
      gql`
        mutation B($input: RegisterBookInput!) {
          registerBook(input: $input) {
            id
          }
        }
      `,
      { input: { title: `Limit ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } },
      manager,
    );
    const available = async () =>
      (
        await api.run(
          gql`
            query A($id: ID!) {
              book(id: $id) {
                availableCopies
              }
            }
          `,
          { id: registerBook.id },
        )
      ).book.availableCopies;
    await eventually(async () => expect(await available()).toBe(1));
    const [ann, bob] = [await customerToken('ann'), await customerToken('bob')];

    for (let i = 0; i < 3; i++) expect((await postJson(gw, { query: '{ me { id } }' }, { authorization: `Bearer ${ann}` })).status).toBe(200);
    const r = await postJson(gw, { query: 'mutation Rent($b: ID!) { rentBook(bookId: $b) { id } }', variables: { b: registerBook.id } }, { authorization: `Bearer ${ann}` });
    expectRateLimited(r, 60);

    // Nothing rented: the copy is free and Ann has no rental.
    expect(await available()).toBe(1);
    expect(
      (
        await api.run(
          gql`
            query {
              me {
                rentals {
                  id
                }
              }
            }
          `,
          {},
          ann,
        )
      ).me.rentals,
    ).toEqual([]);
    // Bob, from the same IP, has his own budget.
    const bobs = await postJson(gw, { query: '{ me { id } }' }, { authorization: `Bearer ${bob}` });
    expect(bobs.status).toBe(200);
    // A forged token is not counted per user, and still refused 401 by the context.
    const forged = await postJson(gw, { query: '{ me { id } }' }, { authorization: `Bearer ${ann.slice(0, -4)}AAAA` });
    expect([forged.status, codeOf(forged)]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('one address, many signed-in customers (a campus NAT): each has its own budget; anonymous and forged-token requests share the address budget', async () => {
    const gw = await extraGateway({ hardening: { rateLimitPerIp: 3, rateLimitPerUser: 3, rateLimitWindowSeconds: 60 } });
    const customers = await Promise.all(['cara', 'dan', 'eve'].map((name) => customerToken(name)));
    // 3 customers × 3 requests from the same address: 9 requests, three times the address budget.
    for (const token of customers) {
      for (let i = 0; i < 3; i++) expect((await postJson(gw, { query: '{ me { id } }' }, { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    // Each customer's own budget still holds.
    expectRateLimited(await postJson(gw, { query: '{ me { id } }' }, { authorization: `Bearer ${customers[0]}` }), 60);
    // The address budget is untouched by them, and anonymous or forged-token requests use it up.
    for (let i = 0; i < 2; i++) expect((await postJson(gw, { query: '{ __typename }' })).status).toBe(200);
    expect((await postJson(gw, { query: '{ me { id } }' }, { authorization: `Bearer ${customers[1]!.slice(0, -4)}AAAA` })).status).toBe(401);
    expectRateLimited(await postJson(gw, { query: '{ __typename }' }), 60);
  });
});
