/**
 * What the gateway process reads at start: the composed supergraph file and, for each subgraph
 * named in it, the environment variable that overrides its routing URL. Nothing here knows the
 * list of contexts: the supergraph names its subgraphs (`join__Graph`), so a context added to the
 * registry and composed is routed with no change to the gateway.
 */

/** Repository root (from `router/src/` and `router/dist/` alike). */
export const REPO_ROOT = new URL('../../', import.meta.url);

/** Path of the composed supergraph SDL (written by `pnpm compose`, read by the gateway). */
export const SUPERGRAPH_FILE = new URL('router/supergraph.graphql', REPO_ROOT);

/** `rental-view` → `RENTAL_VIEW_URL`: the variable overriding a subgraph's base URL (the gateway appends `/graphql`). */
export function serviceUrlEnv(subgraph: string): string {
  return `${subgraph.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** The subgraph names of a supergraph SDL, in the order of its `join__Graph` enum. */
export function subgraphNamesOf(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"/g)].map((m) => m[1]!);
}

/** The base URL (routing URL without `/graphql`) composed into `supergraphSdl` for `subgraph`, or undefined when it has no such subgraph. */
export function routingBaseUrlOf(supergraphSdl: string, subgraph: string): string | undefined {
  for (const m of supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"\s*,\s*url:\s*"([^"]+)"/g)) {
    if (m[1] === subgraph) return m[2]!.replace(/\/graphql\/?$/, '');
  }
  return undefined;
}

/**
 * The base URL of every subgraph of `supergraphSdl` whose `<NAME>_URL` variable is set (the
 * others keep the routing URL composed into the supergraph).
 * @returns subgraph name → base URL.
 */
export function subgraphUrlsFromEnv(supergraphSdl: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(subgraphNamesOf(supergraphSdl).flatMap((name) => (env[serviceUrlEnv(name)] ? [[name, env[serviceUrlEnv(name)]!]] : [])));
}
