import Provider, { type Account, type ClientMetadata, type KoaContextWithOIDC, errors as oidcErrors } from 'oidc-provider';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { Logger } from '@ebook/subgraph-kit';
import { commaList, intEnv, isUuid, ROLE_SCOPE } from '@ebook/subgraph-kit';
import type { UserDb } from '../db';
import { prismaOidcAdapter } from './prisma-adapter';
import { escapeHtml, page, PAGE_HEADERS } from './html';

/**
 * Resource indicator (RFC 8707) of our GraphQL API: access tokens for it are JWTs (RFC 9068)
 * with `aud` = the configured audience, signed with the same key as the `login` mutation's.
 * Clients need not send `resource`: it is the default.
 */
export const API_RESOURCE = 'urn:ebook-rental:api';

/** Paths of the authorization server's endpoints, relative to the issuer (all served by the user context). */
export const OIDC_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  jwks: '/.well-known/jwks.json',
} as const;

/** A confidential service client (client credentials grant), e.g. `rental-service`. */
export const ServiceClientSchema = z.object({
  clientId: z.string().regex(/^[\w.-]{3,64}$/),
  /** At least 32 characters: it is a password machines use. */
  clientSecret: z.string().min(32),
  /** Scopes it may be granted, e.g. `["payment:approve"]`. */
  scopes: z.array(z.string().regex(/^[\w:.-]+$/)).min(1),
});
export type ServiceClient = z.infer<typeof ServiceClientSchema>;

/** A public web or mobile client (authorization code + PKCE, refresh tokens). */
export interface PublicClient {
  clientId: string;
  /** Exact redirect URIs (no wildcards). */
  redirectUris: string[];
}

/** Settings of the authorization server (env names in parentheses; see {@link authorizationServerFromEnv}). */
export interface AuthorizationServerOptions {
  /** `iss` of every token (`JWT_ISSUER`): the user context's public base URL; discovery is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** `aud` of API access tokens (`JWT_AUDIENCE`). */
  audience: string;
  /** The ES256 private signing JWK with `kid` — the one `JwtIssuer` signs `login` tokens with. */
  signingKey: JWK;
  /** Access-token lifetime, seconds (`ACCESS_TOKEN_TTL_SECONDS`, default 3600). */
  accessTokenTtlSeconds: number;
  /** Refresh-token (and grant) lifetime, seconds (`REFRESH_TOKEN_TTL_SECONDS`, default 14 days). */
  refreshTokenTtlSeconds: number;
  /** Keys signing oidc-provider's cookies (`OIDC_COOKIE_KEYS`, comma separated, newest first; secrets). */
  cookieKeys: string[];
  /** Public clients (`OIDC_WEB_CLIENT_ID`, `OIDC_WEB_REDIRECT_URIS`). */
  publicClients: PublicClient[];
  /** Service clients (`OIDC_SERVICE_CLIENTS`, JSON array of {@link ServiceClientSchema}; a k8s Secret). */
  serviceClients: ServiceClient[];
  /** Trust `X-Forwarded-Proto/Host` from an ingress when building endpoint URLs (`OIDC_TRUST_PROXY=true`). */
  trustProxy?: boolean;
}

/** The deployment's part of the settings (clients, secrets, lifetimes): what {@link authorizationServerFromEnv} reads. */
export type OAuthSettings = Pick<AuthorizationServerOptions, 'cookieKeys' | 'publicClients' | 'serviceClients' | 'refreshTokenTtlSeconds' | 'trustProxy'>;

/** The web client's id when `OIDC_WEB_CLIENT_ID` is unset. */
export const DEFAULT_WEB_CLIENT_ID = 'ebook-web';

/** The web client's redirect URI when `OIDC_WEB_REDIRECT_URIS` is unset (a local SPA dev server). */
export const DEFAULT_WEB_REDIRECT_URI = 'http://localhost:3000/callback';

