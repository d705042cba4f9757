import { readFileSync } from 'node:fs';
import { CONTEXT_REGISTRY, serviceUrlEnv } from '../../contexts';

/** A subgraph of the supergraph. */
export interface SubgraphEntry {
  /** Subgraph name in the supergraph. */
  name: string;
  /** SDL file, relative to the repository root. */
  schemaFile: string;
  /** Default routing URL composed into the supergraph (Kubernetes service DNS). */
  routingUrl: string;
  /** Env var overriding its base URL at run time (the gateway appends `/graphql`). */
  urlEnv: string;
}

/**
 * The subgraphs composed into the supergraph — the single list the compose step and the gateway
 * read, derived from the context registry (`contexts.ts`): every context is a subgraph.
 */
export const SUBGRAPHS: SubgraphEntry[] = CONTEXT_REGISTRY.map((c) => ({
  name: c.name,
  schemaFile: `subgraphs/${c.name}/schema.graphql`,
  routingUrl: `http://${c.name}:${c.port}/graphql`,
  urlEnv: serviceUrlEnv(c.name),
}));

/** Repository root. */
export const REPO_ROOT = new URL('../../', import.meta.url);

/** Path of the composed supergraph SDL (written by `pnpm compose`, read by the gateway). */
export const SUPERGRAPH_FILE = new URL('router/supergraph.graphql', REPO_ROOT);

/** Reads a subgraph's SDL. */
export function readSubgraphSdl(entry: SubgraphEntry): string {
  return readFileSync(new URL(entry.schemaFile, REPO_ROOT), 'utf8');
}
