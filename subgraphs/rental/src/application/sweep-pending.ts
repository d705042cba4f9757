import type { UnitOfWork } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import { abandonRenewal, expirePending, pendingStaleBefore, type LendingPolicy } from '../domain/rental';
import type { RentalDb, RentalTx } from '../db';
import { endPending } from './rent-book';
import { applyRenewalStep, envelopesOf } from './rental-store';

/** What the sweeper needs: the database (to find stale rentals), the unit of work (to end each), the offer period (a freed copy may go to a hold). */
export interface SweepDeps {
  db: RentalDb;
  uow: UnitOfWork<RentalTx>;
  policy: Pick<LendingPolicy, 'holdOfferPeriodMs'>;
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
    if (await endPending({ ...deps, clock: () => now }, rental, expirePending, { correlationId: rental.correlationId ?? `sweeper-${rental.id}` })) {
      resolved += 1;
      logger.warn({ rentalId: rental.id, correlationId: rental.correlationId }, 'stale pending rental failed by the sweeper');
    }
  }
  return resolved;
}

/**
 * Resolves stale pending renewals — a renewal saga that died between reserving the renewal and
 * applying or abandoning it: a rental whose `pendingRenewalId` is set and whose last change is
 * older than `staleAfterMs` (ms) gets the aggregate's `abandonRenewal` (reason NOT_APPLIED): the
 * pending mark is cleared (conditionally on it still being that renewal), the loan otherwise
 * untouched, `RentalRenewalFailed` recorded — payment then refunds the renewal's charge if it was
 * approved, or voids it so a late approval cannot charge. At most 100 per run.
 * @returns how many pending renewals were abandoned.
 */
export async function sweepStaleRenewals(deps: SweepDeps, staleAfterMs: number, logger: Logger, now = new Date()): Promise<number> {
  const stale = await deps.db.rental.findMany({
    where: { pendingRenewalId: { not: null }, updatedAt: { lt: pendingStaleBefore(now, staleAfterMs) } },
    take: 100,
  });
  let resolved = 0;
  for (const rental of stale) {
    const renewalId = rental.pendingRenewalId!;
    const cause = { correlationId: rental.correlationId ?? `sweeper-${rental.id}` };
    const abandoned = await deps.uow.run(async (tx) => {
      const decision = abandonRenewal(rental, renewalId, 'NOT_APPLIED', now);
      const row = await applyRenewalStep(tx, rental, decision, 'pending');
      return row ? { result: true, events: envelopesOf(decision, cause, now) } : { result: false, events: [] };
    });
    if (abandoned) {
      resolved += 1;
      logger.warn({ rentalId: rental.id, renewalId }, 'stale pending renewal abandoned by the sweeper');
    }
  }
  return resolved;
}
