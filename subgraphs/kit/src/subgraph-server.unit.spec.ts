import { describe, expect, it, vi } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLFormattedError } from 'graphql';
// Vite resolves bare `graphql` to index.mjs while @apollo/server (loaded by Node) gets index.js:
// two GraphQLError classes. Import the one Apollo's `unwrapResolverError` checks against, as
// at runtime under tsx, where there is only one.
import { GraphQLError } from 'graphql/index.js';
import { appError, DomainError } from './errors';
import { createLogger } from './logger';
import { maskError } from './subgraph-server';

const logger = createLogger('test', 'silent');
const mask = maskError(logger);

/** What graphql-js hands Apollo when a resolver at `path` throws `thrown`. */
function resolverError(thrown: Error, path: (string | number)[] = ['rentBook']): GraphQLError {
  return new GraphQLError(thrown.message, { path, originalError: thrown });
}

describe('maskError', () => {
  it('passes a DomainError through with its code, message and extensions', () => {
    const error = resolverError(new DomainError('INVALID_RENTAL_STATE', 'Cannot cancel a rental that is RETURNED', { status: 'RETURNED' }));
    expect(mask(error.toJSON(), error)).toEqual({
      message: 'Cannot cancel a rental that is RETURNED',
      path: ['rentBook'],
      extensions: { code: 'INVALID_RENTAL_STATE', status: 'RETURNED' },
    });
  });

  it('masks an unexpected error: generic message, INTERNAL_SERVER_ERROR, no stacktrace, logged', () => {
    const spy = vi.spyOn(logger, 'error');
    const error = resolverError(new Error('connect ECONNREFUSED 10.0.0.5:5432 (table "rental")'));
    const formatted: GraphQLFormattedError = { ...error.toJSON(), extensions: { stacktrace: ['Error: connect ECONNREFUSED', '    at db.ts:1'] } };

    const masked = mask(formatted, error);

    expect(masked).toEqual({ message: 'Internal server error', path: ['rentBook'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(masked)).not.toMatch(/ECONNREFUSED|stacktrace|rental"/);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('masks a GraphQLError carrying a code that is not ours', () => {
    const error = resolverError(new GraphQLError('upstream said no', { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } }));
    expect(mask(error.toJSON(), error)).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('keeps one of our coded GraphQL errors but drops its stacktrace', () => {
    const error = resolverError(appError('NOT_FOUND', 'Book not found', { bookId: 'b1' }), ['book']);
    const formatted: GraphQLFormattedError = { ...error.toJSON(), extensions: { ...error.extensions, stacktrace: ['at x'] } };
    expect(mask(formatted, error)).toEqual({ message: 'Book not found', path: ['book'], extensions: { code: 'NOT_FOUND', bookId: 'b1' } });
  });

  it("keeps the persisted-query codes a client acts on (Apollo's NOT_FOUND / NOT_SUPPORTED, the gateway's NOT_IN_SAFELIST)", () => {
    for (const code of ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'PERSISTED_QUERY_NOT_IN_SAFELIST']) {
      const error = new GraphQLError('persisted query refused', { extensions: { code } });
      expect(mask(error.toJSON(), error)).toEqual({ message: 'persisted query refused', extensions: { code } });
    }
  });

  it("tells Apollo's own uncoded 4xx refusals (a persisted-query hash that does not match its query) as BAD_REQUEST, not as an internal error", () => {
    const error = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400, headers: new Map() } } });
    const formatted = { message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    expect(mask(formatted, error)).toEqual({ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } });
    // A resolver's error with an HTTP status stays masked: only Apollo's request-level refusals qualify.
    const fromResolver = new GraphQLError('select * from secrets failed', { extensions: { http: { status: 400 } }, originalError: new Error('db') });
    expect(mask({ message: fromResolver.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, fromResolver).message).toBe('Internal server error');
  });

  it('keeps GraphQL validation errors so clients can fix their query', () => {
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const masked = mask(error.toJSON(), error);
    expect(masked.message).toBe('Cannot query field "nope" on type "Query".');
    expect(masked.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});

/** maskError as Apollo Server really calls it (in-process `executeOperation`, no HTTP). */
describe('maskError inside Apollo Server', () => {
  const typeDefs = parse(`
    type Query { domainFailure: String  crash: String }
  `);
  const resolvers = {
    Query: {
      domainFailure: () => {
        throw new DomainError('FORBIDDEN', 'This rental belongs to another customer');
      },
      crash: () => {
        throw new Error('relation "rental" does not exist');
      },
    },
  };

  async function errorsOf(query: string) {
    const server = new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
      includeStacktraceInErrorResponses: false,
      formatError: maskError(logger),
    });
    await server.start();
    try {
      const res = await server.executeOperation({ query });
      if (res.body.kind !== 'single') throw new Error('expected a single result');
      return res.body.singleResult.errors ?? [];
    } finally {
      await server.stop();
    }
  }

  it('returns a DomainError to the client with its code', async () => {
    expect(await errorsOf('{ domainFailure }')).toEqual([{ message: 'This rental belongs to another customer', path: ['domainFailure'], extensions: { code: 'FORBIDDEN' } }]);
  });

  it('hides an unexpected resolver error from the client', async () => {
    const [error] = await errorsOf('{ crash }');
    expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error?.message).toBe('Internal server error');
    expect(JSON.stringify(error)).not.toContain('relation');
  });
});
