import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { readSubgraphSdl, SUBGRAPHS } from './subgraphs';

/**
 * Composes the supergraph from every subgraph's SDL with @apollo/composition (Federation 2).
 * @returns the supergraph SDL.
 * @throws Error listing every composition error (a broken contract between subgraphs).
 */
export function composeSupergraph(): string {
  const result = composeServices(SUBGRAPHS.map((s) => ({ name: s.name, url: s.routingUrl, typeDefs: parse(readSubgraphSdl(s)) })));
  if (result.errors?.length) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl!;
}
