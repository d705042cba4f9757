import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloGateway } from '@apollo/gateway';
import { buildSchema, Kind, parse, specifiedRules, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { SUPERGRAPH_FILE } from '../src/subgraphs';
import {
  APQ_CACHE_MAX_CHARS,
  DEFAULT_HARDENING,
  FIRST_PARTY_MANIFEST_FILE,
  loadPersistedQueryManifest,
  operationId,
  persistedQueries,
  queryLimits,
  type PersistedQueryManifest,
} from '../src/hardening';
import { generateFirstPartyManifest, manifestText } from '../scripts/first-party-manifest';

/**
 * Persisted queries: the committed manifest of the first-party operations is fresh
 * and every operation in it runs on today's supergraph; a bad manifest stops the start; each
 * mode gives Apollo Server the `persistedQueries` option it should.
 */

/** The API schema the gateway validates operations against: router/supergraph.graphql as ApolloGateway loads it. */
async function gatewaySchema(): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8') });
  const { schema } = await gateway.load();
  await gateway.stop();
  // Through SDL: the gateway's graphql-js is the CommonJS build, not this file's ESM instance.
  const cjsGraphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
  return buildSchema(cjsGraphql.printSchema(schema));
}

const committed: PersistedQueryManifest = loadPersistedQueryManifest(FIRST_PARTY_MANIFEST_FILE);

describe('the first-party manifest (router/persisted-query-manifest.json)', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await gatewaySchema();
  });

  it('is up to date with router/operations/*.graphql (else: run `pnpm pq:manifest` and commit it)', async () => {
    expect(readFileSync(FIRST_PARTY_MANIFEST_FILE, 'utf8')).toBe(manifestText(await generateFirstPartyManifest()));
  });

  it.each(committed.operations.map((op) => [op.name, op] as const))('%s validates against router/supergraph.graphql and passes the default query limits', (_name, op) => {
    const limits = queryLimits(DEFAULT_HARDENING, false);
    const errors = validate(schema, parse(op.body, limits.parseOptions), [...specifiedRules, ...limits.validationRules]);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('holds an operation for every root field of the public contract (README), each id the sha256 of its body', () => {
    const rootFields = committed.operations.flatMap((op) =>
      parse(op.body)
        .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
        .flatMap((d) => d.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []))),
    );
    expect(new Set(rootFields)).toEqual(
      new Set([
        'registerCustomer',
        'login',
        'me',
        'registerBook',
        'book',
        'books',
        'rentBook',
        'cancelRental',
        'returnBook',
        'renewRental',
        'rental',
        'myRentals',
        'rentalStatus',
        'bookRentals',
        'dueRentals',
        'myNotifications',
        'myHolds',
        'placeHold',
        'suspendHold',
        'resumeHold',
        'cancelHold',
        'requestBookContentUpload',
      ]),
    );
    for (const op of committed.operations) expect(op.id).toBe(operationId(op.body));
  });
});

describe('loadPersistedQueryManifest: a manifest the gateway cannot trust stops the start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pq-manifest-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `content` (JSON-encoded unless a string) to a file and loads it. */
  const load = (content: unknown) => {
    const file = path.join(dir, `m-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return () => loadPersistedQueryManifest(file);
  };
  const op = { id: operationId('query Me { me { id } }'), name: 'Me', type: 'query', body: 'query Me { me { id } }' };
  const manifest = (operations: unknown[]) => ({ format: 'apollo-persisted-query-manifest', version: 1, operations });

  it('loads a valid manifest', () => {
    expect(load(manifest([op]))().operations).toEqual([op]);
  });

  it.each([
    ['not JSON', '{"format": ', /is not JSON/],
    ['another format', { ...manifest([op]), format: 'relay' }, /expected "apollo-persisted-query-manifest"\s+→ at format/],
    ['another version', { ...manifest([op]), version: 2 }, /→ at version/],
    ['an id that is not a sha256', manifest([{ ...op, id: 'abc' }]), /must be a lowercase hex sha256 digest\s+→ at operations\[0\]\.id/],
    [
      'an id that is not the hash of its body',
      manifest([{ ...op, body: 'query Me { me { id name } }' }]),
      /id is not the sha256 of the body \(operation Me\)\s+→ at operations\[0\]\.id/,
    ],
    ['a duplicate id', manifest([op, { ...op, name: 'Me2' }]), /duplicate id \(operation Me2\)\s+→ at operations\[1\]\.id/],
    ['an unknown operation type', manifest([{ ...op, type: 'fetch' }]), /→ at operations\[0\]\.type/],
  ])('refuses %s with a message naming the file and the problem', (_what, content, message) => {
    const run = load(content);
    expect(run).toThrow(message);
    expect(run).toThrow(/^persisted-query manifest \/\S+\.json is not/);
  });

  it('refuses a missing file', () => {
    expect(() => loadPersistedQueryManifest(path.join(dir, 'absent.json'))).toThrow(/persisted-query manifest \S*absent\.json cannot be read[\s\S]*ENOENT/);
  });
});

describe('persistedQueries: the Apollo Server option and middleware of each mode', () => {
  it('off: Apollo persisted queries disabled, no middleware', () => {
    expect(persistedQueries({ persistedQueries: 'off', persistedQueryManifest: '/nonexistent' })).toEqual({ apollo: false, middleware: [], safelisted: 0 });
  });

  it(`apq: Apollo's APQ on a dedicated bounded cache (${APQ_CACHE_MAX_CHARS} chars), no middleware, no manifest read`, () => {
    const setup = persistedQueries({ persistedQueries: 'apq', persistedQueryManifest: '/nonexistent' });
    expect(setup.apollo).toEqual({ cache: expect.anything() });
    expect(setup.middleware).toEqual([]);
  });

  it('safelist: the manifest is the read-only APQ cache, plus the refusing middleware', async () => {
    const setup = persistedQueries({ persistedQueries: 'safelist', persistedQueryManifest: FIRST_PARTY_MANIFEST_FILE });
    expect(setup.safelisted).toBe(committed.operations.length);
    expect(setup.middleware).toHaveLength(1);
    const cache = setup.apollo && setup.apollo.cache;
    if (!cache) throw new Error('expected a cache');
    const login = committed.operations.find((o) => o.name === 'Login')!;
    expect(await cache.get(login.id)).toBe(login.body);
    // A client sending text with its hash makes Apollo call set(): nothing is registered.
    const other = 'query Other { me { id } }';
    await cache.set(operationId(other), other);
    expect(await cache.get(operationId(other))).toBeUndefined();
  });

  it('safelist: a missing manifest stops the start', () => {
    expect(() => persistedQueries({ persistedQueries: 'safelist', persistedQueryManifest: '/nonexistent/manifest.json' })).toThrow(/cannot be read/);
  });
});
