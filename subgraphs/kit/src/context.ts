import type { Logger } from 'pino';
import { appError } from './errors';
import type { AuthUser } from './auth/verifier';

/** What every resolver receives. Subgraphs extend it with their own loaders. */
export interface BaseContext {
  /** The verified caller, or null for anonymous requests. */
  auth: AuthUser | null;
  /** Correlation id of the request (header `x-correlation-id`, generated when absent). */
  correlationId: string;
  /** Request-scoped logger carrying the correlation id. */
  logger: Logger;
  /**
   * The end client's IP as the gateway saw it (see `clientIpOf`: the gateway's `x-forwarded-for`,
   * else the TCP peer). For per-IP throttling (login); not an identity — a caller that reaches a
   * subgraph port directly can set the header, so subgraph ports stay internal.
   */
  clientIp?: string;
}

/** @returns the caller. @throws `UNAUTHENTICATED` when the request has no valid token. */
export function requireAuth(ctx: Pick<BaseContext, 'auth'>): AuthUser {
  if (!ctx.auth) throw appError('UNAUTHENTICATED', 'Sign in first: send "Authorization: Bearer <accessToken>" (mutation login)');
  return ctx.auth;
}
