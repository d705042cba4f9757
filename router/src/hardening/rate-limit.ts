import type { RequestHandler, Response } from 'express';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, RateLimitStore, takePoint, type AuthUser, type TokenVerifier } from '@ebook/subgraph-kit';
import { sendJsonError } from './http-errors';

/** Options of {@link GatewayRateLimiter}. */
export interface RateLimitOptions {
  /** Requests per window per client IP; 0 = no IP limit. */
  perIp: number;
  /** Requests per window per signed-in user (JWT `sub`); 0 = no user limit. */
  perUser: number;
  /** Fixed window, in seconds. */
  windowSeconds: number;
}

/** Where {@link GatewayRateLimiter.middleware} leaves the user it verified (`res.locals`), so the GraphQL context does not verify the token twice. */
export const VERIFIED_AUTH_LOCAL = 'verifiedAuth';

/** The user {@link GatewayRateLimiter.middleware} verified for this request, if it did. */
export function verifiedAuthOf(res: Response): AuthUser | undefined {
  return (res.locals as Record<string, AuthUser | undefined>)[VERIFIED_AUTH_LOCAL];
}

/**
 * Rate limits of the gateway's `/graphql`, per client IP and per user (JWT `sub`), fixed
 * window, `rate-limiter-flexible`. {@link middleware} runs before the body is read and before
 * Apollo: a refused request gets HTTP 429, a `Retry-After` header (seconds) and one GraphQL
 * error `RATE_LIMITED` with `extensions.retryAfter` (same seconds) — no subgraph is called,
 * nothing is written. A request with a valid bearer token counts against its user, from any IP
 * (when a per-user limit is set); every other request counts against its IP (malformed ones
 * too). An invalid token is not counted per user: the GraphQL context refuses it (401) anyway,
 * and its IP is counted.
 *
 * Counters live in the given {@link RateLimitStore}: with `REDIS_URL`, in Redis, shared by every
 * gateway replica (one limit per IP / user across all of them; keys `gw-ip:` and `gw-user:`);
 * without, in memory, each replica counting alone (N replicas → up to N × the limit). When
 * Redis is unreachable the counting falls back to memory per replica (see
 * {@link RateLimitStore}): requests are still served and limited, never failed.
 */
export class GatewayRateLimiter {
  private readonly ip: RateLimiterAbstract | null;
  private readonly user: RateLimiterAbstract | null;

  /** `store`: where the counters live (default: memory, this process alone). */
  constructor(opts: RateLimitOptions, store: RateLimitStore = new RateLimitStore()) {
    this.ip = opts.perIp > 0 ? store.limiter({ keyPrefix: 'gw-ip', points: opts.perIp, duration: opts.windowSeconds }) : null;
    this.user = opts.perUser > 0 ? store.limiter({ keyPrefix: 'gw-user', points: opts.perUser, duration: opts.windowSeconds }) : null;
  }

  /** Counts one request from `ip`. @returns null when allowed, else the seconds to wait. */
  consumeIp(ip: string): Promise<number | null> {
    return takePoint(this.ip, ip);
  }

  /** Counts one request of user `sub`. @returns null when allowed, else the seconds to wait. */
  consumeUser(sub: string): Promise<number | null> {
    return takePoint(this.user, sub);
  }

  /**
   * Express middleware for `/graphql` (mount before the body parser). A request whose bearer
   * token verifies counts against its user (`sub`) when a per-user limit is set, and not against
   * its IP: signed-in customers behind one address (a campus or an office behind one NAT) each
   * have their own budget instead of sharing one. Every other request — anonymous, malformed, or
   * with a token that does not verify — counts against its IP (`req.ip`: mind Express
   * `trust proxy`). The verified user is left in `res.locals` (see {@link verifiedAuthOf}).
   * Over a limit → 429 `RATE_LIMITED`.
   */
  middleware(verifier: TokenVerifier): RequestHandler {
    return async (req, res, next) => {
      if (this.user && req.headers.authorization) {
        const auth = await verifier.fromAuthorizationHeader(req.headers.authorization).catch(() => null);
        if (auth) {
          res.locals[VERIFIED_AUTH_LOCAL] = auth;
          const userWait = await this.consumeUser(auth.id);
          if (userWait !== null) return refuse(res, userWait);
          return next();
        }
      }
      const ipWait = await this.consumeIp(req.ip ?? req.socket.remoteAddress ?? 'unknown');
      if (ipWait !== null) return refuse(res, ipWait);
      next();
    };
  }
}

/** Answers 429 `RATE_LIMITED` with `extensions.retryAfter` (seconds) and `Retry-After`. */
function refuse(res: Response, retryAfter: number): void {
  res.set('Retry-After', String(retryAfter));
  sendJsonError(res, 429, 'Too many requests, retry later', { code: ErrorCode.RATE_LIMITED, retryAfter });
}
