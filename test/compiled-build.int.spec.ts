import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, gql } from './support/graphql-client';
import { ProcessStack } from './fault/process-stack';

/**
 * The production build (`pnpm build`, run by the test setup) as the image runs it: book-management
 * and the gateway started from their compiled `dist/main.js` with plain node (no tsx, workspace
 * packages resolved to their dist/), finding their run-time files (schema.graphql,
 * router/supergraph.graphql, the seed catalog) from there.
 */
describe('compiled services (dist, plain node)', () => {
  let stack: ProcessStack;

  beforeAll(async () => {
    for (const entry of ['subgraphs/book-management/dist/main.js', 'router/dist/main.js']) {
      if (!existsSync(new URL(`../${entry}`, import.meta.url))) throw new Error(`${entry} is missing: run pnpm build`);
    }
    stack = await ProcessStack.create({ basePort: 4860, compiled: true, env: { 'book-management': { SEED_CATALOG: 'true' } } });
    await stack.start('book-management');
    await stack.start('gateway');
  });

  afterAll(async () => {
    await stack?.stopAll();
  });

  it('the gateway answers a catalog query served by book-management, both from dist', async () => {
    const client = new GatewayClient(stack.gatewayUrl);
    const data = await client.run<{ books: { edges: { node: { title: string } }[] } }>(gql`
      query {
        books(first: 3) {
          edges {
            node {
              title
            }
          }
        }
      }
    `);
    expect(data.books.edges).toHaveLength(3);
    expect(data.books.edges[0]!.node.title).toEqual(expect.any(String));
  });
});
