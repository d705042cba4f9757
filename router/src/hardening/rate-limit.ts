import type { RequestHandler, Response } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ErrorCode, takePoint, type AuthUser, type TokenVerifier } from '@ebook/subgraph-kit';
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
 * The counters are in memory (`RateLimiterMemory`): each gateway replica counts alone, so
 * with N replicas a client gets up to N × the limit. Replicas need a shared store — swap in
 * `RateLimiterRedis` (same library, same `consume` API) backed by Redis/Valkey.
 */
export class GatewayRateLimiter {
  private readonly ip: RateLimiterMemory | null;
  private readonly user: RateLimiterMemory | null;

  constructor(opts: RateLimitOptions) {
    this.ip = opts.perIp > 0 ? new RateLimiterMemory({ keyPrefix: 'gw-ip', points: opts.perIp, duration: opts.windowSeconds }) : null;
    this.user = opts.perUser > 0 ? new RateLimiterMemory({ keyPrefix: 'gw-user', points: opts.perUser, duration: opts.windowSeconds }) : null;
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
