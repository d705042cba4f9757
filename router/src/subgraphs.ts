import { readFileSync } from 'node:fs';
import { CONTEXT_REGISTRY } from '../../contexts';
import { REPO_ROOT, serviceUrlEnv } from './supergraph-file';

export { REPO_ROOT, SUPERGRAPH_FILE } from './supergraph-file';

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
 * The subgraphs composed into the supergraph — the list the compose step reads, derived from the
 * context registry (`contexts.ts`): every context is a subgraph. (The gateway process reads the
 * composed supergraph instead: `supergraph-file.ts`.) Development and tests only: like `stack.ts`,
 * it is not part of the compiled gateway.
 */
export const SUBGRAPHS: SubgraphEntry[] = CONTEXT_REGISTRY.map((c) => ({
  name: c.name,
  schemaFile: `subgraphs/${c.name}/schema.graphql`,
  routingUrl: `http://${c.name}:${c.port}/graphql`,
  urlEnv: serviceUrlEnv(c.name),
}));

/** Reads a subgraph's SDL. */
export function readSubgraphSdl(entry: SubgraphEntry): string {
  return readFileSync(new URL(entry.schemaFile, REPO_ROOT), 'utf8');
}
