import { unitOfWork } from '@ebook/events';
import { loadSchemaFile, RateLimitStore, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createUserDb } from './db';
import { resolvers, userLoader, type UserContext } from './resolvers';
import type { JwtIssuer } from './auth/jwt-issuer';
import { seedManager } from './application/seed-manager';
import { LoginThrottle, loginThrottleFromEnv, type LoginThrottleOptions } from './auth/login-throttle';
import { createAuthorizationServer, type OAuthSettings } from './oidc/authorization-server';
import { mountAuthorizationServer } from './oidc/login-page';
import { purgeExpiredOidcPayloads } from './oidc/prisma-adapter';

export { JwtIssuer } from './auth/jwt-issuer';
export {
  authorizationServerFromEnv,
  DEFAULT_WEB_CLIENT_ID,
  DEFAULT_WEB_REDIRECT_URI,
  type AuthorizationServerOptions,
  type OAuthSettings,
  type ServiceClient,
} from './oidc/authorization-server';
export type { LoginThrottleOptions } from './auth/login-throttle';

/** Settings of the user context: database `USER_DATABASE_URL`, port `PORT` (default 4001), and: */
export interface UserServiceOptions extends ContextServiceOptions {
  issuer: JwtIssuer;
  /** Manager account ensured at start (`SEED_MANAGER_EMAIL` / `SEED_MANAGER_PASSWORD`). */
  seedManager?: { email: string; password: string };
  /** Login throttling limits; unset fields come from {@link loginThrottleFromEnv} (`LOGIN_*` variables). */
  loginThrottle?: Partial<LoginThrottleOptions>;
  /** Where the login throttle's counts live; default a store on `REDIS_URL` (else memory), owned and closed by the service. A given store is not closed. */
  rateLimitStore?: RateLimitStore;
  /** Clients and cookie keys of the authorization server (`iss`, `aud`, key and token lifetime come from {@link issuer}). */
  oauth: OAuthSettings;
}

/** How often expired authorization-server rows (codes, sessions, refresh tokens) are deleted, ms. */
const OIDC_PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * Starts the user context: accounts, login (throttled per account and client IP: see
 * {@link LoginThrottle}), the JWKS at `/.well-known/jwks.json`, and the OAuth 2.1 / OpenID
 * Connect authorization server (oidc-provider: discovery, authorization code + PKCE with a login
 * page, refresh-token rotation, client credentials) on the same port.
 * Publishes `UserRegistered`.
 * @throws Error for an invalid `REDIS_URL` (ConfigError) or `LOGIN_*` variable (nothing started); what the context's start throws.
 */
export async function startUserService(opts: UserServiceOptions): Promise<ContextService> {
  const throttleLimits = { ...loginThrottleFromEnv(), ...opts.loginThrottle };
  const ownStore = opts.rateLimitStore ? null : RateLimitStore.fromEnv(opts.platform.logger);
  const loginThrottle = new LoginThrottle(throttleLimits, opts.rateLimitStore ?? ownStore!);
  const db = createUserDb(opts.databaseUrl, opts.dbPoolSize);
  try {
    if (opts.seedManager) await seedManager(db, opts.platform.logger, opts.seedManager.email, opts.seedManager.password);
    const token = opts.issuer.settings();
    const service = await startContext<UserContext>({
      name: 'user',
      platform: opts.platform,
      db,
      port: opts.port,
      typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
      resolvers,
      context: (base, relay) => ({ ...base, db, issuer: opts.issuer, loginThrottle, uow: unitOfWork(db, relay), userById: userLoader(db), ownUserIds: new Set<string>() }),
      routes: (app, _relay, logger) => {
        const jwks = opts.issuer.jwks(); // fixed for the life of the process (keys come from the environment)
        app.get('/.well-known/jwks.json', (_req, res) => {
          res.set('cache-control', 'public, max-age=300').json(jwks);
        });
        const provider = createAuthorizationServer(
          { ...opts.oauth, issuer: token.issuer, audience: token.audience, accessTokenTtlSeconds: token.ttlSeconds, signingKey: opts.issuer.signingJwk() },
          db,
          logger,
        );
        mountAuthorizationServer(app, provider, { db, throttle: loginThrottle, logger });
      },
      jobs: [{ name: 'purge expired OAuth rows', everyMs: OIDC_PURGE_INTERVAL_MS, run: () => purgeExpiredOidcPayloads(db) }],
    });
    return {
      ...service,
      stop: async () => {
        await service.stop();
        await ownStore?.close();
      },
    };
  } catch (err) {
    await ownStore?.close();
    throw err;
  }
}
