import type { Logger } from '@ebook/subgraph-kit';
import type { RentalDb } from '../db';
import { releaseCopy } from './rent-book';

/**
 * Resolves stale PENDING_PAYMENT rentals — those whose saga died between reserving the copy and
 * recording the payment outcome (process crash, lost connection). A rental pending longer than
 * `staleAfterMs` is ended PAYMENT_FAILED, its copy freed, and `RentalPaymentFailed` recorded:
 * payment then refunds an approval that did happen, or voids the rental id so a late one
 * cannot charge. `staleAfterMs` must exceed the longest saga (timeout × attempts + back-off).
 * @returns how many rentals were resolved.
 */
export async function sweepStalePending(db: RentalDb, staleAfterMs: number, logger: Logger, now = new Date()): Promise<number> {
  const stale = await db.rental.findMany({
    where: { status: 'PENDING_PAYMENT', updatedAt: { lt: new Date(now.getTime() - staleAfterMs) } },
    take: 100,
  });
  let resolved = 0;
  for (const rental of stale) {
    if (await releaseCopy(db, rental, 'PAYMENT_FAILED', { correlationId: rental.correlationId ?? `sweeper-${rental.id}` })) {
      resolved += 1;
      logger.warn({ rentalId: rental.id, correlationId: rental.correlationId }, 'stale pending rental failed by the sweeper');
    }
  }
  return resolved;
}

