import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { parse, type GraphQLFormattedError } from 'graphql';
import { register } from 'prom-client';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth/verifier';
import { enforceAuthDirectives } from './auth/directives';
import type { BaseContext } from './context';
import { DomainError, ErrorCode } from './errors';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { operationMetricsPlugin } from './operation-metrics';
import { traceHttpRequests } from './tracing';
import { EventLoopWatchdog, livenessMaxEventLoopDelayFromEnv, mountHealth, shutdownDrainDelayFromEnv, type ReadinessCheck } from './health';

/** Header carrying the correlation id between gateway, subgraphs and events. */
export const CORRELATION_HEADER = 'x-correlation-id';

/** The request's correlation id: a well-formed `x-correlation-id` header, or a fresh uuid. */
export function correlationIdOf(headers: http.IncomingHttpHeaders): string {
  const header = headers[CORRELATION_HEADER];
  return typeof header === 'string' && /^[\w-]{1,100}$/.test(header) ? header : randomUUID();
}

/** Header by which the gateway tells subgraphs the end client's IP (it overwrites what the client sent). */
export const FORWARDED_FOR_HEADER = 'x-forwarded-for';

/**
 * The end client's IP for a subgraph request: the last (nearest-proxy) entry of
 * `x-forwarded-for` — the gateway (or, for the user context's login page, the ingress) sets it
 * to the IP it saw — else the TCP peer's address. Subgraph ports are internal (only the gateway
 * and the ingress reach them), so the header is trusted; a direct caller could forge it, which
 * only affects per-IP counters (per-account ones hold).
 */
export function clientIpOf(req: http.IncomingMessage): string | undefined {
  const header = req.headers[FORWARDED_FOR_HEADER];
  const last = (Array.isArray(header) ? header.join(',') : header)?.split(',').pop()?.trim();
  return last && /^[0-9a-fA-F:.]{2,45}$/.test(last) ? last : req.socket.remoteAddress;
}

/** Starts `server` on `port` (0 = any free port). @returns the port bound. @throws when the port is taken. */
export async function listen(server: http.Server, port: number, host = process.env.HOST ?? '0.0.0.0'): Promise<number> {
  // Keep idle connections longer than any client keeps them (Node's default is 5 s): otherwise
  // the gateway reuses a socket the subgraph is closing and gets "socket hang up" (seen under
  // the fault suite and the siege bench).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Reads a subgraph's SDL file (e.g. `schema.graphql` next to `src/`) relative to `moduleUrl`. */
export function loadSchemaFile(moduleUrl: string, relativePath: string): string {
  return readFileSync(new URL(relativePath, moduleUrl), 'utf8');
}

/**
 * A subgraph's resolver map as GraphQL Code Generator types it (`Resolvers<TContext>` of the
 * subgraph's `src/__generated__/resolvers-types.ts`, see `codegen.ts`): per GraphQL type, field
 * resolvers `(parent, args, context, info)` and federation's `__resolveReference(reference,
 * context, info)`. Only the shape and the context are checked here; the generated type checks
 * each resolver's parent, arguments and result against the SDL. (Apollo's `GraphQLResolverMap`
 * has no `__resolveReference`, so the generated maps do not fit it.)
 */
export type SubgraphResolvers<TContext extends BaseContext> = {
  [typeName: string]:
    | {
        [fieldName: string]:
          ((parent: never, args: never, context: TContext, info: never) => unknown) | ((reference: never, context: TContext, info: never) => unknown) | undefined;
      }
    | undefined;
};

/** Options of {@link startSubgraph}. */
export interface SubgraphOptions<TContext extends BaseContext> {
  /** Subgraph name (`rental`, ...): logs, health output. */
  name: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Federation 2 SDL. */
  typeDefs: string;
  resolvers: SubgraphResolvers<TContext>;
  verifier: TokenVerifier;
  logger: Logger;
  /** Builds the request context from the base one (add DataLoaders, db, ...). */
  context: (base: BaseContext) => TContext | Promise<TContext>;
  /** Readiness checks by name; `/health/ready` answers 503 when one throws ({@link mountHealth}). A check may resolve to a detail string (shown instead of `ok`). */
  readiness?: Record<string, ReadinessCheck>;
  /** Liveness threshold, ms (default `LIVENESS_MAX_EVENT_LOOP_DELAY_MS`, see {@link livenessMaxEventLoopDelayFromEnv}). */
  maxEventLoopDelayMs?: number;
  /**
   * On stop, how long `/health/ready` answers 503 (and responses say `Connection: close`) before
   * the listener closes, ms (default `SHUTDOWN_DRAIN_DELAY_MS`, else 0: in Kubernetes the pod's
   * preStop sleep already lets endpoints drop it before SIGTERM; see {@link shutdownDrainDelayFromEnv}).
   */
  drainDelayMs?: number;
  /** Extra HTTP routes mounted before `/graphql` (JWKS, internal endpoints). */
  routes?: (app: express.Express) => void;
}

/** A listening HTTP server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4003`; GraphQL is at `${url}/graphql`. */
  url: string;
  port: number;
  /** Graceful stop: readiness goes false, then (after `drainDelayMs`) stops accepting and drains in-flight requests. */
  stop(): Promise<void>;
}

/**
 * Apollo Server's own request-level codes a client acts on: a malformed request, and the
 * persisted-query protocol (Apollo Client's persisted-query link resends the full text on
 * `PERSISTED_QUERY_NOT_FOUND`, and stops hashing on `PERSISTED_QUERY_NOT_SUPPORTED`).
 */
