import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { intEnv } from '@ebook/subgraph-kit';

/** The fetch function `RemoteGraphQLDataSource` takes (`@apollo/utils.fetcher`'s `Fetcher`). */
export type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

/** Default of `GATEWAY_SUBGRAPH_CONNECTIONS`: keep-alive connections per subgraph origin. */
export const DEFAULT_SUBGRAPH_CONNECTIONS = 64;

/** How long an idle keep-alive connection to a subgraph stays open, ms (below Node's server `keepAliveTimeout` of 5 s, so the gateway closes first). */
export const SUBGRAPH_KEEP_ALIVE_MS = 4_000;

/** `GATEWAY_SUBGRAPH_CONNECTIONS` (default {@link DEFAULT_SUBGRAPH_CONNECTIONS}). @throws Error when it is not an integer ≥ 1. */
export function subgraphConnectionsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = intEnv('GATEWAY_SUBGRAPH_CONNECTIONS', DEFAULT_SUBGRAPH_CONNECTIONS, env);
  if (n < 1) throw new Error(`environment variable GATEWAY_SUBGRAPH_CONNECTIONS must be at least 1, got ${n}`);
  return n;
}

/** A subgraph's answer as `@apollo/gateway` reads it (status, headers, the body once as text or JSON). */
class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  bodyUsed = false;
  readonly headers: Headers;

  constructor(
    readonly url: string,
    private readonly res: Dispatcher.ResponseData,
  ) {
    this.headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) this.headers.append(name, v);
      else if (value !== undefined) this.headers.set(name, value);
    }
  }

  get status(): number {
    return this.res.statusCode;
  }

  get ok(): boolean {
    return this.res.statusCode >= 200 && this.res.statusCode < 300;
  }

  get statusText(): string {
    return STATUS_CODES[this.res.statusCode] ?? '';
  }

  text(): Promise<string> {
    this.bodyUsed = true;
    return this.res.body.text();
  }

  json(): Promise<unknown> {
    this.bodyUsed = true;
    return this.res.body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return this.res.body.arrayBuffer();
  }

  clone(): FetcherResponse {
    throw new Error('a subgraph response cannot be cloned');
  }
}

/** The gateway's HTTP client to its subgraphs: a {@link Fetcher} and the agent it owns. */
export interface SubgraphFetcher {
  fetcher: Fetcher;
  /** Closes the keep-alive connections (waits for requests in flight). */
  close(): Promise<void>;
}

/**
 * The fetcher `@apollo/gateway`'s `RemoteGraphQLDataSource` sends subgraph requests with,
 * instead of its default make-fetch-happen: undici's `Agent` (one keep-alive pool of at most
 * `connections` sockets per subgraph origin, idle sockets closed after
 * {@link SUBGRAPH_KEEP_ALIVE_MS}) and its `request` API, which skips the WHATWG fetch machinery.
 * Headers and body go out as the data source built them (the forwarded token, correlation id,
 * `traceparent`); the reply's body is read once, as text or JSON. No redirects are followed and
 * responses cannot be cloned (the data source never asks for either). A request whose
 * connection broke before any answer is sent once more ({@link retryingSubgraphFetcher}:
 * queries only, unless nothing reached the subgraph).
 */
export function subgraphFetcher(connections: number): SubgraphFetcher {
  const agent = new Agent({ connections, keepAliveTimeout: SUBGRAPH_KEEP_ALIVE_MS, keepAliveMaxTimeout: SUBGRAPH_KEEP_ALIVE_MS });
  // The data sources call a handful of URLs: parse each once.
  const targets = new Map<string, { origin: string; path: string }>();
  const fetcher: Fetcher = async (url: string, init: FetcherRequestInit = {}) => {
    let target = targets.get(url);
    if (!target) {
      const { origin, pathname, search } = new URL(url);
      target = { origin, path: pathname + search };
      targets.set(url, target);
    }
    const res = await agent.request({
      ...target,
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal as AbortSignal | undefined,
    });
    return new SubgraphResponse(url, res);
  };
  return { fetcher: retryingSubgraphFetcher(fetcher), close: () => agent.close() };
}

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
export function retryingSubgraphFetcher(fetcher: Fetcher): Fetcher {
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
