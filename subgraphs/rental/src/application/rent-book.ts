import { appendToOutbox, BookRented, RentalPaymentFailed, type Causation } from '@ebook/events';
import { DomainError, isUniqueViolation, type Logger, isUuid } from '@ebook/subgraph-kit';
import type { Rental } from '../generated/prisma/client';
import { activeKeyOf, dueAtFor } from '../domain/rental';
import type { RentalDb, RentalTx } from '../db';
import { SagaRejected, type PaymentGateway } from '../sagaparticipants/payment-proxy';

/** What the rent saga needs. */
export interface RentBookDeps {
  db: RentalDb;
  payments: PaymentGateway;
  /** Loan period, days (`LOAN_PERIOD_DAYS`, default 14). */
  loanDays: number;
  /** Called after a commit that wrote outbox rows. */
  wakeRelay: () => void;
  /** Request-scoped logger (carries the correlation id); omitted in tests that don't read logs. */
  logger?: Logger;
}

/** The caller of `rentBook` (the verified customer). */
export interface RentingCustomer {
  id: string;
}


/**
 * The rent saga, as named steps with their compensations:
 * 1. `reserveCopy` — in one transaction: a PENDING_PAYMENT rental (its `activeKey` enforces one
 *    active rental per customer per book) and `activeRentals + 1` on the replica, guarded by
 *    `activeRentals < licensedCopies` in the UPDATE itself, so two customers can never take the
 *    last copy together. Availability is decided here only (book-management may be down).
 * 2. `approvePayment` — synchronous call through the cockatiel policy (idempotent on rental id).
 * 3. `confirmRental` (approved) → RENTED with due date, `BookRented` in the outbox; or
 *    `releaseCopy` (declined / unavailable) → PAYMENT_DECLINED / PAYMENT_FAILED, copy freed,
 *    `RentalPaymentFailed` in the outbox — payment refunds a late approval on it.
 * When the circuit is open the saga fails fast before step 1 and writes nothing.
 * @throws DomainError NOT_FOUND, BOOK_NOT_AVAILABLE, ALREADY_RENTED, PAYMENT_DECLINED,
 *   PAYMENT_UNAVAILABLE (`retryAfter`, seconds).
 */
export async function rentBook(deps: RentBookDeps, customer: RentingCustomer, bookId: string, cause: Causation): Promise<Rental> {
  if (!isUuid(bookId)) throw new DomainError('NOT_FOUND', 'No such book');
  failFastWhileOpen(deps.payments);
  try {
    return await deps.payments.admit(() => rentSaga(deps, customer, bookId, cause));
  } catch (err) {
    if (err instanceof SagaRejected) {
      throw new DomainError('PAYMENT_UNAVAILABLE', 'Too many rentals are being paid right now; please try again in a moment', { retryAfter: 1 });
    }
    throw err;
  }
}

/** @throws DomainError PAYMENT_UNAVAILABLE with `retryAfter` while payment's circuit is open (nothing written). */
function failFastWhileOpen(payments: PaymentGateway): void {
  const openFor = payments.openForSeconds();
  if (openFor !== null) {
    throw new DomainError('PAYMENT_UNAVAILABLE', 'Payments are unavailable right now; please try again later', { retryAfter: openFor });
  }
}

async function rentSaga(deps: RentBookDeps, customer: RentingCustomer, bookId: string, cause: Causation): Promise<Rental> {
  failFastWhileOpen(deps.payments); // the circuit may have opened while this saga waited in the bulkhead
  const pending = await reserveCopy(deps.db, customer.id, bookId, cause);

  const outcome = await deps.payments.approve({
    rentalId: pending.id,
    customerId: customer.id,
    amount: pending.fee,
    correlationId: cause.correlationId,
  });

  if (outcome.kind === 'approved') {
    const rented = await settleOrLeaveToSweeper(() => confirmRental(deps, pending, outcome.paymentId, cause), deps.logger, pending.id);
    deps.wakeRelay();
    if (rented) return rented;
    // The sweeper gave up on this rental while payment was slow (its compensation refunds),
    // or the confirmation could not be written (the sweeper will fail it and refund).
    throw new DomainError('PAYMENT_UNAVAILABLE', 'Payment could not be completed; any charge is refunded. Please try again', {
      retryAfter: 1,
    });
  }
  const failed = outcome.kind === 'declined' ? 'PAYMENT_DECLINED' : 'PAYMENT_FAILED';
  await settleOrLeaveToSweeper(() => releaseCopy(deps.db, pending, failed, cause), deps.logger, pending.id);
  deps.wakeRelay();
  if (outcome.kind === 'declined') throw new DomainError('PAYMENT_DECLINED', `Payment was declined: ${outcome.reason}`);
  throw new DomainError('PAYMENT_UNAVAILABLE', 'Payments are unavailable right now; please try again later', {
    ...(outcome.retryAfterSeconds !== undefined ? { retryAfter: outcome.retryAfterSeconds } : {}),
  });
}