/**
 * Reads the authorization-server settings that are not the signing key from the environment:
 * `OIDC_COOKIE_KEYS` (required in production — `pnpm dev` and tests pass their own),
 * `OIDC_WEB_CLIENT_ID` (default `ebook-web`), `OIDC_WEB_REDIRECT_URIS` (comma separated,
 * default `http://localhost:3000/callback`), `OIDC_SERVICE_CLIENTS` (JSON array),
 * `REFRESH_TOKEN_TTL_SECONDS` (default 1 209 600 = 14 days), `OIDC_TRUST_PROXY`.
 * @throws Error for a missing or malformed variable (fail fast at start-up).
 */
export function authorizationServerFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthSettings {
  const cookieKeys = commaList(env.OIDC_COOKIE_KEYS);
  if (cookieKeys.length === 0 || cookieKeys.some((k) => k.length < 32)) throw new Error('OIDC_COOKIE_KEYS must list one or more secrets of at least 32 characters');
  let serviceClients: ServiceClient[];
  try {
    serviceClients = z.array(ServiceClientSchema).parse(JSON.parse(env.OIDC_SERVICE_CLIENTS ?? '[]'));
  } catch (err) {
    // Never echo the value: it holds client secrets.
    const why = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'not valid JSON';
    throw new Error(`OIDC_SERVICE_CLIENTS must be a JSON array of {clientId, clientSecret (≥ 32 chars), scopes}: ${why}`);
  }
  const refresh = intEnv('REFRESH_TOKEN_TTL_SECONDS', 14 * 24 * 3600, env);
  if (refresh <= 0) throw new Error('REFRESH_TOKEN_TTL_SECONDS must be a positive integer');
  return {
    cookieKeys,
    publicClients: [
      {
        clientId: env.OIDC_WEB_CLIENT_ID ?? DEFAULT_WEB_CLIENT_ID,
        redirectUris: commaList(env.OIDC_WEB_REDIRECT_URIS, DEFAULT_WEB_REDIRECT_URI),
      },
    ],
    serviceClients,
    refreshTokenTtlSeconds: refresh,
    trustProxy: env.OIDC_TRUST_PROXY === 'true',
  };
}

function clientMetadata(opts: AuthorizationServerOptions): ClientMetadata[] {
  return [
    ...opts.publicClients.map((c) => ({
      client_id: c.clientId,
      token_endpoint_auth_method: 'none' as const,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code' as const],
      redirect_uris: c.redirectUris,
      // Sign-out (end_session) may return to the home page of each app a redirect URI belongs to.
      post_logout_redirect_uris: [...new Set(c.redirectUris.map((uri) => new URL('/', uri).href))],
      // `scope` limits what the client may ask for: OIDC scopes only — API rights come from the user's role.
      scope: 'openid offline_access profile email',
    })),
    ...opts.serviceClients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic' as const,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // Its API scopes are limited by getResourceServerInfo (client metadata `scope` may only list OIDC scopes).
    })),
  ];
}

/**
 * The OAuth 2.1 / OpenID Connect authorization server of the platform, built on
 * `oidc-provider` (OpenID Certified), not our own token code:
 * - discovery at `<issuer>/.well-known/openid-configuration`, JWKS at `/.well-known/jwks.json`
 *   (served by the user context itself, retired keys included);
 * - authorization code + PKCE (S256, required for every client) with the login page of
 *   {@link mountAuthorizationServer}; first-party clients are never asked for consent;
 * - refresh tokens with rotation and reuse detection: presenting a rotated (consumed) refresh
 *   token revokes the whole grant (oidc-provider's refresh_token grant);
 * - client credentials for service clients (e.g. scope `PAYMENT_APPROVE_SCOPE` of the kit);
 * - access tokens for {@link API_RESOURCE} are ES256 JWTs (`typ: at+jwt`) with `iss`, `aud`,
 *   `sub`, `client_id`, `scope`, `jti`, `iat`, `exp` and, for users, `role` and `name` — the
 *   same claims the `login` mutation's tokens carry, so one verifier accepts both.
 * State (sessions, codes, grants, refresh tokens) lives in the user database ({@link prismaOidcAdapter}).
 */
