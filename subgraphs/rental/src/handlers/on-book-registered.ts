import { causedBy, joinTransaction, type EventOf } from '@ebook/events';
import type { LendingPolicy } from '../domain/rental';
import type { RentalTx } from '../db';
import { lockBook, offerFreeCopies } from '../application/copies';

/**
 * Keeps rental's replica of the catalog: title, fee (KRW) and licensed copies of a book.
 * `activeRentals` and `reservedCopies` are rental's own and are never overwritten. When the
 * book now has free copies and customers waiting (more licensed copies registered for a book
 * with a queue), they are offered at once, in the same transaction (`HoldReady`, appended to
 * the outbox through the inbox's transaction). Idempotent by inbox and by upsert.
 */
export function onBookRegistered(policy: Pick<LendingPolicy, 'holdOfferPeriodMs'>) {
  return async (event: EventOf<'BookRegistered'>, tx: RentalTx): Promise<void> => {
    const { bookId, title, rentalFee, licensedCopies } = event.data;
    await tx.bookReplica.upsert({
      where: { bookId },
      create: { bookId, title, rentalFee, licensedCopies },
      update: { title, rentalFee, licensedCopies },
    });
    await joinTransaction(tx).run(async () => {
      const book = await lockBook(tx, bookId);
      const at = { now: new Date(), cause: causedBy(event), holdOfferPeriodMs: policy.holdOfferPeriodMs };
      return { result: undefined, events: book ? await offerFreeCopies(tx, book, at) : [] };
    });
  };
}
