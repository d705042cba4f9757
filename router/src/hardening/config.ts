import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intEnv } from '@ebook/subgraph-kit';
import { REPO_ROOT } from '../supergraph-file';

/** The values of `GATEWAY_PERSISTED_QUERIES` (see {@link GatewayHardening.persistedQueries}). */
export const PERSISTED_QUERY_MODES = ['apq', 'safelist', 'off'] as const;

/** How the gateway treats persisted queries: one of {@link PERSISTED_QUERY_MODES}. */
export type PersistedQueryMode = (typeof PERSISTED_QUERY_MODES)[number];

/**
 * Absolute path of the committed persisted-query manifest of the first-party operations
 * (`router/operations/*.graphql` → `router/persisted-query-manifest.json`, written by
 * `pnpm pq:manifest`; shipped in the image).
 */
export const FIRST_PARTY_MANIFEST_FILE = fileURLToPath(new URL('router/persisted-query-manifest.json', REPO_ROOT));

/**
 * Limits the gateway puts on every request to `/graphql` ("Gateway hardening").
 * Each one is read from the environment by {@link hardeningFromEnv}; the defaults let every
 * operation of the public contract through (the deepest is 5 levels, the dearest a full
 * 100-book page at ≈ 5 200) and refuse what only an attacker sends.
 */
export interface GatewayHardening {
  /**
   * Deepest selection nesting, leaf fields included (`{ me { rentals { id } } }` is 3).
   * Env `GATEWAY_MAX_DEPTH`, default 8. Refused: 400 `GRAPHQL_VALIDATION_FAILED`.
   */
  maxDepth: number;
  /**
   * Largest estimated cost (graphql-armor cost-limit: object 2, scalar 1, ×1.5 per level,
   * × a literal `first`/`last`). Env `GATEWAY_MAX_COST`, default 8000: a full 100-book page
   * with every field costs ≈ 5 200, two such pages in one request ≈ 8 600.
   * Refused: 400 `GRAPHQL_VALIDATION_FAILED`.
   */
  maxCost: number;
  /** Most aliases in one operation (alias bombs). Env `GATEWAY_MAX_ALIASES`, default 15. Refused: 400 `GRAPHQL_VALIDATION_FAILED`. */
  maxAliases: number;
  /** Most directives in one operation. Env `GATEWAY_MAX_DIRECTIVES`, default 20. Refused: 400 `GRAPHQL_VALIDATION_FAILED`. */
  maxDirectives: number;
  /**
   * Most lexical tokens in one document, enforced by graphql-js' parser itself (parsing stops
   * there). Env `GATEWAY_MAX_TOKENS`, default 1000 (GraphiQL's introspection query is ≈ 190).
   * Refused: 400 `GRAPHQL_PARSE_FAILED`.
   */
  maxTokens: number;
  /**
   * Largest request body. Env `GATEWAY_BODY_LIMIT`, default `100kb` (bytes-style string).
   * Refused: 413 `PAYLOAD_TOO_LARGE` (clean JSON).
   */
  bodyLimit: string;
  /**
   * Requests per {@link rateLimitWindowSeconds} per client IP (requests to `/graphql` without a
   * valid token — or every request when the per-user limit is off —, counted before the body is
   * read). Env `GATEWAY_RATE_LIMIT_PER_IP`, default 1200; 0 = off.
   * Refused: 429 `RATE_LIMITED` with `extensions.retryAfter` and `Retry-After`.
   */
  rateLimitPerIp: number;
  /**
   * Requests per {@link rateLimitWindowSeconds} per signed-in user (JWT `sub`), counted after
   * the token is verified, instead of the IP limit. Env `GATEWAY_RATE_LIMIT_PER_USER`, default
   * 600; 0 = off (then signed-in requests count per IP too).
   * Refused: 429 `RATE_LIMITED` with `extensions.retryAfter` and `Retry-After`.
   */
  rateLimitPerUser: number;
  /** Fixed window of both rate limits, in seconds. Env `GATEWAY_RATE_LIMIT_WINDOW_SECONDS`, default 60. */
  rateLimitWindowSeconds: number;
  /**
   * Express `trust proxy`: which `X-Forwarded-For` hops are trusted when taking the client IP.
   * Env `GATEWAY_TRUST_PROXY`: unset/`false` = none (the socket's address; right when clients
   * connect directly), a hop count (`1` behind one ingress), `true`, or a list of addresses /
   * subnets (`loopback, 10.0.0.0/8`). Behind a proxy without it, every client shares the
   * proxy's IP — and its rate limit.
   */
  trustProxy: boolean | number | string;
  /**
   * Persisted queries (see `persisted-queries.ts`). Env `GATEWAY_PERSISTED_QUERIES`:
   * - `apq` (default): Automatic Persisted Queries — a client may send only
   *   `extensions.persistedQuery.sha256Hash`; unknown hashes get `PERSISTED_QUERY_NOT_FOUND` and
   *   the client resends the full text, which registers it (bounded in-memory cache per replica).
   *   Any operation still runs: APQ saves bandwidth, it is not access control.
   * - `safelist`: only the operations of {@link persistedQueryManifest} run, sent as their full
   *   text or as their hash; anything else → 400 `PERSISTED_QUERY_NOT_IN_SAFELIST`, nothing executed.
   * - `off`: full text only; a hash → `PERSISTED_QUERY_NOT_SUPPORTED`.
   *
   * Why `apq` everywhere, `safelist` opt-in even in production: APQ costs nothing to a client
   * that does not use it and changes no answer, while a safelist refuses every operation that is
   * not in the manifest — the playground, introspection, ad-hoc and third-party queries, and
   * any app version whose operations were not published in the manifest it is deployed with.
   * Turn it on (in production) once every client is built from the manifest: it then shrinks
   * the attack surface to the operations we ship.
   */
  persistedQueries: PersistedQueryMode;
  /**
   * Path of the persisted-query manifest read in `safelist` mode (Apollo's format, as written by
   * `@apollo/generate-persisted-query-manifest`), relative to the working directory. Env
   * `GATEWAY_PERSISTED_QUERY_MANIFEST`, default {@link FIRST_PARTY_MANIFEST_FILE}. Read and
   * checked at start-up: a missing or invalid file stops the gateway.
   */
  persistedQueryManifest: string;
}

