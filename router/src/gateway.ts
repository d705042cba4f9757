import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import {
  CORRELATION_HEADER,
  FORWARDED_FOR_HEADER,
  correlationIdOf,
  EventLoopWatchdog,
  listen,
  livenessMaxEventLoopDelayFromEnv,
  mountHealth,
  shutdownDrainDelayFromEnv,
  maskError,
  operationMetricsPlugin,
  RateLimitStore,
  redisUrlFromEnv,
  traceHttpRequests,
  type AuthUser,
  type Logger,
  type Service,
  type TokenVerifier,
} from '@ebook/subgraph-kit';
import { register } from 'prom-client';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { injectTraceHeaders } from '@ebook/events';
import { mountPlayground } from './playground';
import { mountWebApp, type WebAppOptions } from './web-app';
import { subgraphConnectionsFromEnv, subgraphFetcher } from './subgraph-fetcher';
import { routingBaseUrlOf } from './supergraph-file';
import { GatewayRateLimiter, hardeningFromEnv, jsonErrorHandler, persistedQueries, playgroundFromEnv, queryLimits, verifiedAuthOf, type GatewayHardening } from './hardening';

// @apollo/gateway's OpenTelemetry GCP resource detector probes the GCE metadata server at
// start-up and warns when it is absent; we never run on GCE metadata, so skip the probe.
process.env.METADATA_SERVER_DETECTION ??= 'none';

/** Per-request context of the gateway. */
export interface GatewayContext {
  auth: AuthUser | null;
  /** Raw bearer header, forwarded to subgraphs when valid. Never logged. */
  authorization?: string;
  correlationId: string;
  /** The client's IP (`req.ip`: mind `GATEWAY_TRUST_PROXY`), forwarded as `x-forwarded-for` for the user subgraph's login throttling. */
  clientIp?: string;
}

/**
 * Forwards the caller's verified token, the correlation id, the trace context (W3C
 * `traceparent` of the gateway's request span) and the client's IP to every subgraph. `x-forwarded-for` is SET (not appended) to the IP the gateway saw, so a value a
 * client sends itself never reaches a subgraph. (A query whose connection broke before the
 * answer is retried by the fetcher, {@link subgraphFetcher}.)
 */
class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!('correlationId' in context)) return;
    const ctx = context as GatewayContext;
    if (ctx.authorization) request.http?.headers.set('authorization', ctx.authorization);
    request.http?.headers.set(CORRELATION_HEADER, ctx.correlationId);
    if (ctx.clientIp) request.http?.headers.set(FORWARDED_FOR_HEADER, ctx.clientIp);
    for (const [name, value] of Object.entries(injectTraceHeaders<Record<string, string>>({}))) request.http?.headers.set(name, value);
  }
}

/** The subgraph whose content server answers `/content/` (reading links and EPUB uploads). */
export const CONTENT_SUBGRAPH = 'reading';

/**
 * Proxies `/content/…` to the reading context's content server (http-proxy-middleware, streamed
 * both ways), so the web app fetches EPUBs and uploads them at the gateway's origin, without CORS:
 * `Rental.readingUrl` and `ContentUpload.url` are relative paths. Bodies and answers pass
 * unchanged (reading decides and answers 403/400/413 itself); the request's correlation id is
 * forwarded; an unreachable content server is a 502 `{code: "CONTENT_UNAVAILABLE"}`.
 */
