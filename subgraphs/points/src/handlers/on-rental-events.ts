import type { EventHandlers, EventOf } from '@ebook/events';
import type { PointsTx } from '../db';
import { POINTS_EVENTS, type PointsEvent, type PointsRule } from '../domain/points';
import { awardPoints } from '../application/award-points';

/**
 * The handlers of the points consumer (group `points.awards`): BookReturned, RentalExpired and
 * RentalCanceled each go to `awardPoints` (which decides what, if anything, they earn).
 */
export function pointsHandlers(rule: PointsRule): EventHandlers<PointsTx> {
  const award = (async (event: EventOf<PointsEvent>, tx: PointsTx) => {
    await awardPoints(tx, event, rule);
  }) as NonNullable<EventHandlers<PointsTx>[PointsEvent]>;
  return Object.fromEntries(POINTS_EVENTS.map((type) => [type, award]));
}
