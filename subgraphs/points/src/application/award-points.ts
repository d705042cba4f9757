import type { EventOf } from '@ebook/events';
import type { PointsTx } from '../db';
import { decideAward, type PointsEvent, type PointsRule } from '../domain/points';

/**
 * Records the award a rental event earns, in the consumer's inbox transaction `tx` (so the award
 * and the event's inbox row commit together: a redelivered event id is skipped by the inbox).
 * The rental's existing award is read first: a rental is awarded once, whatever arrives later;
 * `points_entry.rentalId` is unique as the last guard.
 * @returns the entry written, or null when the event earns nothing.
 */
export async function awardPoints(tx: PointsTx, event: EventOf<PointsEvent>, rule: PointsRule) {
  const existing = await tx.pointsEntry.findUnique({ where: { rentalId: event.data.rentalId }, select: { id: true } });
  const award = decideAward(event, existing !== null, rule);
  return award ? tx.pointsEntry.create({ data: award }) : null;
}