export function createAuthorizationServer(opts: AuthorizationServerOptions, db: UserDb, logger: Logger): Provider {
  const serviceScopes = new Map(opts.serviceClients.map((c) => [c.clientId, c.scopes.join(' ')]));
  const userScopes = Object.values(ROLE_SCOPE).join(' ');
  /** The account oidc-provider already looked up for this request, else one lookup. */
  const accountOf = async (ctx: KoaContextWithOIDC, id: string): Promise<Pick<UserAccount, 'role' | 'name'> | null> => {
    const known = ctx.oidc.account as UserAccount | undefined;
    if (known?.accountId === id && known.role) return known;
    return db.user.findUnique({ where: { id }, select: { role: true, name: true } });
  };
  const provider = new Provider(opts.issuer, {
    adapter: prismaOidcAdapter(db),
    clients: clientMetadata(opts),
    jwks: { keys: [{ ...opts.signingKey, alg: 'ES256', use: 'sig' }] as never },
    cookies: { keys: opts.cookieKeys },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'], userinfoSigningAlgValues: ['ES256'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'], response_types: ['code'] },
    pkce: { required: () => true },
    routes: OIDC_ROUTES,
    rotateRefreshToken: true,
    // OAuth 2.1: a client allowed the refresh_token grant gets a refresh token, without OIDC's
    // `offline_access` + `prompt=consent` ceremony (our clients are first-party); it outlives
    // the browser session, up to refreshTokenTtlSeconds.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    ttl: {
      AccessToken: opts.accessTokenTtlSeconds,
      ClientCredentials: opts.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: opts.accessTokenTtlSeconds,
      Interaction: 600,
      Session: opts.refreshTokenTtlSeconds,
      Grant: opts.refreshTokenTtlSeconds,
      RefreshToken: opts.refreshTokenTtlSeconds,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (resource !== API_RESOURCE) throw new oidcErrors.InvalidTarget();
          return {
            audience: opts.audience,
            scope: serviceScopes.get(client.clientId) ?? userScopes,
            accessTokenFormat: 'jwt',
            accessTokenTTL: opts.accessTokenTtlSeconds,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The account carries the role and name, so the token and grant code below read them from
    // `ctx.oidc.account` (set by oidc-provider from this lookup) instead of querying again.
    async findAccount(_ctx, id): Promise<UserAccount | undefined> {
      if (!isUuid(id)) return undefined;
      const user = await db.user.findUnique({ where: { id }, select: { id: true, role: true, name: true, email: true } });
      if (!user) return undefined;
      return { accountId: user.id, role: user.role, name: user.name, claims: () => ({ sub: user.id, name: user.name, email: user.email }) };
    },
    // API access tokens of users carry the role (our verifier authorizes on it), like `login`'s.
    async extraTokenClaims(ctx, token) {
      if (!('accountId' in token) || !token.accountId) return undefined;
      const account = await accountOf(ctx, token.accountId);
      return account ? { role: account.role, name: account.name } : undefined;
    },
    // First-party clients only: no consent screen; the grant covers OIDC scopes and the user's role scope.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const user = await accountOf(ctx, session.accountId);
      if (!user) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid offline_access profile email');
      grant.addResourceScope(API_RESOURCE, ROLE_SCOPE[user.role]);
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.set(PAGE_HEADERS);
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`);
    },
  });
  provider.proxy = opts.trustProxy ?? false;
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'authorization server error'));
  provider.on('grant.revoked', (_ctx, grantId) => logger.warn({ grantId }, 'grant revoked (refresh token reuse or revocation)'));
  return provider;
}

/** oidc-provider's account, with what our tokens and grants need from the user row. */
interface UserAccount extends Account {
  role: 'CUSTOMER' | 'MANAGER';
  name: string;
}
