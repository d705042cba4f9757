import type { UnitOfWork } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import { expirePending, pendingStaleBefore } from '../domain/rental';
import type { RentalDb, RentalTx } from '../db';
import { endPending } from './rent-book';

/** What the sweeper needs: the database (to find stale rentals) and the unit of work (to end each). */
export interface SweepDeps {
  db: RentalDb;
  uow: UnitOfWork<RentalTx>;
}

/**
 * Resolves stale PENDING_PAYMENT rentals — those whose saga died between reserving the copy and
 * recording the payment outcome (process crash, lost connection). A rental whose last change is
 * older than `staleAfterMs` (ms) is ended by the aggregate's `expirePending`: PAYMENT_FAILED, its
 * copy freed, `RentalPaymentFailed` recorded — payment then refunds an approval that did happen,
 * or voids the rental id so a late one cannot charge. `staleAfterMs` must exceed the longest
 * saga (timeout × attempts + back-off). At most 100 rentals per run.
 * @returns how many rentals were resolved.
 */
export async function sweepStalePending(deps: SweepDeps, staleAfterMs: number, logger: Logger, now = new Date()): Promise<number> {
  const stale = await deps.db.rental.findMany({
    where: { status: 'PENDING_PAYMENT', updatedAt: { lt: pendingStaleBefore(now, staleAfterMs) } },
    take: 100,
  });
  let resolved = 0;
  for (const rental of stale) {
    if (await endPending(deps.uow, rental, expirePending, { correlationId: rental.correlationId ?? `sweeper-${rental.id}` }, () => now)) {
      resolved += 1;
      logger.warn({ rentalId: rental.id, correlationId: rental.correlationId }, 'stale pending rental failed by the sweeper');
    }
  }
  return resolved;
}
