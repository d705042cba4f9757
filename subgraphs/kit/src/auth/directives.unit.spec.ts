import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, visit } from 'graphql/index.js';
import { createLogger } from '../logger';
import type { BaseContext } from '../context';
import { enforceAuthDirectives } from './directives';
import { ROLE_SCOPE } from './verifier';
import { CONTEXTS } from '../../../../contexts';

const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  directive @requiresAuth on FIELD_DEFINITION
  directive @requiresScope(anyOf: [[String!]!]!) on FIELD_DEFINITION
  type Query {
    open: String
    signedIn: String @requiresAuth
    managers: String @requiresScope(anyOf: [["manager"]])
    either: String @requiresScope(anyOf: [["manager"], ["customer"]])
  }
`;
const server = new ApolloServer<BaseContext>({
  schema: enforceAuthDirectives(
    buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers: { Query: { open: () => 'o', signedIn: () => 's', managers: () => 'm', either: () => 'e' } } }]),
  ),
});
const logger = createLogger('directives', 'silent');
const as = (role: 'CUSTOMER' | 'MANAGER' | 'SERVICE' | null): BaseContext => ({
  auth: role
    ? { id: role === 'SERVICE' ? 'rental-service' : '00000000-0000-4000-8000-000000000009', role, scopes: role === 'SERVICE' ? ['payment:approve'] : [ROLE_SCOPE[role]] }
    : null,
  correlationId: 'c',
  logger,
});

async function run(field: string, ctx: BaseContext): Promise<string> {
  const res = await server.executeOperation({ query: `{ ${field} }` }, { contextValue: ctx });
  if (res.body.kind !== 'single') throw new Error('unexpected incremental result');
  const err = res.body.singleResult.errors?.[0];
  return err ? String(err.extensions?.code) : String((res.body.singleResult.data as Record<string, unknown>)[field]);
}

describe('authorization declared in the schema (@requiresAuth, @requiresScope)', () => {
  it('refuses anonymous callers with UNAUTHENTICATED and leaves undecorated fields open', async () => {
    expect(await run('open', as(null))).toBe('o');
    expect(await run('signedIn', as(null))).toBe('UNAUTHENTICATED');
    expect(await run('managers', as(null))).toBe('UNAUTHENTICATED');
    expect(await run('signedIn', as('CUSTOMER'))).toBe('s');
  });

  it('refuses a caller without the scope with FORBIDDEN; any listed scope set suffices', async () => {
    expect(await run('managers', as('CUSTOMER'))).toBe('FORBIDDEN');
    expect(await run('managers', as('MANAGER'))).toBe('m');
    expect(await run('either', as('CUSTOMER'))).toBe('e');
    expect(await run('either', as('MANAGER'))).toBe('e');
  });

  it('a service client (client credentials) holds only its granted scopes: no customer or manager field', async () => {
    expect(await run('signedIn', as('SERVICE'))).toBe('s');
    expect(await run('managers', as('SERVICE'))).toBe('FORBIDDEN');
    expect(await run('either', as('SERVICE'))).toBe('FORBIDDEN');
  });

  it('every mutation of every subgraph declares who may call it (except sign-up and login)', () => {
    const open = new Set(['registerCustomer', 'login']);
    const undeclared: string[] = [];
    for (const name of CONTEXTS) {
      const doc = parse(readFileSync(new URL(`../../../${name}/schema.graphql`, import.meta.url), 'utf8'));
      visit(doc, {
        ObjectTypeDefinition(node) {
          if (node.name.value !== 'Mutation') return;
          for (const f of node.fields ?? []) {
            const declared = f.directives?.some((d) => d.name.value === 'requiresAuth' || d.name.value === 'requiresScope');
            if (!declared && !open.has(f.name.value)) undeclared.push(`${name}: Mutation.${f.name.value}`);
          }
        },
      });
    }
    expect(undeclared).toEqual([]);
  });
});
