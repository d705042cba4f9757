/**
 * The points rules (pure: no I/O). Source: product decision of the points context, written down
 * in README.md ("Loyalty points").
 *
 * - A **completed** rental earns a fixed number of points, {@link PointsRule.pointsPerCompletedRental}
 *   (`POINTS_PER_COMPLETED_RENTAL`, default {@link DEFAULT_POINTS_RULE}), whatever its fee or its
 *   renewals: the customer read the book to the end of the loan they paid for.
 * - Completed means returned (`BookReturned`: reason `RETURNED`) or read until the due date
 *   (`RentalExpired`: reason `EXPIRED`). An expired loan is an e-book's normal end — the copy goes
 *   back by itself and nothing is refunded — so it earns the same as a return.
 * - A canceled rental (`RentalCanceled`, refunded) earns nothing and takes nothing away: a rental
 *   is canceled only while RENTED, so it was never completed and never earned anything.
 * - At most one award per rental: when the rental already has its award, any further event for
 *   it (a redelivery under another id, a second completion) earns nothing.
 */
import type { EventOf } from '@ebook/events';

/** Why points were awarded (the GraphQL enum `PointsReason`). */
export type PointsReason = 'RETURNED' | 'EXPIRED';

/** The events the points context decides on. */
export const POINTS_EVENTS = ['BookReturned', 'RentalExpired', 'RentalCanceled'] as const;
/** One of {@link POINTS_EVENTS}. */
export type PointsEvent = (typeof POINTS_EVENTS)[number];

/** How many points a completed rental earns. */
export interface PointsRule {
  /** Points per completed rental: a whole number, 1 … {@link MAX_POINTS_PER_RENTAL}. */
  pointsPerCompletedRental: number;
}

/** Default rule: 100 points per completed rental. */
export const DEFAULT_POINTS_RULE: PointsRule = { pointsPerCompletedRental: 100 };

/** Upper bound of {@link PointsRule.pointsPerCompletedRental} (keeps balances far inside a 32-bit GraphQL Int). */
export const MAX_POINTS_PER_RENTAL = 10_000;

/** An award decided for one rental: what is written as a `PointsEntry`. */
export interface PointsAward {
  customerId: string;
  rentalId: string;
  /** Points earned, > 0. */
  points: number;
  reason: PointsReason;
  /** When the rental was completed (`returnedAt` / `expiredAt` of the event), not when it was handled. */
  awardedAt: Date;
  /** The event that earned it. */
  eventId: string;
}

/**
 * Decides the award of one rental event.
 * @param event a `BookReturned`, `RentalExpired` or `RentalCanceled` envelope.
 * @param alreadyAwarded whether the event's rental has its award already.
 * @param rule points per completed rental.
 * @returns the award, or null when the event earns nothing (a cancel, or a rental already awarded).
 */
export function decideAward(event: EventOf<PointsEvent>, alreadyAwarded: boolean, rule: PointsRule): PointsAward | null {
  if (alreadyAwarded) return null;
  const completion = completionOf(event);
  if (!completion) return null;
  return {
    customerId: event.data.customerId,
    rentalId: event.data.rentalId,
    points: rule.pointsPerCompletedRental,
    reason: completion.reason,
    awardedAt: new Date(completion.at),
    eventId: event.eventId,
  };
}

/** How and when the event's rental was completed; null when the event does not complete it. */
function completionOf(event: EventOf<PointsEvent>): { reason: PointsReason; at: string } | null {
  switch (event.type) {
    case 'BookReturned':
      return { reason: 'RETURNED', at: event.data.returnedAt };
    case 'RentalExpired':
      return { reason: 'EXPIRED', at: event.data.expiredAt };
    case 'RentalCanceled':
      return null;
  }
}

/**
 * Checks a configured number of points per completed rental.
 * @returns the rule.
 * @throws RangeError naming `variable` when `points` is not a whole number in 1 … {@link MAX_POINTS_PER_RENTAL}.
 */
export function pointsRule(points: number, variable = 'POINTS_PER_COMPLETED_RENTAL'): PointsRule {
  if (!Number.isInteger(points) || points < 1 || points > MAX_POINTS_PER_RENTAL) {
    throw new RangeError(`${variable} must be a whole number from 1 to ${MAX_POINTS_PER_RENTAL}, got ${points}`);
  }
  return { pointsPerCompletedRental: points };
}
