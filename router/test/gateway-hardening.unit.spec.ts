import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { composeServices } from '@apollo/composition';
import { GraphQLError, buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { readSubgraphSdl, SUBGRAPHS } from '../src/subgraphs';
import { DEFAULT_HARDENING, GatewayRateLimiter, hardeningFromEnv, parseTrustProxy, playgroundFromEnv, queryLimits } from '../src/hardening';

/** The public (API) schema the gateway validates operations against (the supergraph's API schema). */
function apiSchema(): GraphQLSchema {
  const composed = composeServices(SUBGRAPHS.map((s) => ({ name: s.name, url: s.routingUrl, typeDefs: parse(readSubgraphSdl(s)) })));
  if (!composed.schema) throw new Error('composition failed');
  // Through SDL: composition's graphql-js is the CommonJS build, not this file's ESM instance.
  const cjsGraphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
  return buildSchema(cjsGraphql.printSchema(composed.schema.toAPISchema().toGraphQLJSSchema()));
}
const schema = apiSchema();

/** Validation errors of `query` under the gateway's parse options and rules (defaults unless overridden). */
function check(query: string, overrides: Partial<typeof DEFAULT_HARDENING> = {}, introspection = true): string[] {
  const limits = queryLimits({ ...DEFAULT_HARDENING, ...overrides }, introspection);
  try {
    const doc = parse(query, limits.parseOptions);
    return validate(schema, doc, [...specifiedRules, ...limits.validationRules]).map((e) => e.message);
  } catch (err) {
    if (err instanceof GraphQLError) return [err.message];
    throw err;
  }
}

/** What the product's own clients send (README, e2e tests, the playground's introspection). */
const LEGITIMATE = {
  login: 'mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken expiresAt user { id role __typename } __typename } }',
  register: 'mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id name email phone role __typename } }',
  fullBookPage:
    'query { books(search: "austen", first: 100) { edges { cursor node { id title author publishedYear rentalFee licensedCopies availableCopies __typename } __typename } pageInfo { endCursor hasNextPage __typename } __typename } }',
  me: 'query { me { id name email phone role rentals { id status fee rentedAt dueAt returnedAt canceledAt book { id title __typename } payment { id status amount approvedAt refundedAt __typename } __typename } __typename } }',
  rentalDeep: 'query R($id: ID!) { rental(id: $id) { id status user { id rentals { id book { id title availableCopies } } } book { id } payment { status } } }',
  rentBook: 'mutation Rent($bookId: ID!) { rentBook(bookId: $bookId) { id status dueAt fee book { id availableCopies } payment { status amount } __typename } }',
  views: 'query { myRentals { rentalId status paymentStatus bookId bookTitle customerId customerName fee rentedAt dueAt returnedAt canceledAt updatedAt correlationId } }',
  conditional: 'query Q($full: Boolean!) { me { id email @include(if: $full) phone @include(if: $full) rentals @skip(if: $full) { id } } }',
  introspection: getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  }),
};

/** `rental { user { rentals { user { … } } } }` nested `levels` times (depth = 2·levels + 2). */
function cyclic(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `user { rentals { ${inner} } }`;
  return `query { rental(id: "r") { ${inner} } }`;
}

describe('gateway hardening configuration', () => {
  it('defaults when no variable is set, and reads every GATEWAY_* variable', () => {
    expect(hardeningFromEnv({})).toEqual(DEFAULT_HARDENING);
    expect(
      hardeningFromEnv({
        GATEWAY_MAX_DEPTH: '5',
        GATEWAY_MAX_COST: '300',
        GATEWAY_MAX_ALIASES: '2',
        GATEWAY_MAX_DIRECTIVES: '3',
        GATEWAY_MAX_TOKENS: '400',
        GATEWAY_BODY_LIMIT: '10kb',
        GATEWAY_RATE_LIMIT_PER_IP: '0',
        GATEWAY_RATE_LIMIT_PER_USER: '7',
        GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '10',
        GATEWAY_TRUST_PROXY: '1',
        GATEWAY_PERSISTED_QUERIES: 'safelist',
        GATEWAY_PERSISTED_QUERY_MANIFEST: '/etc/gateway/manifest.json',
      }),
    ).toEqual({
      maxDepth: 5,
      maxCost: 300,
      maxAliases: 2,
      maxDirectives: 3,
      maxTokens: 400,
      bodyLimit: '10kb',
      rateLimitPerIp: 0,
      rateLimitPerUser: 7,
      rateLimitWindowSeconds: 10,
      trustProxy: 1,
      persistedQueries: 'safelist',
      persistedQueryManifest: '/etc/gateway/manifest.json',
    });
  });

  it('refuses to start on a malformed or disabling value instead of dropping a guard', () => {
    expect(() => hardeningFromEnv({ GATEWAY_MAX_DEPTH: 'ten' })).toThrow(/GATEWAY_MAX_DEPTH must be an integer/);
    expect(() => hardeningFromEnv({ GATEWAY_MAX_DEPTH: '0' })).toThrow(/at least 1/);
    expect(() => hardeningFromEnv({ GATEWAY_RATE_LIMIT_PER_IP: '-1' })).toThrow(/at least 0/);
    expect(() => hardeningFromEnv({ GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '0' })).toThrow(/at least 1/);
    expect(() => hardeningFromEnv({ GATEWAY_PERSISTED_QUERIES: 'safe-list' })).toThrow(/GATEWAY_PERSISTED_QUERIES must be one of apq, safelist, off, got "safe-list"/);
  });

  it('parses GATEWAY_TRUST_PROXY like Express `trust proxy`', () => {
    expect([undefined, '', 'false'].map(parseTrustProxy)).toEqual([false, false, false]);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
  });

  it('turns the playground and introspection off in production unless PLAYGROUND=true', () => {
    expect(playgroundFromEnv({ NODE_ENV: 'production' })).toBe(false);
    expect(playgroundFromEnv({ NODE_ENV: 'production', PLAYGROUND: 'false' })).toBe(false);
    expect(playgroundFromEnv({ NODE_ENV: 'production', PLAYGROUND: 'true' })).toBe(true);
    expect(playgroundFromEnv({ NODE_ENV: 'development' })).toBe(true);
    expect(playgroundFromEnv({})).toBe(true);
  });
});

