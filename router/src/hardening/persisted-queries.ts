import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request, RequestHandler } from 'express';
import type { PersistedQueryOptions } from '@apollo/server';
import { InMemoryLRUCache, PrefixingKeyValueCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { z } from 'zod';
import { ErrorCode } from '@ebook/subgraph-kit';
import type { GatewayHardening } from './config';
import { sendJsonError } from './http-errors';

/**
 * Bound of the APQ cache in `apq` mode, in characters of query text (≈ bytes for ASCII
 * queries): 16 MiB, thousands of operations. Least recently used entries go first, so a client
 * registering junk cannot grow the gateway's memory; an evicted hash is answered
 * `PERSISTED_QUERY_NOT_FOUND` and the client resends the text. One cache per replica.
 */
export const APQ_CACHE_MAX_CHARS = 16 * 2 ** 20;

/** The id of an operation: the lowercase hex sha256 of its exact text — the manifest's `id` and the `sha256Hash` Apollo clients send. */
export function operationId(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

const manifestOperation = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256 digest'),
  name: z.string().min(1),
  type: z.enum(['query', 'mutation', 'subscription']),
  body: z.string().min(1),
});

/**
 * Apollo's persisted query manifest (`format: "apollo-persisted-query-manifest"`, `version: 1`),
 * as written by `@apollo/generate-persisted-query-manifest` and read by Apollo's tooling. Beyond
 * the shape, every `id` must be the sha256 of its `body` (the gateway looks operations up by the
 * hash a client sends) and ids are unique.
 */
export const persistedQueryManifestSchema = z
  .object({
    format: z.literal('apollo-persisted-query-manifest'),
    version: z.literal(1),
    operations: z.array(manifestOperation),
  })
  .superRefine((manifest, ctx) => {
    const seen = new Set<string>();
    manifest.operations.forEach((op, i) => {
      if (seen.has(op.id)) ctx.addIssue({ code: 'custom', path: ['operations', i, 'id'], message: `duplicate id (operation ${op.name})` });
      seen.add(op.id);
      if (operationId(op.body) !== op.id) ctx.addIssue({ code: 'custom', path: ['operations', i, 'id'], message: `id is not the sha256 of the body (operation ${op.name})` });
    });
  });

/** A validated persisted query manifest. */
export type PersistedQueryManifest = z.infer<typeof persistedQueryManifestSchema>;

/**
 * Reads and validates a persisted query manifest ({@link persistedQueryManifestSchema}).
 * @param file path of the JSON file.
 * @throws Error naming the file when it cannot be read, is not JSON, or is not a valid
 * manifest (each problem with its path, e.g. `operations[3].id`) — the gateway must not start
 * on a safelist it cannot trust.
 */
