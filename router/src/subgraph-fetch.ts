import type { RemoteGraphQLDataSource } from '@apollo/gateway';

/** The fetch function `@apollo/gateway`'s data sources call (`RemoteGraphQLDataSource.fetcher`). */
export type SubgraphFetcher = RemoteGraphQLDataSource['fetcher'];

/** Error codes of a connection that broke before any response (a system error's code; undici's `SocketError` is `UND_ERR_SOCKET`, "other side closed"). */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** True when the request body (JSON with `query`) is a GraphQL mutation, or cannot be read (then it is not retried either). */
export function isMutationRequest(body: unknown): boolean {
  if (typeof body !== 'string') return true;
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query;
    // The gateway prints one operation per subgraph request: its first keyword is its type ("{" = query).
    return typeof query !== 'string' || /^\s*(mutation|subscription)\b/.test(query);
  } catch {
    return true;
  }
}

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (typeof code === 'string') return code;
  return /socket hang up/i.test(String((err as Error | null)?.message)) ? 'ECONNRESET' : undefined;
}

/**
 * Wraps a data source's fetcher with one immediate retry for a subgraph request whose connection
 * failed before any response:
 * - `ECONNREFUSED` (nothing reached the subgraph): retried for every operation;
 * - `ECONNRESET` / `EPIPE` / "socket hang up" (typically a pooled keep-alive connection the
 *   subgraph closed as it shut down, at the moment the gateway reused it): retried only for
 *   queries — the request may have reached the subgraph, and running a mutation (a rent, a
 *   payment) twice is worse than failing it.
 * The retry opens a fresh connection (the broken one has left the pool); any other error, an
 * HTTP error status and a second failure reach the caller unchanged.
 */
export function retryingSubgraphFetcher(fetcher: SubgraphFetcher): SubgraphFetcher {
  return async (url, init) => {
    try {
      return await fetcher(url, init);
    } catch (err) {
      const code = codeOf(err);
      const retry = code === 'ECONNREFUSED' || (code !== undefined && CONNECTION_LOST.has(code) && !isMutationRequest(init?.body));
      if (!retry) throw err;
      return fetcher(url, init);
    }
  };
}