/** Defaults of {@link GatewayHardening} (what {@link hardeningFromEnv} returns for an empty environment). */
export const DEFAULT_HARDENING: Readonly<GatewayHardening> = Object.freeze({
  maxDepth: 8,
  maxCost: 8000,
  maxAliases: 15,
  maxDirectives: 20,
  maxTokens: 1000,
  bodyLimit: '100kb',
  rateLimitPerIp: 1200,
  rateLimitPerUser: 600,
  rateLimitWindowSeconds: 60,
  trustProxy: false,
  persistedQueries: 'apq',
  persistedQueryManifest: FIRST_PARTY_MANIFEST_FILE,
});

/**
 * Reads {@link GatewayHardening} from the environment (`GATEWAY_MAX_DEPTH`, `GATEWAY_MAX_COST`,
 * `GATEWAY_MAX_ALIASES`, `GATEWAY_MAX_DIRECTIVES`, `GATEWAY_MAX_TOKENS`, `GATEWAY_BODY_LIMIT`,
 * `GATEWAY_RATE_LIMIT_PER_IP`, `GATEWAY_RATE_LIMIT_PER_USER`,
 * `GATEWAY_RATE_LIMIT_WINDOW_SECONDS`, `GATEWAY_TRUST_PROXY`, `GATEWAY_PERSISTED_QUERIES`,
 * `GATEWAY_PERSISTED_QUERY_MANIFEST`), each defaulting to {@link DEFAULT_HARDENING}.
 * @throws Error when a number is not an integer, a limit is below 1, a rate limit is negative,
 * the window is below 1 s or the persisted-query mode is not one of {@link PERSISTED_QUERY_MODES}
 * — a typo must stop the start, not silently disable a guard.
 */
export function hardeningFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayHardening {
  const d = DEFAULT_HARDENING;
  const atLeast = (name: string, fallback: number, min: number): number => {
    const n = intEnv(name, fallback, env);
    if (n < min) throw new Error(`environment variable ${name} must be at least ${min}, got ${n}`);
    return n;
  };
  return {
    maxDepth: atLeast('GATEWAY_MAX_DEPTH', d.maxDepth, 1),
    maxCost: atLeast('GATEWAY_MAX_COST', d.maxCost, 1),
    maxAliases: atLeast('GATEWAY_MAX_ALIASES', d.maxAliases, 0),
    maxDirectives: atLeast('GATEWAY_MAX_DIRECTIVES', d.maxDirectives, 0),
    maxTokens: atLeast('GATEWAY_MAX_TOKENS', d.maxTokens, 1),
    bodyLimit: env.GATEWAY_BODY_LIMIT || d.bodyLimit,
    rateLimitPerIp: atLeast('GATEWAY_RATE_LIMIT_PER_IP', d.rateLimitPerIp, 0),
    rateLimitPerUser: atLeast('GATEWAY_RATE_LIMIT_PER_USER', d.rateLimitPerUser, 0),
    rateLimitWindowSeconds: atLeast('GATEWAY_RATE_LIMIT_WINDOW_SECONDS', d.rateLimitWindowSeconds, 1),
    trustProxy: parseTrustProxy(env.GATEWAY_TRUST_PROXY),
    persistedQueries: parsePersistedQueryMode(env.GATEWAY_PERSISTED_QUERIES, d.persistedQueries),
    persistedQueryManifest: env.GATEWAY_PERSISTED_QUERY_MANIFEST ? resolve(env.GATEWAY_PERSISTED_QUERY_MANIFEST) : d.persistedQueryManifest,
  };
}

/** `GATEWAY_PERSISTED_QUERIES` → a {@link PersistedQueryMode} (unset or blank: `fallback`). @throws Error on any other value. */
function parsePersistedQueryMode(value: string | undefined, fallback: PersistedQueryMode): PersistedQueryMode {
  const v = value?.trim();
  if (!v) return fallback;
  const mode = PERSISTED_QUERY_MODES.find((m) => m === v);
  if (!mode) throw new Error(`environment variable GATEWAY_PERSISTED_QUERIES must be one of ${PERSISTED_QUERY_MODES.join(', ')}, got ${JSON.stringify(v)}`);
  return mode;
}

/** `GATEWAY_TRUST_PROXY` → Express `trust proxy` value (see {@link GatewayHardening.trustProxy}). */
export function parseTrustProxy(value: string | undefined): boolean | number | string {
  const v = value?.trim();
  if (!v || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

/**
 * Whether the playground (`/playground`) and introspection are served: off when
 * `NODE_ENV=production`, unless `PLAYGROUND=true` forces them on; on otherwise.
 * Field suggestions ("Did you mean …") are hidden whenever introspection is off.
 */
export function playgroundFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV !== 'production' || env.PLAYGROUND === 'true';
}
