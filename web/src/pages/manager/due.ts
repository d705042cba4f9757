import type { RentalStatus } from '../../api/types';

/** A RENTED loan due within this long (ms) is "due soon" (2 days). */
export const DUE_SOON_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * Where a loan stands against its due date at `now` (epoch ms): `overdue` once `dueAt` has
 * passed, `dueSoon` within {@link DUE_SOON_MS} of it, else undefined. Only a RENTED loan with a
 * due date is either (a returned, canceled or expired one is not).
 */
export function dueState(rental: Pick<RentalStatus, 'status' | 'dueAt'>, now: number): 'overdue' | 'dueSoon' | undefined {
  if (rental.status !== 'RENTED' || !rental.dueAt) return undefined;
  const left = Date.parse(rental.dueAt) - now;
  return left < 0 ? 'overdue' : left <= DUE_SOON_MS ? 'dueSoon' : undefined;
}
