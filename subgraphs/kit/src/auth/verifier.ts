import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JSONWebKeySet, createLocalJWKSet, errors as joseErrors } from 'jose';
import { invalidTokenError } from '../errors';
import { commaList } from '../env';

/**
 * Roles of callers: our users (user context) and, for service-to-service calls, `SERVICE` —
 * an OAuth client authenticated with client credentials (e.g. `rental-service` calling payment).
 */
export type Role = 'CUSTOMER' | 'MANAGER' | 'SERVICE';

/** The authenticated caller, from a verified access token. */
export interface AuthUser {
  /** User id (`sub`); for `SERVICE` callers the OAuth client id. */
  id: string;
  role: Role;
  /**
   * Scopes held (roles and scopes): `customer` or `manager` for users — derived from
   * the role, whatever the token's `scope` says —, the granted `scope` claim for services
   * (e.g. `payment:approve`).
   */
  scopes: string[];
  /** Display name (`name` claim), when present. */
  name?: string;
}

/** Scope of service clients allowed to approve payments (rental's saga → payment's internal route). */
export const PAYMENT_APPROVE_SCOPE = 'payment:approve';

/** Scope a user holds by role (`@requiresScope` in the subgraph schemas). */
export const ROLE_SCOPE = { CUSTOMER: 'customer', MANAGER: 'manager' } as const;

/** Where and what to trust. Configured per deployment (issuer URL, audience, JWKS). */
export interface TokenVerifierOptions {
  /** Expected `iss` (e.g. `http://localhost:4001`), env `JWT_ISSUER`. */
  issuer: string;
  /** Expected `aud`, env `JWT_AUDIENCE` (default `ebook-rental`). */
  audience: string;
  /** JWKS URL (env `JWKS_URL`), fetched and cached by jose; or a static key set (tests, the issuer itself). */
  jwks: URL | JSONWebKeySet;
  /**
   * Accepted signature algorithms (env `JWT_ALGORITHMS`, default {@link ACCEPTED_ALGORITHMS}).
   * Asymmetric only: `RS256`/`PS256` may be added for an external IdP; `none` and `HS*` are refused.
   */
  algorithms?: string[];
}

/** Signature algorithms accepted by default: asymmetric only (no `none`, no HS* / RS confusion). */
export const ACCEPTED_ALGORITHMS = ['ES256', 'EdDSA'];

const ASYMMETRIC = /^(ES256|ES384|ES512|EdDSA|RS256|RS384|RS512|PS256|PS384|PS512)$/;

/**
 * Checks an algorithm allow-list. @returns it. @throws Error for `none`, HMAC (`HS*`), unknown
 * names or an empty list — accepting a symmetric algorithm would let anyone holding the public
 * key forge tokens.
 */
export function assertAsymmetric(algs: string[]): string[] {
  const bad = algs.filter((a) => !ASYMMETRIC.test(a));
  if (bad.length || algs.length === 0) throw new Error(`JWT_ALGORITHMS may list asymmetric algorithms only, refused: ${bad.join(', ') || '(empty)'}`);
  return algs;
}

/** Parses `JWT_ALGORITHMS` (comma separated; unset = {@link ACCEPTED_ALGORITHMS}). @throws as {@link assertAsymmetric}. */
export function parseAlgorithms(value: string | undefined): string[] {
  if (!value) return ACCEPTED_ALGORITHMS;
  return assertAsymmetric(commaList(value));
}

/** Allowed clock skew between issuer and verifier, seconds. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * The caller a verified token's claims describe. A user token carries `role`
 * (`CUSTOMER`/`MANAGER`); a client-credentials token (RFC 9068) has no `role`, `sub` equal to
 * its `client_id` and a `scope`: a `SERVICE` caller.
 * @throws GraphQLError `UNAUTHENTICATED` for any other shape.
 */
function callerOf(payload: JWTPayload): AuthUser {
  const { sub, role } = payload;
  if (typeof sub !== 'string' || sub === '') throw invalidTokenError('Access token lacks a subject');
  const name = typeof payload.name === 'string' ? { name: payload.name } : {};
  if (role === 'CUSTOMER' || role === 'MANAGER') return { id: sub, role, scopes: [ROLE_SCOPE[role]], ...name };
  if (role === undefined && payload.client_id === sub && typeof payload.scope === 'string') {
    const scopes = payload.scope.split(' ').filter((s) => s && !(Object.values(ROLE_SCOPE) as string[]).includes(s));
    if (scopes.length > 0) return { id: sub, role: 'SERVICE', scopes };
  }
  throw invalidTokenError('Access token lacks a role or a service scope');
}

/**
 * How long a verified token's caller is remembered, ms: a token seen again within this time (and
 * before its `exp`) is not verified again. Bounds how long a key withdrawn from the JWKS keeps
 * admitting tokens already seen (access tokens are not revocable before `exp` anyway).
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/** Most verified tokens remembered per verifier (least recently used dropped first). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * The one access-token verifier of the platform (gateway and every subgraph use it).
 * Checks signature against the JWKS (`kid` lookup; jose caches and refreshes remote sets),
 * algorithm allow-list, `iss`, `aud`, `exp`, `nbf` with {@link CLOCK_TOLERANCE_SECONDS}. A
 * verified token's caller is remembered (`lru-cache`, in memory, keyed by the whole token) for
 * {@link VERIFIED_TOKEN_TTL_MS} and never past the token's `exp`, so a client sending the same
 * token request after request pays for one signature check per minute, not one per request.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  /** Verified tokens → their caller and `exp` (ms since the epoch). */
  private readonly verified = new LRUCache<string, { caller: AuthUser; expMs: number }>({ max: VERIFIED_TOKEN_CACHE_SIZE });

  private readonly algorithms: string[];

  constructor(private readonly opts: TokenVerifierOptions) {
    this.algorithms = opts.algorithms ? assertAsymmetric(opts.algorithms) : ACCEPTED_ALGORITHMS;
    this.keys = opts.jwks instanceof URL ? createRemoteJWKSet(opts.jwks, { cooldownDuration: 10_000, cacheMaxAge: 10 * 60_000 }) : createLocalJWKSet(opts.jwks);
  }

  /**
   * Verifies a compact JWT.
   * @throws GraphQLError `UNAUTHENTICATED` (HTTP 401) when the token is invalid, expired or untrusted.
   */
  async verify(token: string): Promise<AuthUser> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.expMs) return known.caller;
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: this.algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const caller = callerOf(payload);
      const expMs = payload.exp! * 1000;
      const ttl = Math.min(VERIFIED_TOKEN_TTL_MS, expMs - Date.now());
      if (ttl > 0) this.verified.set(token, { caller, expMs }, { ttl });
      return caller;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw invalidTokenError('Access token expired');
      if (err instanceof joseErrors.JOSEError) throw invalidTokenError('Invalid access token');
      throw err;
    }
  }

  /**
   * Reads `Authorization: Bearer <jwt>`. @returns the caller, or null when no header is sent.
   * @throws GraphQLError `UNAUTHENTICATED` for a malformed header or an invalid token.
   */
  async fromAuthorizationHeader(header: string | undefined): Promise<AuthUser | null> {
    if (!header) return null;
    const m = /^Bearer\s+([A-Za-z0-9\-_.]+)$/i.exec(header.trim());
    if (!m) throw invalidTokenError('Authorization header must be "Bearer <token>"');
    return this.verify(m[1]!);
  }
}
