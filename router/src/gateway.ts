import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CORRELATION_HEADER, correlationIdOf, listen, maskError, type AuthUser, type Logger, type Service, type TokenVerifier } from '@ebook/subgraph-kit';
import { mountPlayground } from './playground';

// @apollo/gateway's OpenTelemetry GCP resource detector probes the GCE metadata server at
// start-up and warns when it is absent; we never run on GCE metadata, so skip the probe.
process.env.METADATA_SERVER_DETECTION ??= 'none';

/** Per-request context of the gateway. */
export interface GatewayContext {
  auth: AuthUser | null;
  /** Raw bearer header, forwarded to subgraphs when valid. Never logged. */
  authorization?: string;
  correlationId: string;
}

/** Forwards the caller's verified token and the correlation id to every subgraph. */
class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!('correlationId' in context)) return;
    const ctx = context as GatewayContext;
    if (ctx.authorization) request.http?.headers.set('authorization', ctx.authorization);
    request.http?.headers.set(CORRELATION_HEADER, ctx.correlationId);
  }
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
  /** Serve the offline GraphiQL playground at `/playground` and allow introspection (default true; off in production). */
  playground?: boolean;
  /** Largest accepted request body (default `100kb`; larger gets 413). */
  bodyLimit?: string;
}

/**
 * The single public entry point: `@apollo/gateway` on the composed supergraph, served by
 * Apollo Server 5 on Express at `/graphql`. Verifies the caller's JWT (jose, remote JWKS) —
 * an invalid token is refused with `UNAUTHENTICATED` (401) before any subgraph is called —
 * and forwards it; subgraphs verify it again. Apollo's CSRF prevention stays on.
 */
export async function startGateway(opts: GatewayOptions): Promise<Service> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const gateway = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    buildService: ({ name, url }) => {
      const base = opts.subgraphUrls[name];
      return new ForwardingDataSource({ url: base ? `${base.replace(/\/$/, '')}/graphql` : url });
    },
  });
  const playground = opts.playground ?? true;
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: playground,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    formatError: maskError(opts.logger),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
  });
  await server.start();

  app.get('/health/live', (_req, res) => void res.json({ status: 'ok', service: 'gateway' }));
  app.get('/health/ready', (_req, res) => void res.json({ status: 'ok', service: 'gateway' }));
  if (playground) {
    mountPlayground(app, { graphqlPath: '/graphql', mountPath: '/playground' });
    app.get('/', (_req, res) => res.redirect('/playground'));
  }
  app.use(
    '/graphql',
    express.json({ limit: opts.bodyLimit ?? '100kb' }),
    expressMiddleware(server, {
      context: async ({ req }) => {
        const correlationId = correlationIdOf(req.headers);
        const auth = await opts.verifier.fromAuthorizationHeader(req.headers.authorization);
        return { auth, correlationId, ...(auth && req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
      },
    }),
  );

  const url = `http://127.0.0.1:${await listen(httpServer, opts.port)}`;
  opts.logger.info({ url: `${url}/graphql` }, 'gateway listening');
  return {
    name: 'gateway',
    url,
    stop: async () => {
      await server.stop();
      httpServer.closeAllConnections?.();
    },
  };
}
