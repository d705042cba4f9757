import { readFileSync } from 'node:fs';

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

/** The subgraphs composed into the supergraph — the single list the compose step and the gateway read. */
export const SUBGRAPHS: SubgraphEntry[] = [
  { name: 'user', schemaFile: 'subgraphs/user/schema.graphql', routingUrl: 'http://user:4001/graphql', urlEnv: 'USER_URL' },
  { name: 'book-management', schemaFile: 'subgraphs/book-management/schema.graphql', routingUrl: 'http://book-management:4002/graphql', urlEnv: 'BOOK_MANAGEMENT_URL' },
  { name: 'rental', schemaFile: 'subgraphs/rental/schema.graphql', routingUrl: 'http://rental:4003/graphql', urlEnv: 'RENTAL_URL' },
  { name: 'payment', schemaFile: 'subgraphs/payment/schema.graphql', routingUrl: 'http://payment:4004/graphql', urlEnv: 'PAYMENT_URL' },
  { name: 'rental-view', schemaFile: 'subgraphs/rental-view/schema.graphql', routingUrl: 'http://rental-view:4005/graphql', urlEnv: 'RENTAL_VIEW_URL' },
];

/** Repository root. */
export const REPO_ROOT = new URL('../../', import.meta.url);

/** Path of the composed supergraph SDL (written by `pnpm compose`, read by the gateway). */
export const SUPERGRAPH_FILE = new URL('router/supergraph.graphql', REPO_ROOT);

/** Reads a subgraph's SDL. */
export function readSubgraphSdl(entry: SubgraphEntry): string {
  return readFileSync(new URL(entry.schemaFile, REPO_ROOT), 'utf8');
}
