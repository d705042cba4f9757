import { appendToOutbox, BookReturned, RentalCanceled, type Causation } from '@ebook/events';
import { DomainError, isUuid } from '@ebook/subgraph-kit';
import type { Rental } from '../generated/prisma/client';
import { assertCanEnd, type RentalEnding } from '../domain/rental';
import type { RentalDb } from '../db';
import { freeCopy } from './rent-book';


/**
 * `cancelRental` / `returnBook`: ends the customer's RENTED rental, frees its copy and
 * records `RentalCanceled` (payment refunds on it) or `BookReturned`, in one transaction.
 * The status change is conditional (`WHERE status = 'RENTED'`), so two concurrent requests
 * cannot both end it.
 * @throws DomainError NOT_FOUND, FORBIDDEN (another customer's rental), INVALID_RENTAL_STATE.
 */
export async function endRental(db: RentalDb, customerId: string, rentalId: string, ending: RentalEnding, cause: Causation): Promise<Rental> {
  if (!isUuid(rentalId)) throw new DomainError('NOT_FOUND', 'No such rental');
  return db.$transaction(async (tx) => {
    const rental = await tx.rental.findUnique({ where: { id: rentalId } });
    if (!rental) throw new DomainError('NOT_FOUND', 'No such rental');
    assertCanEnd(rental, customerId, ending);
    const at = new Date();
    const [ended] = await tx.rental.updateManyAndReturn({
      where: { id: rentalId, status: 'RENTED' },
      data: ending === 'cancel' ? { status: 'CANCELED', canceledAt: at, activeKey: null } : { status: 'RETURNED', returnedAt: at, activeKey: null },
    });
    if (!ended) throw new DomainError('INVALID_RENTAL_STATE', 'The rental changed meanwhile; reload it');
    await freeCopy(tx, rental.bookId);
    const base = { rentalId, bookId: rental.bookId, customerId };
    await appendToOutbox(tx, [
      ending === 'cancel'
        ? RentalCanceled.create(rentalId, { ...base, paymentId: rental.paymentId, canceledAt: at.toISOString() }, cause)
        : BookReturned.create(rentalId, { ...base, returnedAt: at.toISOString() }, cause),
    ]);
    return ended;
  });
}