describe('query limits (graphql-armor rules + graphql-js token limit) on the public schema', () => {
  it.each(Object.entries(LEGITIMATE))('lets the legitimate operation "%s" through with the defaults', (_name, query) => {
    expect(check(query)).toEqual([]);
  });

  it('refuses depth over GATEWAY_MAX_DEPTH (8): 8 passes, 10 does not', () => {
    expect(check(cyclic(3))).toEqual([]); // depth 8
    expect(check(cyclic(4))).toEqual([expect.stringMatching(/Query depth limit of 8 exceeded, found 10/)]);
    expect(check(cyclic(2), { maxDepth: 5 })).toEqual([expect.stringMatching(/depth limit of 5 exceeded/)]);
  });

  it('counts depth through fragments (no hiding nesting in a fragment)', () => {
    const q = `query { rental(id: "r") { ...A } } fragment A on Rental { user { rentals { ...B } } } fragment B on Rental { user { rentals { user { rentals { id } } } } }`;
    expect(check(q)).toEqual([expect.stringMatching(/depth limit of 8 exceeded/)]);
  });

  it('refuses cost over GATEWAY_MAX_COST (8000): one full 100-book page passes, two in one request do not', () => {
    const page = 'edges { cursor node { id title author publishedYear rentalFee licensedCopies availableCopies } } pageInfo { endCursor hasNextPage }';
    expect(check(`query { books(first: 100) { ${page} } }`)).toEqual([]);
    expect(check(`query { a: books(first: 100) { ${page} } b: books(first: 100, after: "x") { ${page} } }`)).toEqual([expect.stringMatching(/Query Cost limit of 8000 exceeded/)]);
  });

  it('refuses more aliases than GATEWAY_MAX_ALIASES (15): a login brute force by aliases', () => {
    const logins = (n: number) => `mutation { ${Array.from({ length: n }, (_, i) => `l${i}: login(email: "a@b.c", password: "guess${i}") { accessToken }`).join(' ')} }`;
    expect(check(logins(15))).toEqual([]);
    expect(check(logins(16))).toEqual([expect.stringMatching(/Aliases limit of 15 exceeded, found 16/)]);
  });

  it('refuses more directives than GATEWAY_MAX_DIRECTIVES (20)', () => {
    const fields = (n: number) => `query { me { ${Array.from({ length: n }, (_, i) => `f${i}: id @include(if: true)`).join(' ')} } }`;
    expect(check(fields(15))).toEqual([]);
    expect(check(fields(21), { maxAliases: 100 })).toEqual([expect.stringMatching(/Directives limit of 20 exceeded, found 21/)]);
  });

  it('stops parsing past GATEWAY_MAX_TOKENS (1000)', () => {
    expect(check('{ me { id } }', { maxTokens: 6 })).toEqual([]); // 6 tokens
    expect(check('{ me { id } }', { maxTokens: 5 })).toEqual([expect.stringMatching(/Document contains more tha[nt] 5 tokens/)]);
    expect(check(`{ ${'__typename '.repeat(1000)}}`)).toEqual([expect.stringMatching(/Document contains more tha[nt] 1000 tokens/)]);
  });

  it('refuses introspection only through Apollo (introspection flag), not through these limits', () => {
    // The introspection query is not counted for depth or cost, so GraphiQL works where it is allowed.
    expect(check(LEGITIMATE.introspection, { maxDepth: 3, maxCost: 50 })).toEqual([]);
  });
});

describe('GatewayRateLimiter', () => {
  it('allows `perUser` requests per window, then tells how many seconds to wait; each sub has its own budget', async () => {
    const limiter = new GatewayRateLimiter({ perIp: 0, perUser: 2, windowSeconds: 30 });
    expect(await limiter.consumeUser('ann')).toBeNull();
    expect(await limiter.consumeUser('ann')).toBeNull();
    const wait = await limiter.consumeUser('ann');
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(30);
    expect(await limiter.consumeUser('bob')).toBeNull();
  });

  it('counts IPs apart from users', async () => {
    const limiter = new GatewayRateLimiter({ perIp: 1, perUser: 1, windowSeconds: 30 });
    expect(await limiter.consumeIp('10.0.0.1')).toBeNull();
    expect(await limiter.consumeUser('10.0.0.1')).toBeNull();
    expect(await limiter.consumeIp('10.0.0.1')).toBeGreaterThanOrEqual(1);
    expect(await limiter.consumeIp('10.0.0.2')).toBeNull();
  });

  it('does not limit when a limit is 0', async () => {
    const limiter = new GatewayRateLimiter({ perIp: 0, perUser: 0, windowSeconds: 1 });
    for (let i = 0; i < 50; i++) {
      expect(await limiter.consumeUser('ann')).toBeNull();
      expect(await limiter.consumeIp('10.0.0.1')).toBeNull();
    }
  });
});
