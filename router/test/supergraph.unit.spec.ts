import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { composeSupergraph } from '../src/compose';
import { readSubgraphSdl, SUBGRAPHS, SUPERGRAPH_FILE } from '../src/subgraphs';

/** The subgraphs as `composeServices` takes them, with `rental`'s SDL replaced by `rentalSdl`. */
function services(rentalSdl?: string) {
  return SUBGRAPHS.map((s) => ({
    name: s.name,
    url: s.routingUrl,
    typeDefs: parse(s.name === 'rental' && rentalSdl !== undefined ? rentalSdl : readSubgraphSdl(s)),
  }));
}

describe('supergraph composition', () => {
  it('composes every subgraph, and the committed router/supergraph.graphql is up to date', () => {
    const sdl = composeSupergraph();
    // A stale file (a subgraph SDL changed without `pnpm compose`) fails here: the gateway reads that file.
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(sdl);
  });

  it('routes every subgraph and its entities', () => {
    const sdl = composeSupergraph();
    for (const s of SUBGRAPHS) expect(sdl).toContain(`url: "${s.routingUrl}"`);
    for (const entity of ['Book', 'User', 'Rental']) expect(sdl).toMatch(new RegExp(`type ${entity}\\b[^{]*key: "id"`));
  });

  it('reports composition errors for a conflicting field definition across subgraphs', () => {
    const rental = readSubgraphSdl(SUBGRAPHS.find((s) => s.name === 'rental')!);
    const broken = rental.replace(/availableCopies: Int!/, 'availableCopies: String!');
    expect(broken).not.toBe(rental);
    const rival = {
      name: 'rival',
      url: 'http://rival:4999/graphql',
      typeDefs: parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
        type Book @key(fields: "id") { id: ID! availableCopies: Int! }
        type Query { rivalBook(id: ID!): Book }
      `),
    };

    const result = composeServices([...services(broken), rival]);

    expect(result.errors?.length ?? 0).toBeGreaterThan(0);
    expect(result.supergraphSdl).toBeUndefined();
    const messages = result.errors!.map((e) => e.message).join('\n');
    expect(messages).toMatch(/Book\.availableCopies/);
    expect(result.errors!.map((e) => e.extensions.code)).toEqual(expect.arrayContaining(['FIELD_TYPE_MISMATCH', 'INVALID_FIELD_SHARING']));
  });

  it('the unchanged subgraph SDLs compose without errors (the conflict test is not vacuous)', () => {
    const result = composeServices(services());
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toBe(composeSupergraph());
  });
});
