/**
 * When a failed delivery is tried again, and when it is given up (pure: no I/O).
 * Exponential back-off: attempt n failed → next attempt `min(baseMs · 2^(n−1), maxMs)` later;
 * after `maxAttempts` failed attempts the delivery is dead (kept with its last error).
 */

/** Retry settings of deliveries (ms). */
export interface DeliveryPolicy {
  /** Attempts before a delivery is dead (≥ 1). */
  maxAttempts: number;
  /** Wait after the first failed attempt, ms; doubled after each further one. */
  retryBaseMs: number;
  /** Longest wait between two attempts, ms. */
  retryMaxMs: number;
}

/** Defaults: 10 attempts, 1 s doubling up to 5 min — a delivery outlives an outage of 511 s (≈ 8.5 min). */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 10, retryBaseMs: 1_000, retryMaxMs: 300_000 };

/** What follows a failed attempt: another one at `nextAttemptAt`, or the end (`dead`). */
export type AfterFailure = { status: 'PENDING'; nextAttemptAt: Date } | { status: 'DEAD' };

/**
 * The decision after attempt number `attempts` (1 = the first) failed at `now`.
 * @throws RangeError when `attempts` is not a positive integer.
 */
export function afterFailedAttempt(attempts: number, policy: DeliveryPolicy, now: Date): AfterFailure {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  if (attempts >= policy.maxAttempts) return { status: 'DEAD' };
  const waitMs = Math.min(policy.retryBaseMs * 2 ** (attempts - 1), policy.retryMaxMs);
  return { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + waitMs) };
}