const APOLLO_CLIENT_CODES: ReadonlySet<string> = new Set([
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);

/**
 * A refusal Apollo Server itself raises before executing, with an HTTP 4xx but no code (e.g.
 * "provided sha does not match query", "Unsupported persisted query version"): the client's
 * mistake, told as `BAD_REQUEST` — not an internal error to mask and log. Errors thrown by
 * resolvers (which carry an `originalError`) never qualify.
 */
function isRequestRefusal(error: unknown): boolean {
  const e = error as { extensions?: { http?: { status?: unknown } }; originalError?: unknown } | null;
  const status = e?.extensions?.http?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && !e?.originalError;
}

/**
 * What a client may see of an error — the one rule for masking and for logging: our coded
 * errors ({@link DomainError}, {@link ErrorCode}), GraphQL parse and validation errors, Apollo's
 * request-level codes ({@link APOLLO_CLIENT_CODES}) and its uncoded 4xx refusals (as
 * `BAD_REQUEST`), without stack traces.
 * @returns the error as the client gets it, or null for an unexpected error (to be masked and logged).
 */
export function clientFacingError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return { message: original.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: original.code, ...original.extensions } };
  }
  const code = formatted.extensions?.code;
  // Apollo stamps INTERNAL_SERVER_ERROR on every uncoded error: those are exactly the ones to hide.
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR && (code in ErrorCode || code.startsWith('GRAPHQL_') || APOLLO_CLIENT_CODES.has(code))) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  if (isRequestRefusal(original)) return { message: formatted.message, extensions: { code: ApolloServerErrorCode.BAD_REQUEST } };
  return null;
}

/**
 * Apollo's `formatError`: {@link clientFacingError}, else a generic `INTERNAL_SERVER_ERROR`
 * (no stack traces, SQL or internals reach a client). Logs what it masks unless `log` is false
 * (subgraphs log in a plugin instead, with the request's correlation id).
 */
export function maskError(logger: Logger, { log = true }: { log?: boolean } = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const exposed = clientFacingError(formatted, error);
    if (exposed) return exposed;
    if (log) logger.error({ err: error }, 'unexpected error');
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/**
 * The one subgraph bootstrap shared by every context: Express 5 + Apollo Server 5 serving a
 * Federation 2 subgraph at `/graphql`, `/health/live` and `/health/ready` ({@link mountHealth}), `/metrics`
 * (prom-client, with {@link operationMetricsPlugin}'s latency and error metrics); traces every
 * request ({@link traceHttpRequests}: a SERVER span continuing the caller's `traceparent`); verifies the bearer token on every request (subgraphs trust no one, not
 * even the gateway), propagates the correlation id, logs with pino, masks internal errors,
 * and drains connections on stop.
 * @throws when the port is taken; ConfigError for a bad `LIVENESS_MAX_EVENT_LOOP_DELAY_MS` or `SHUTDOWN_DRAIN_DELAY_MS` (nothing started).
 */
export async function startSubgraph<TContext extends BaseContext>(opts: SubgraphOptions<TContext>): Promise<RunningServer> {
  const maxEventLoopDelayMs = opts.maxEventLoopDelayMs ?? livenessMaxEventLoopDelayFromEnv();
  const drainDelayMs = opts.drainDelayMs ?? shutdownDrainDelayFromEnv();
  const app = express();
  app.disable('x-powered-by');
  app.use(traceHttpRequests(opts.name));
  const httpServer = http.createServer(app);
  const log = opts.logger;

  const plugins: ApolloServerPlugin<TContext>[] = [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
    operationMetricsPlugin<TContext>(opts.name),
    {
      // Unexpected errors are logged here, with the request's correlation id; maskError hides them.
      async requestDidStart() {
        return {
          async didEncounterErrors({ contextValue, errors }) {
            for (const e of errors) {
              // Exactly the errors maskError hides (same rule), logged with the correlation id.
              if (!clientFacingError({ message: e.message, ...(e.extensions ? { extensions: e.extensions } : {}) }, e)) {
                (contextValue?.logger ?? log).error({ err: unwrapResolverError(e) }, 'unexpected error');
              }
            }
          },
        };
      },
    },
  ];
  const server = new ApolloServer<TContext>({
    schema: enforceAuthDirectives<TContext>(buildSubgraphSchema([{ typeDefs: parse(opts.typeDefs), resolvers: opts.resolvers as GraphQLResolverMap<unknown> }])),
    plugins,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    formatError: maskError(log, { log: false }),
  });
  await server.start();

  const watchdog = new EventLoopWatchdog({ maxDelayMs: maxEventLoopDelayMs });
  const health = mountHealth(app, { service: opts.name, watchdog, drainDelayMs, ...(opts.readiness ? { readiness: opts.readiness } : {}) });
  app.get('/metrics', async (_req, res) => {
    res.type(register.contentType).send(await register.metrics());
  });
  opts.routes?.(app);

  app.use(
    '/graphql',
    express.json({ limit: '100kb' }),
    expressMiddleware(server, {
      context: async ({ req }) => {
        const correlationId = correlationIdOf(req.headers);
        const logger = log.child({ correlationId });
        const auth = await opts.verifier.fromAuthorizationHeader(req.headers.authorization);
        const clientIp = clientIpOf(req);
        return opts.context({
          auth,
          correlationId,
          logger,
          ...(clientIp ? { clientIp } : {}),
        });
      },
    }),
  );

  let port: number;
  try {
    port = await listen(httpServer, opts.port);
  } catch (err) {
    watchdog.stop();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  log.info({ url: `${url}/graphql` }, `${opts.name} subgraph listening`);
  return {
    url,
    port,
    stop: async () => {
      await health.drain();
      await server.stop();
      httpServer.closeAllConnections?.();
      watchdog.stop();
    },
  };
}
