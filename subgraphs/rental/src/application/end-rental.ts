import type { Causation, UnitOfWork } from '@ebook/events';
import { isUuid } from '@ebook/subgraph-kit';
import type { Rental } from '../generated/prisma/client';
import { endingDecision, type LendingPolicy, type RentalEnding } from '../domain/rental';
import { RentalErrors } from '../domain/errors';
import type { RentalTx } from '../db';
import { applyDecision } from './rental-store';
import { systemClock, type Clock } from './clock';

/** What ending a rental needs. */
export interface EndRentalDeps {
  /** The rental context's unit of work (writes, outbox, relay wake-up). */
  uow: UnitOfWork<RentalTx>;
  /** The lending rules (`cancelWindowMs`; `holdOfferPeriodMs` for the hold a freed copy is offered to). */
  policy: Pick<LendingPolicy, 'cancelWindowMs' | 'holdOfferPeriodMs'>;
  /** The time of a decision (default: the system clock); tests pass a controllable one. */
  clock?: Clock;
}

/**
 * `cancelRental` / `returnBook`: loads the rental, asks the aggregate (`cancel` / `returnBook`
 * in `domain/rental.ts`), then in the same transaction applies the decision conditionally on
 * the status it was taken on (two concurrent requests cannot both end it), releases the copy
 * (offered to the next WAITING hold, `HoldReady`) and records `RentalCanceled` (payment refunds
 * on it) or `BookReturned`. A refusal writes nothing.
 * @throws RentalError NOT_FOUND (unknown id, or another customer's rental: the same answer), INVALID_RENTAL_STATE,
 *   CANCEL_WINDOW_PASSED (cancel later than `policy.cancelWindowMs` after `rentedAt`).
 */
export async function endRental(deps: EndRentalDeps, customerId: string, rentalId: string, ending: RentalEnding, cause: Causation): Promise<Rental> {
  if (!isUuid(rentalId)) throw RentalErrors.rentalNotFound();
  return deps.uow.run(async (tx) => {
    const rental = await tx.rental.findUnique({ where: { id: rentalId } });
    if (!rental) throw RentalErrors.rentalNotFound();
    const now = (deps.clock ?? systemClock)();
    const decision = endingDecision[ending](rental, { customerId, cancelWindowMs: deps.policy.cancelWindowMs }, now);
    const ended = await applyDecision(tx, rental, decision, { now, cause, holdOfferPeriodMs: deps.policy.holdOfferPeriodMs });
    if (!ended) throw RentalErrors.changedMeanwhile();
    return { result: ended.row, events: ended.events };
  });
}