export function loadPersistedQueryManifest(file: string): PersistedQueryManifest {
  const fail = (what: string, detail: string) =>
    new Error(`persisted-query manifest ${file} ${what} (GATEWAY_PERSISTED_QUERY_MANIFEST; \`pnpm pq:manifest\` writes the first-party one):\n${detail}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fail('cannot be read', (err as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw fail('is not JSON', (err as Error).message);
  }
  const parsed = persistedQueryManifestSchema.safeParse(json);
  if (!parsed.success) throw fail('is not a valid Apollo persisted query manifest', z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * Apollo Server's persisted-query cache over a manifest, read-only: `get(id)` is the operation's
 * body; `set` and `delete` do nothing, so no client can register an operation (Apollo Server
 * calls `set` when a client sends a query with its hash).
 */
class ManifestCache implements KeyValueCache<string> {
  private readonly bodies: ReadonlyMap<string, string>;
  constructor(manifest: PersistedQueryManifest) {
    this.bodies = new Map(manifest.operations.map((op) => [op.id, op.body]));
  }
  async get(id: string): Promise<string | undefined> {
    return this.bodies.get(id);
  }
  async set(): Promise<void> {}
  async delete(): Promise<boolean> {
    return false;
  }
}

/** The `query` and `extensions.persistedQuery.sha256Hash` of one operation request (POST body object, or GET search params). */
function requested(op: unknown, extensionsAsJson: boolean): { query: unknown; hash: unknown } {
  const { query, extensions } = (typeof op === 'object' && op !== null ? op : {}) as { query?: unknown; extensions?: unknown };
  let ext = extensions;
  if (extensionsAsJson && typeof ext === 'string') {
    try {
      ext = JSON.parse(ext);
    } catch {
      ext = undefined;
    }
  }
  const persisted = typeof ext === 'object' && ext !== null ? (ext as { persistedQuery?: { sha256Hash?: unknown } }).persistedQuery : undefined;
  return { query, hash: persisted?.sha256Hash };
}

/** Whether `op` names a listed operation: its full text hashes to a listed id, or it sends no text and a listed hash. */
function isListed(ids: ReadonlySet<string>, { query, hash }: { query: unknown; hash: unknown }): boolean {
  if (typeof query === 'string') return ids.has(operationId(query));
  return query === undefined && typeof hash === 'string' && ids.has(hash);
}

/**
 * Express middleware for `/graphql` (mount after the JSON body parser, before Apollo) that lets
 * through only the operations whose id is in `ids`: a full `query` whose sha256 is listed, or
 * no `query` and a listed `extensions.persistedQuery.sha256Hash` (GET: the `query` and
 * `extensions` search parameters, as Apollo reads them; a batch: every operation). Anything
 * else — other text, an unknown hash, neither — is answered 400
 * `PERSISTED_QUERY_NOT_IN_SAFELIST` before Apollo parses it: nothing is validated, planned or
 * executed. A body that is no operation at all (missing, not JSON) goes on to Apollo, which
 * refuses it 400 `BAD_REQUEST`.
 */
export function safelistMiddleware(ids: ReadonlySet<string>): RequestHandler {
  return (req: Request, res, next) => {
    const isGet = req.method === 'GET';
    const body: unknown = isGet ? req.query : req.body;
    if (typeof body !== 'object' || body === null) return next();
    const ops = Array.isArray(body) ? body : [body];
    if (ops.every((op) => isListed(ids, requested(op, isGet)))) return next();
    sendJsonError(res, 400, 'This operation is not in the persisted-query safelist: send an operation of the published manifest', {
      code: ErrorCode.PERSISTED_QUERY_NOT_IN_SAFELIST,
    });
  };
}

/** What {@link persistedQueries} adds to the gateway. */
export interface PersistedQuerySetup {
  /** Apollo Server's `persistedQueries` option: an APQ cache, the manifest (read-only), or `false`. */
  apollo: PersistedQueryOptions | false;
  /** Middleware to mount on `/graphql` between the body parser and Apollo (the safelist check; empty unless `safelist`). */
  middleware: RequestHandler[];
  /** Operations in the safelist (`safelist` mode), else 0. */
  safelisted: number;
}

/**
 * Persisted queries of the gateway, by mode (see {@link GatewayHardening.persistedQueries}),
 * built on Apollo Server's own `persistedQueries` support (the APQ protocol: hash lookup,
 * `PERSISTED_QUERY_NOT_FOUND`, hash/text check):
 * - `apq`: Apollo's APQ with a dedicated LRU cache of {@link APQ_CACHE_MAX_CHARS};
 * - `safelist`: the manifest at `persistedQueryManifest` is loaded and checked now; Apollo's
 *   APQ reads operations from it (read-only: nothing registers) so a client may send only the
 *   hash, and {@link safelistMiddleware} refuses everything not in it;
 * - `off`: `persistedQueries: false` (a hash-only request → `PERSISTED_QUERY_NOT_SUPPORTED`).
 * @throws Error from {@link loadPersistedQueryManifest} in `safelist` mode.
 */
export function persistedQueries(config: Pick<GatewayHardening, 'persistedQueries' | 'persistedQueryManifest'>): PersistedQuerySetup {
  switch (config.persistedQueries) {
    case 'off':
      return { apollo: false, middleware: [], safelisted: 0 };
    case 'apq':
      return { apollo: { cache: new InMemoryLRUCache<string>({ maxSize: APQ_CACHE_MAX_CHARS }) }, middleware: [], safelisted: 0 };
    case 'safelist': {
      const manifest = loadPersistedQueryManifest(config.persistedQueryManifest);
      // Keys are the bare ids: Apollo would otherwise prefix them ("apq:") for cache sharing, and this cache is the manifest's alone.
      const cache = PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(new ManifestCache(manifest));
      const ids = new Set(manifest.operations.map((op) => op.id));
      return { apollo: { cache }, middleware: [safelistMiddleware(ids)], safelisted: ids.size };
    }
  }
}