function mountContentProxy(app: express.Express, target: string, logger: Logger): void {
  app.use(
    createProxyMiddleware<express.Request, express.Response>({
      target,
      pathFilter: '/content/',
      xfwd: true,
      proxyTimeout: 60_000,
      on: {
        proxyReq: (proxyReq, req) => {
          proxyReq.setHeader(CORRELATION_HEADER, correlationIdOf(req.headers));
        },
        error: (err, _req, res) => {
          logger.warn({ err }, 'content server unreachable');
          if ('writeHead' in res && !res.headersSent) {
            res
              .writeHead(502, { 'content-type': 'application/json', 'cache-control': 'no-store' })
              .end(JSON.stringify({ code: 'CONTENT_UNAVAILABLE', message: 'Content is unavailable, try again' }));
          } else {
            res.destroy();
          }
        },
      },
    }),
  );
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** `PORT`, default 4000 (0 = any). */
  port: number;
  /** Composed supergraph SDL (router/supergraph.graphql). */
  supergraphSdl: string;
  /** Subgraph name → base URL overriding the composed routing URL (`/graphql` is appended). */
  subgraphUrls: Record<string, string>;
  verifier: TokenVerifier;
  logger: Logger;
  /**
   * Serve the offline GraphiQL playground at `/playground` and allow introspection (default:
   * {@link playgroundFromEnv} — off when `NODE_ENV=production` unless `PLAYGROUND=true`).
   */
  playground?: boolean;
  /** Query, body and rate limits and the persisted-query mode; unset fields come from {@link hardeningFromEnv} (the `GATEWAY_*` variables). */
  hardening?: Partial<GatewayHardening>;
  /** Where the rate-limit counters live; default a store on `REDIS_URL` (else memory), owned and closed by the gateway. A given store is not closed. */
  rateLimitStore?: RateLimitStore;
  /** Serve the built web client at `/` ({@link mountWebApp}; `pnpm dev`); unset: no app, and `/` redirects to the playground when it is on. */
  webApp?: WebAppOptions;
  /** Liveness threshold, ms (default `LIVENESS_MAX_EVENT_LOOP_DELAY_MS`). */
  maxEventLoopDelayMs?: number;
  /** Keep-alive connections per subgraph ({@link subgraphFetcher}; default `GATEWAY_SUBGRAPH_CONNECTIONS`, 64). */
  subgraphConnections?: number;
  /**
   * Base URL `/content/` is proxied to (see {@link mountContentProxy}); default the
   * {@link CONTENT_SUBGRAPH}'s base URL (`subgraphUrls`, else its routing URL in the supergraph).
   * No proxy when neither is known.
   */
  contentUrl?: string;
}

/**
 * The single public entry point: `@apollo/gateway` on the composed supergraph, served by
 * Apollo Server 5 on Express at `/graphql`. Verifies the caller's JWT (jose, remote JWKS) —
 * an invalid token is refused with `UNAUTHENTICATED` (401) before any subgraph is called —
 * and forwards it; subgraphs verify it again. Apollo's CSRF prevention stays on.
 *
 * Hardening (limits in {@link GatewayHardening}, from `GATEWAY_*` variables):
 * - per-IP and per-user (`sub` of a valid token) rate limits before the body is read: 429
 *   `RATE_LIMITED`, `extensions.retryAfter`, `Retry-After` (counters shared by the replicas
 *   through `REDIS_URL`, else in memory per replica — see {@link GatewayRateLimiter});
 * - body limit: 413 `PAYLOAD_TOO_LARGE`; malformed JSON: 400 `BAD_REQUEST` (clean JSON, no stack);
 * - batched requests refused (400 `BAD_REQUEST`, Apollo's `allowBatchedHttpRequests: false`);
 * - depth, cost, alias, directive limits: 400 `GRAPHQL_VALIDATION_FAILED`; token limit: 400
 *   `GRAPHQL_PARSE_FAILED` ({@link queryLimits}, graphql-armor + graphql-js);
 * - introspection, the playground and field suggestions only when `playground` is on;
 * - errors masked (`maskError`): no stack traces, SQL or internal URLs reach a client;
 * - persisted queries ({@link persistedQueries}): APQ by default; with `safelist` only the
 *   manifest's operations run (else 400 `PERSISTED_QUERY_NOT_IN_SAFELIST`); or off.
 *
 * Content (`/content/…`): proxied to the reading context's content server ({@link mountContentProxy}),
 * outside GraphQL and its limits (reading checks the signed link of each request itself).
 *
 * Health ({@link mountHealth}): `/health/live` fails only when the event loop stalls longer than
 * `LIVENESS_MAX_EVENT_LOOP_DELAY_MS`; `/health/ready` has no dependency checks (a subgraph being
 * down fails its own fields, not the gateway) and fails once the gateway is stopping; it keeps
 * listening `SHUTDOWN_DRAIN_DELAY_MS` longer (responses then say `Connection: close`) before it drains.
 * @throws Error when a `GATEWAY_*` variable, `REDIS_URL` or `LIVENESS_MAX_EVENT_LOOP_DELAY_MS` is invalid, or in `safelist` mode when the manifest
 * cannot be read or is invalid (before anything listens).
 */
