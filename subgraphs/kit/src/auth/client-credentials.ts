import * as oauth from 'openid-client';
import { DEFAULT_JWT_ISSUER } from '../platform';

/** A service's own OAuth client (service-to-service calls use client credentials, not a user's token). */
export interface ServiceClientOptions {
  /** Token endpoint of the authorization server (env `OIDC_TOKEN_URL`, default `${JWT_ISSUER}/oauth/token`). */
  tokenUrl: string;
  /** `iss` of the authorization server (env `JWT_ISSUER`). */
  issuer: string;
  /** This service's client id (env `OIDC_CLIENT_ID`, e.g. `rental-service`). */
  clientId: string;
  /** Its secret (env `OIDC_CLIENT_SECRET`, a k8s Secret). Never logged. */
  clientSecret: string;
  /** Scopes to ask for, space separated (e.g. `payment:approve`). */
  scope: string;
  /** Renew the token this long before it expires, ms (default 60 000). */
  renewBeforeMs?: number;
}

/** Where a service gets the bearer token for its outgoing calls. */
export interface ServiceTokenSource {
  /**
   * A valid access token (cached until {@link ServiceClientOptions.renewBeforeMs} before its
   * `expires_in`; concurrent callers share one token request).
   * @throws Error when the authorization server refuses the client or cannot be reached.
   */
  token(): Promise<string>;
  /** Forgets the cached token (e.g. after a 401: the signing key or the client was rotated). */
  invalidate(): void;
}

/**
 * Client-credentials grant (RFC 6749 §4.4) with `openid-client` (certified, maintained), for
 * calls between contexts: rental's saga calls payment with its own `rental-service` token
 * (scope `payment:approve`), never the customer's. HTTP token endpoints are allowed (in-cluster
 * and `pnpm dev`); put TLS in front in production.
 */
export class ClientCredentialsTokenSource implements ServiceTokenSource {
  private readonly config: oauth.Configuration;
  private cached: { token: string; renewAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(private readonly opts: ServiceClientOptions) {
    this.config = new oauth.Configuration({ issuer: opts.issuer, token_endpoint: opts.tokenUrl }, opts.clientId, undefined, oauth.ClientSecretBasic(opts.clientSecret));
    oauth.allowInsecureRequests(this.config);
  }

  async token(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    const res = await oauth.clientCredentialsGrant(this.config, { scope: this.opts.scope }).catch((err: unknown) => {
      // The OAuth error code and description say what is wrong (invalid_client, invalid_scope, ...); secrets are not in them.
      const e = err as { error?: string; error_description?: string; message?: string };
      throw new Error(`token endpoint refused client ${this.opts.clientId}: ${e.error ?? e.message}${e.error_description ? ` (${e.error_description})` : ''}`);
    });
    const lifetimeMs = (res.expires_in ?? 300) * 1000;
    this.cached = { token: res.access_token, renewAt: Date.now() + Math.max(lifetimeMs - (this.opts.renewBeforeMs ?? 60_000), lifetimeMs / 2) };
    return res.access_token;
  }
}

/**
 * The service client from the environment: `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` (required),
 * `OIDC_TOKEN_URL` (default `${JWT_ISSUER}/oauth/token`), `JWT_ISSUER`.
 * @throws Error when `OIDC_CLIENT_ID` or `OIDC_CLIENT_SECRET` is missing.
 */
export function serviceClientFromEnv(scope: string, env: NodeJS.ProcessEnv = process.env): ClientCredentialsTokenSource {
  const issuer = env.JWT_ISSUER ?? DEFAULT_JWT_ISSUER;
  const clientId = env.OIDC_CLIENT_ID;
  const clientSecret = env.OIDC_CLIENT_SECRET;
  if (!clientId || !clientSecret) throw new Error('environment variables OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required (this service calls others with client credentials)');
  return new ClientCredentialsTokenSource({ issuer, tokenUrl: env.OIDC_TOKEN_URL ?? `${issuer}/oauth/token`, clientId, clientSecret, scope });
}
