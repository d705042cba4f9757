/** The part of a rate-limiter-flexible limiter this helper uses (structural: the kit does not depend on it). */
export interface PointLimiter {
  consume(key: string, points?: number): Promise<unknown>;
}

/**
 * Takes one point from `limiter` for `key`.
 * @returns null when allowed, else the seconds to wait (≥ 1, for `retryAfter` / `Retry-After`).
 * @throws whatever the limiter throws that is not a refusal (a store error).
 */
export async function takePoint(limiter: PointLimiter | null, key: string): Promise<number | null> {
  if (!limiter) return null;
  try {
    await limiter.consume(key);
    return null;
  } catch (rejection) {
    const msBeforeNext = (rejection as { msBeforeNext?: unknown } | null)?.msBeforeNext;
    if (typeof msBeforeNext !== 'number') throw rejection;
    return Math.max(1, Math.ceil(msBeforeNext / 1000));
  }
}
