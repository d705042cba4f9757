/** Production entry of the user context (one process per context, e.g. a k8s Deployment). */
import type { JWK } from 'jose';
import { intEnv, platformFromEnv, requireEnv, stopOnSignals, trustFromEnv } from '@ebook/subgraph-kit';
import { authorizationServerFromEnv, JwtIssuer, startUserService } from './index';

const platform = platformFromEnv('user');
const trust = trustFromEnv();
const issuerOpts = {
  issuer: trust.issuer,
  audience: trust.audience,
  ttlSeconds: intEnv('ACCESS_TOKEN_TTL_SECONDS', 3600),
  previousPublicKeys: process.env.JWT_PREVIOUS_PUBLIC_JWKS ? (JSON.parse(process.env.JWT_PREVIOUS_PUBLIC_JWKS) as JWK[]) : [],
};
const issuer = await JwtIssuer.fromPrivateJwk(issuerOpts, JSON.parse(requireEnv('JWT_PRIVATE_JWK')) as JWK);
const seed =
  process.env.SEED_MANAGER_EMAIL && process.env.SEED_MANAGER_PASSWORD ? { email: process.env.SEED_MANAGER_EMAIL, password: process.env.SEED_MANAGER_PASSWORD } : undefined;
const service = await startUserService({
  platform,
  databaseUrl: requireEnv('USER_DATABASE_URL'),
  port: intEnv('PORT', 4001),
  issuer,
  oauth: authorizationServerFromEnv(),
  ...(seed ? { seedManager: seed } : {}),
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