/**
 * Runs the saga's last step; when the database refuses it (busy, down), the rental stays
 * PENDING_PAYMENT and the sweeper ends it later with compensation — the customer still gets
 * a business answer, not an internal error. @returns the step's result, or null when it failed.
 */
async function settleOrLeaveToSweeper<T>(step: () => Promise<T>, logger: Logger | undefined, rentalId: string): Promise<T | null> {
  try {
    return await step();
  } catch (err) {
    logger?.error({ err, rentalId }, 'saga step not written; the pending-rental sweeper will end it');
    return null;
  }
}

async function reserveCopy(db: RentalDb, customerId: string, bookId: string, cause: Causation): Promise<Rental> {
  try {
    return await db.$transaction(async (tx) => {
      const book = await tx.bookReplica.findUnique({ where: { bookId } });
      if (!book) throw new DomainError('NOT_FOUND', 'No such book');
      const rental = await tx.rental.create({
        data: {
          bookId,
          customerId,
          status: 'PENDING_PAYMENT',
          fee: book.rentalFee,
          activeKey: activeKeyOf(customerId, bookId),
          correlationId: cause.correlationId,
        },
      });
      const taken = await tx.bookReplica.updateMany({
        where: { bookId, activeRentals: { lt: tx.bookReplica.fields.licensedCopies } },
        data: { activeRentals: { increment: 1 } },
      });
      if (taken.count === 0) throw new DomainError('BOOK_NOT_AVAILABLE', 'All licensed copies of this book are rented; try again later');
      return rental;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('ALREADY_RENTED', 'You already have an active rental of this book');
    throw err;
  }
}

async function confirmRental(deps: RentBookDeps, pending: Rental, paymentId: string, cause: Causation): Promise<Rental | null> {
  return deps.db.$transaction(async (tx) => {
    const rentedAt = new Date();
    const dueAt = dueAtFor(rentedAt, deps.loanDays);
    // Conditional: the sweeper may have failed this rental meanwhile (then its compensation refunds).
    const [rental] = await tx.rental.updateManyAndReturn({
      where: { id: pending.id, status: 'PENDING_PAYMENT' },
      data: { status: 'RENTED', paymentId, rentedAt, dueAt },
    });
    if (!rental) return null;
    await appendToOutbox(tx, [
      BookRented.create(
        rental.id,
        {
          rentalId: rental.id,
          bookId: rental.bookId,
          customerId: rental.customerId,
          fee: rental.fee,
          paymentId,
          rentedAt: rentedAt.toISOString(),
          dueAt: dueAt.toISOString(),
        },
        cause,
      ),
    ]);
    return rental;
  });
}

/** Frees the copy held by a rental that ends (shared by payment failure, cancel, return). */
export async function freeCopy(tx: RentalTx, bookId: string): Promise<void> {
  await tx.bookReplica.updateMany({ where: { bookId, activeRentals: { gt: 0 } }, data: { activeRentals: { decrement: 1 } } });
}

/**
 * Ends a PENDING_PAYMENT rental that could not be paid: PAYMENT_DECLINED / PAYMENT_FAILED, copy
 * freed, `RentalPaymentFailed` in the outbox (payment refunds or voids on it). Conditional on the
 * rental still being pending, so the saga and the sweeper never both end it.
 * @returns false when the rental was no longer pending (nothing written).
 */
export async function releaseCopy(db: RentalDb, pending: Rental, status: 'PAYMENT_DECLINED' | 'PAYMENT_FAILED', cause: Causation): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const failedAt = new Date();
    const released = await tx.rental.updateMany({ where: { id: pending.id, status: 'PENDING_PAYMENT' }, data: { status, activeKey: null } });
    if (released.count === 0) return false;
    await freeCopy(tx, pending.bookId);
    await appendToOutbox(tx, [
      RentalPaymentFailed.create(
        pending.id,
        {
          rentalId: pending.id,
          bookId: pending.bookId,
          customerId: pending.customerId,
          fee: pending.fee,
          reason: status === 'PAYMENT_DECLINED' ? 'PAYMENT_DECLINED' : 'PAYMENT_UNAVAILABLE',
          failedAt: failedAt.toISOString(),
        },
        cause,
      ),
    ]);
    return true;
  });
}
