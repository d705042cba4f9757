import type { EventOf } from '@ebook/events';
import type { RentalTx } from '../db';

/**
 * Keeps rental's replica of the catalog: title, fee (KRW) and licensed copies of a book.
 * `activeRentals` is rental's own and is never overwritten. Idempotent by inbox and by upsert.
 */
export async function onBookRegistered(event: EventOf<'BookRegistered'>, tx: RentalTx): Promise<void> {
  const { bookId, title, rentalFee, licensedCopies } = event.data;
  await tx.bookReplica.upsert({
    where: { bookId },
    create: { bookId, title, rentalFee, licensedCopies },
    update: { title, rentalFee, licensedCopies },
  });
}