export async function startGateway(opts: GatewayOptions): Promise<Service> {
  const maxEventLoopDelayMs = opts.maxEventLoopDelayMs ?? livenessMaxEventLoopDelayFromEnv();
  const drainDelayMs = shutdownDrainDelayFromEnv();
  const subgraphs = subgraphFetcher(opts.subgraphConnections ?? subgraphConnectionsFromEnv());
  const app = express();
  app.disable('x-powered-by');
  app.use(traceHttpRequests('gateway'));
  const httpServer = http.createServer(app);
  const gateway = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    buildService: ({ name, url }) => {
      const base = opts.subgraphUrls[name];
      return new ForwardingDataSource({ url: base ? `${base.replace(/\/$/, '')}/graphql` : url, fetcher: subgraphs.fetcher });
    },
  });
  const playground = opts.playground ?? playgroundFromEnv();
  const limits: GatewayHardening = { ...hardeningFromEnv(), ...opts.hardening };
  app.set('trust proxy', limits.trustProxy);
  const redisUrl = opts.rateLimitStore ? undefined : redisUrlFromEnv(); // validated before anything starts
  const armor = queryLimits(limits, playground);
  const pq = persistedQueries(limits);
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: playground,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    persistedQueries: pq.apollo,
    parseOptions: armor.parseOptions,
    validationRules: armor.validationRules,
    formatError: maskError(opts.logger),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), operationMetricsPlugin<GatewayContext>('gateway'), ...armor.plugins],
  });
  await server.start();
  const ownStore = opts.rateLimitStore ? null : new RateLimitStore({ ...(redisUrl ? { redisUrl } : {}), logger: opts.logger });
  const rateLimiter = new GatewayRateLimiter(
    { perIp: limits.rateLimitPerIp, perUser: limits.rateLimitPerUser, windowSeconds: limits.rateLimitWindowSeconds },
    opts.rateLimitStore ?? ownStore!,
  );

  const watchdog = new EventLoopWatchdog({ maxDelayMs: maxEventLoopDelayMs });
  const health = mountHealth(app, { service: 'gateway', watchdog, drainDelayMs });
  app.get('/metrics', async (_req, res) => {
    res.type(register.contentType).send(await register.metrics());
  });
  const contentUrl = opts.contentUrl ?? opts.subgraphUrls[CONTENT_SUBGRAPH] ?? routingBaseUrlOf(opts.supergraphSdl, CONTENT_SUBGRAPH);
  if (contentUrl) mountContentProxy(app, contentUrl, opts.logger);
  if (playground) {
    mountPlayground(app, { graphqlPath: '/graphql', mountPath: '/playground' });
    if (!opts.webApp) app.get('/', (_req, res) => res.redirect('/playground'));
  }
  app.use(
    '/graphql',
    rateLimiter.middleware(opts.verifier),
    express.json({ limit: limits.bodyLimit }),
    ...pq.middleware,
    expressMiddleware(server, {
      context: async ({ req, res }) => {
        const correlationId = correlationIdOf(req.headers);
        // Verified already by the rate limiter when it counts per user; else verify here (401 when invalid).
        const auth = verifiedAuthOf(res) ?? (await opts.verifier.fromAuthorizationHeader(req.headers.authorization));
        const clientIp = req.ip ?? req.socket.remoteAddress;
        return { auth, correlationId, ...(auth && req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(clientIp ? { clientIp } : {}) };
      },
    }),
  );
  if (opts.webApp) mountWebApp(app, opts.webApp);
  app.use(jsonErrorHandler(opts.logger));

  const port = await listen(httpServer, opts.port).catch(async (err: unknown) => {
    await ownStore?.close();
    await subgraphs.close();
    watchdog.stop();
    throw err;
  });
  const url = `http://127.0.0.1:${port}`;
  opts.logger.info({ url: `${url}/graphql`, persistedQueries: limits.persistedQueries, ...(pq.safelisted ? { safelisted: pq.safelisted } : {}) }, 'gateway listening');
  return {
    name: 'gateway',
    url,
    stop: async () => {
      await health.drain();
      await server.stop();
      httpServer.closeAllConnections?.();
      await ownStore?.close();
      await subgraphs.close();
      watchdog.stop();
    },
  };
}
