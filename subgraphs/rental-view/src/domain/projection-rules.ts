/**
 * Ordering rules of the rental-status projection. Events of one rental arrive in order per
 * topic, but rental and payment events travel on different topics, so the projection only
 * moves a status FORWARD: a late, older fact never overwrites a newer one, and applying the
 * same facts in any order converges to the same row.
 */

/** Rental statuses by progress; the placeholder PENDING_PAYMENT is what a row starts as. */
export const RENTAL_STATUS_RANK: Record<string, number> = {
  PENDING_PAYMENT: 0,
  RENTED: 1,
  CANCELED: 2,
  RETURNED: 2,
  EXPIRED: 2,
  PAYMENT_DECLINED: 2,
  PAYMENT_FAILED: 2,
};

/** Payment statuses by progress (a refund follows an approval). */
export const PAYMENT_STATUS_RANK: Record<string, number> = { APPROVED: 1, DECLINED: 1, REFUNDED: 2 };

/** @returns the status to keep: `incoming` when it ranks strictly higher than `current`. */
export function forward(ranks: Record<string, number>, current: string | null | undefined, incoming: string | undefined): string | null {
  if (!incoming) return current ?? null;
  if (!current) return incoming;
  return (ranks[incoming] ?? -1) > (ranks[current] ?? -1) ? incoming : current;
}
