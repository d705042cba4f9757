import { describe, expect, it } from 'vitest';
import { isMutationRequest, retryingSubgraphFetcher, type Fetcher as SubgraphFetcher } from '../src/subgraph-fetcher';

/** A fetcher failing with `errors` in turn, then answering; counts its calls. */
function flaky(...errors: Error[]): { fetcher: SubgraphFetcher; calls: () => number } {
  let calls = 0;
  const fetcher = (async () => {
    calls += 1;
    const err = errors.shift();
    if (err) throw err;
    return { ok: true, status: 200 };
  }) as unknown as SubgraphFetcher;
  return { fetcher, calls: () => calls };
}

const systemError = (code: string) => Object.assign(new Error(`request failed, reason: ${code}`), { type: 'system', code });
const body = (query: string) => ({ method: 'POST', body: JSON.stringify({ query, variables: {} }) });
const QUERY = body('query Catalog__book_management__0{books{edges{node{id}}}}');
const ENTITIES = body('query Rent__rental__1($representations:[_Any!]!){_entities(representations:$representations){...on Book{availableCopies}}}');
const MUTATION = body('mutation Rent__rental__0($bookId:ID!){rentBook(bookId:$bookId){id}}');

describe('the gateway retries a subgraph request whose connection broke, queries only', () => {
  it('a query (and an entity fetch of a mutation plan) whose pooled connection was reset is sent again, once', async () => {
    for (const init of [QUERY, ENTITIES, body('{books{edges{node{id}}}}')]) {
      const f = flaky(systemError('ECONNRESET'));
      await expect(retryingSubgraphFetcher(f.fetcher)('http://rental/graphql', init)).resolves.toMatchObject({ status: 200 });
      expect(f.calls()).toBe(2);
    }
    const hangUp = flaky(new Error('socket hang up'));
    await retryingSubgraphFetcher(hangUp.fetcher)('http://rental/graphql', QUERY);
    expect(hangUp.calls()).toBe(2);
  });

  it('a mutation whose connection was reset is not sent again (it may have run): the error reaches the caller', async () => {
    const f = flaky(systemError('ECONNRESET'));
    await expect(retryingSubgraphFetcher(f.fetcher)('http://rental/graphql', MUTATION)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(f.calls()).toBe(1);
  });

  it('a refused connection (nothing reached the subgraph) is retried for a mutation too', async () => {
    const f = flaky(systemError('ECONNREFUSED'));
    await expect(retryingSubgraphFetcher(f.fetcher)('http://rental/graphql', MUTATION)).resolves.toMatchObject({ status: 200 });
    expect(f.calls()).toBe(2);
  });

  it('other errors and a second failure are not retried further', async () => {
    const timeout = flaky(systemError('ETIMEDOUT'));
    await expect(retryingSubgraphFetcher(timeout.fetcher)('http://rental/graphql', QUERY)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(timeout.calls()).toBe(1);
    const twice = flaky(systemError('ECONNRESET'), systemError('ECONNRESET'));
    await expect(retryingSubgraphFetcher(twice.fetcher)('http://rental/graphql', QUERY)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(twice.calls()).toBe(2);
  });

  it('isMutationRequest: by the operation keyword of the body; an unreadable body counts as a mutation', () => {
    expect(isMutationRequest(MUTATION.body)).toBe(true);
    expect(isMutationRequest(JSON.stringify({ query: '  subscription S { x }' }))).toBe(true);
    expect(isMutationRequest(QUERY.body)).toBe(false);
    expect(isMutationRequest(JSON.stringify({ query: '{ mutationCount }' }))).toBe(false);
    expect(isMutationRequest('not json')).toBe(true);
    expect(isMutationRequest(undefined)).toBe(true);
  });
});
