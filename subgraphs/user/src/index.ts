import { loadSchemaFile, startContext, type ContextService, type Platform } from '@ebook/subgraph-kit';
import { createUserDb } from './db';
import { resolvers, userLoader, type UserContext } from './resolvers';
import type { JwtIssuer } from './auth/jwt-issuer';
import { seedManager } from './application/seed-manager';
import { LoginThrottle, loginThrottleFromEnv, type LoginThrottleOptions } from './auth/login-throttle';

export { JwtIssuer } from './auth/jwt-issuer';
export { DEFAULT_LOGIN_THROTTLE, loginThrottleFromEnv, type LoginThrottleOptions } from './auth/login-throttle';

/** Settings of the user context. */
export interface UserServiceOptions {
  platform: Platform;
  /** `USER_DATABASE_URL`. */
  databaseUrl: string;
  /** HTTP port (`PORT`, default 4001; 0 = any). */
  port: number;
  issuer: JwtIssuer;
  /** Manager account ensured at start (`SEED_MANAGER_EMAIL` / `SEED_MANAGER_PASSWORD`). */
  seedManager?: { email: string; password: string };
  dbPoolSize?: number;
  /** Login throttling limits; unset fields come from {@link loginThrottleFromEnv} (`LOGIN_*` variables). */
  loginThrottle?: Partial<LoginThrottleOptions>;
}

/**
 * Starts the user context: accounts, login (throttled per account and client IP: see
 * {@link LoginThrottle}), the JWKS at `/.well-known/jwks.json`.
 * Publishes `UserRegistered`.
 */
export async function startUserService(opts: UserServiceOptions): Promise<ContextService> {
  const db = createUserDb(opts.databaseUrl, opts.dbPoolSize);
  const loginThrottle = new LoginThrottle({ ...loginThrottleFromEnv(), ...opts.loginThrottle });
  if (opts.seedManager) await seedManager(db, opts.platform.logger, opts.seedManager.email, opts.seedManager.password);
  return startContext<UserContext>({
    name: 'user',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    context: (base, relay) => ({ ...base, db, issuer: opts.issuer, loginThrottle, wakeRelay: () => relay.wake(), userById: userLoader(db), ownUserIds: new Set<string>() }),
    routes: (app) => {
      app.get('/.well-known/jwks.json', (_req, res) => {
        res.set('cache-control', 'public, max-age=300').json(opts.issuer.jwks());
      });
    },
  });
}
