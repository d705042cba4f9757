import { randomBytes } from 'node:crypto';
import { ClientCredentialsTokenSource, PAYMENT_APPROVE_SCOPE, TokenVerifier, type Platform, type Service, type ContextService } from '@ebook/subgraph-kit';
import { JwtIssuer, type ServiceClient } from '@ebook/user';
import { readFileSync } from 'node:fs';
import { stages, type ContextName, type ContextSettings, type StackDeps } from '../../contexts';
import { startGateway } from './gateway';
import type { WebAppOptions } from './web-app';
import { SUPERGRAPH_FILE } from './subgraphs';
import type { StackBaseOptions } from './stack-options';

export type { StackBaseOptions } from './stack-options';

/** Everything needed to run all contexts of the registry + the gateway in ONE process (`pnpm dev`, e2e tests). */
export interface StackOptions extends StackBaseOptions {
  /** Database URL per context. */
  databaseUrls: Record<ContextName, string>;
  /** Ports (0 = any free port). */
  ports: { gateway: number } & Record<ContextName, number>;
  /** Settings of the contexts that take their own (by context name; see each registry entry). */
  settings?: ContextSettings;
  /** Serve the built web client from the gateway (`pnpm dev`; see `mountWebApp`). */
  webApp?: WebAppOptions;
}

/** Rental's OAuth client in a stack (its secret is generated per start). */
const RENTAL_SERVICE_CLIENT_ID = 'rental-service';

/** A running stack. */
export interface Stack {
  gatewayUrl: string;
  contexts: Record<ContextName, ContextService>;
  /** Base URL of each subgraph (what the gateway routes to). */
  subgraphUrls: Record<ContextName, string>;
  /** What tokens must carry to be trusted (`iss`, `aud`) and where their keys are (the user context's JWKS). */
  trust: { issuer: string; audience: string; jwksUrl: URL };
  /** The service clients registered at the authorization server, secrets included (tests call the token endpoint with them). */
  serviceClients: ServiceClient[];
  /** Stops the gateway, then every context (reverse start order). */
  stop(): Promise<void>;
}

/**
 * Starts the registry's contexts stage by stage (`contexts.ts`: user first — it issues tokens and
 * serves the JWKS —, the contexts of one stage side by side), then the gateway. Every context but
 * user verifies tokens against the user context's JWKS URL, as separate processes would.
 * @throws the first start failure, after stopping what had started.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const issuerOpts = { issuer: o.jwt.issuer, audience: o.jwt.audience, ttlSeconds: o.jwt.ttlSeconds };
  const issuer = o.jwt.privateKeyFile ? await JwtIssuer.fromFile(issuerOpts, o.jwt.privateKeyFile) : await JwtIssuer.generate(issuerOpts);
  const started: Service[] = [];
  const contexts: Partial<Record<ContextName, ContextService>> = {};
  // One process, so secrets are made here and never leave it: rental's client secret and the
  // authorization server's cookie key (production reads both from k8s Secrets).
  const secret = () => randomBytes(32).toString('base64url');
  const rentalClient: ServiceClient = { clientId: RENTAL_SERVICE_CLIENT_ID, clientSecret: secret(), scopes: [PAYMENT_APPROVE_SCOPE] };
  const cookieKey = secret();
  const urlOf = (name: string) => {
    const c = contexts[name as ContextName];
    if (!c) throw new Error(`context ${name} is not started yet (see the stages in contexts.ts)`);
    return c.url;
  };
  // Until user runs, the issuer's own keys verify tokens (user is the first stage); then its JWKS URL.
  let platform: Platform = { bus: o.bus, logger: o.logger, verifier: new TokenVerifier({ ...issuerOpts, jwks: issuer.jwks() }) };
  let trust: Stack['trust'] | undefined;
  const deps = (name: ContextName): StackDeps => ({
    platform,
    databaseUrl: o.databaseUrls[name],
    port: o.ports[name],
    options: o,
    issuer,
    secrets: { cookieKey, rentalClient },
    urlOf,
    serviceTokens: (client, scope) =>
      new ClientCredentialsTokenSource({ issuer: o.jwt.issuer, tokenUrl: `${urlOf('user')}/oauth/token`, clientId: client.clientId, clientSecret: client.clientSecret, scope }),
  });
  try {
    for (const stage of stages()) {
      // Every start of a stage settles before going on, so a failure of one never leaves another starting unseen by the cleanup below.
      const results = await Promise.allSettled(
        stage.map((entry) =>
          (entry.start as (d: StackDeps, s: unknown) => Promise<ContextService>)(deps(entry.name), (o.settings as Record<string, unknown> | undefined)?.[entry.name]).then((s) => {
            started.push(s);
            contexts[entry.name] = s;
            return s;
          }),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (!trust && contexts.user) {
        trust = { issuer: o.jwt.issuer, audience: o.jwt.audience, jwksUrl: new URL(`${contexts.user.url}/.well-known/jwks.json`) };
        platform = { bus: o.bus, logger: o.logger, verifier: new TokenVerifier({ issuer: trust.issuer, audience: trust.audience, jwks: trust.jwksUrl }) };
      }
    }
    if (!trust) throw new Error('the registry has no user context: nothing serves the JWKS');
    const all = contexts as Record<ContextName, ContextService>;
    const subgraphUrls = Object.fromEntries(Object.entries(all).map(([name, s]) => [name, s.url])) as Record<ContextName, string>;
    const gateway = await startGateway({
      port: o.ports.gateway,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls,
      verifier: platform.verifier,
      logger: o.logger,
      playground: o.playground ?? true,
      ...(o.webApp ? { webApp: o.webApp } : {}),
    });
    started.push(gateway);
    return {
      gatewayUrl: gateway.url,
      contexts: all,
      subgraphUrls,
      trust,
      serviceClients: [rentalClient],
      stop: async () => {
        for (const s of [...started].reverse()) {
          o.logger.info({ service: s.name }, 'stopping');
          await s.stop().catch((err) => o.logger.error({ err, service: s.name }, 'stop failed'));
          o.logger.info({ service: s.name }, 'stopped');
        }
      },
    };
  } catch (err) {
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
