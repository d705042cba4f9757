/**
 * The rental aggregate: its state as plain data and one pure decision function per command.
 * A decision takes the current state, the command and the time (`now`, passed in — never read
 * from the clock here) and returns the new state plus the domain events it caused, or throws a
 * {@link RentalError}. Loading, the conditional write that applies a decision atomically, the
 * outbox and the copy counter live in `application/`.
 *
 * Life cycle:
 * ```
 * startRental ─▶ PENDING_PAYMENT ─┬─ confirmPayment ─▶ RENTED ─┬─ cancel ─────▶ CANCELED
 *                                 │                            └─ returnBook ─▶ RETURNED
 *                                 ├─ failPayment ─▶ PAYMENT_DECLINED | PAYMENT_FAILED
 *                                 └─ expirePending ─▶ PAYMENT_FAILED
 * ```
 */
import type { DomainEvent } from '@ebook/events';
import { RentalErrors } from './errors';

/** Default loan period, days (env `LOAN_PERIOD_DAYS`). */
export const DEFAULT_LOAN_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

/** States of the rental aggregate (mirrors `RentalState` in prisma/rental/schema.prisma). */
export type RentalStatus = 'PENDING_PAYMENT' | 'RENTED' | 'CANCELED' | 'RETURNED' | 'PAYMENT_DECLINED' | 'PAYMENT_FAILED';

/** The rental aggregate's state (the columns of table `rental` that rules read or write). */
export interface Rental {
  /** uuid, also the aggregate id of its events. */
  id: string;
  bookId: string;
  customerId: string;
  status: RentalStatus;
  /** Rental fee, integer KRW (the book's fee when the rental started). */
  fee: number;
  /**
   * {@link activeKeyOf}(customer, book) while the rental holds a copy, null once it ended: a
   * unique column, so a customer has at most one active rental of a book.
   */
  activeKey: string | null;
  /** The approved payment, once confirmed. */
  paymentId: string | null;
  /** When the rental started; set again to the payment time on confirmation. */
  rentedAt: Date;
  /** Due date: payment time + loan period; null until confirmed. */
  dueAt: Date | null;
  returnedAt: Date | null;
  canceledAt: Date | null;
  /** The request that started the rental (carried by the sweeper's events). */
  correlationId: string | null;
}

/** The domain events of the rental aggregate (payload types: `events/src/contracts/`). */
export type RentalEvent = DomainEvent<'BookRented' | 'RentalCanceled' | 'BookReturned' | 'RentalPaymentFailed'>;

/** What a decision returns: the rental's new state and the events to record with it (in order). */
export interface RentalDecision {
  rental: Rental;
  events: RentalEvent[];
}

/** Due date: rent time + `loanDays` whole days (UTC, millisecond exact). @throws RangeError unless `loanDays` is a positive integer. */
export function dueAtFor(rentedAt: Date, loanDays: number): Date {
  if (!Number.isInteger(loanDays) || loanDays < 1) throw new RangeError('loanDays must be a positive integer');
  return new Date(rentedAt.getTime() + loanDays * DAY_MS);
}

/**
 * Key that makes "one active rental per customer per book" a unique constraint
 * (`rental.activeKey`, NULL once the rental ends).
 */
export function activeKeyOf(customerId: string, bookId: string): string {
  return `${customerId}:${bookId}`;
}

/** Available copies of a book: licensed minus held, never negative. */
export function availableCopies(licensedCopies: number, activeRentals: number): number {
  return Math.max(0, licensedCopies - activeRentals);
}

/** True while a rental in `status` holds one of the book's licensed copies (pending payment or rented). */
export function holdsCopy(status: RentalStatus): boolean {
  return status === 'PENDING_PAYMENT' || status === 'RENTED';
}

/** Command: a customer rents a book. */
export interface StartRental {
  /** uuid chosen by the caller for the new rental. */
  rentalId: string;
  customerId: string;
  /** The book as rental's replica of the catalog knows it; `rentalFee` in integer KRW. */
  book: { bookId: string; rentalFee: number };
  /** The request that asked for the rental. */
  correlationId: string;
}

/**
 * Starts a rental: PENDING_PAYMENT at the book's current fee, holding a copy (`activeKey` set).
 * No event yet — the rental is announced once its payment is decided. Whether a copy is free
 * and whether the customer already rents the book are decided atomically by the store (the
 * reservation's conditional update, the unique `activeKey`): {@link RentalErrors.bookNotAvailable},
 * {@link RentalErrors.alreadyRented}.
 */
export function startRental(cmd: StartRental, now: Date): RentalDecision {
  return {
    rental: {
      id: cmd.rentalId,
      bookId: cmd.book.bookId,
      customerId: cmd.customerId,
      status: 'PENDING_PAYMENT',
      fee: cmd.book.rentalFee,
      activeKey: activeKeyOf(cmd.customerId, cmd.book.bookId),
      paymentId: null,
      rentedAt: now,
      dueAt: null,
      returnedAt: null,
      canceledAt: null,
      correlationId: cmd.correlationId,
    },
    events: [],
  };
}

/** Command: payment approved the rental's fee. */
export interface ConfirmPayment {
  /** The approved payment (uuid). */
  paymentId: string;
  /** Loan period, whole days (≥ 1). */
  loanDays: number;
}

/**
 * Payment approved: the PENDING_PAYMENT rental becomes RENTED at `now`, due `loanDays` later;
 * event `BookRented`.
 * @throws RentalError `INVALID_RENTAL_STATE` unless PENDING_PAYMENT. @throws RangeError for a bad `loanDays`.
 */
export function confirmPayment(rental: Rental, cmd: ConfirmPayment, now: Date): RentalDecision {
  if (rental.status !== 'PENDING_PAYMENT') throw RentalErrors.invalidState('confirm the payment of', rental.status);
  const dueAt = dueAtFor(now, cmd.loanDays);
  const rented: Rental = { ...rental, status: 'RENTED', paymentId: cmd.paymentId, rentedAt: now, dueAt };
  return {
    rental: rented,
    events: [
      {
        type: 'BookRented',
        data: {
          rentalId: rental.id,
          bookId: rental.bookId,
          customerId: rental.customerId,
          fee: rental.fee,
          paymentId: cmd.paymentId,
          rentedAt: now.toISOString(),
          dueAt: dueAt.toISOString(),
        },
      },
    ],
  };
}

/** Why a rental's payment failed: the processor declined, or payment could not be reached. */
export type PaymentFailure = 'PAYMENT_DECLINED' | 'PAYMENT_FAILED';

/**
 * The payment was not approved: the PENDING_PAYMENT rental ends in `failure`
 * (PAYMENT_DECLINED / PAYMENT_FAILED) and releases its copy; event `RentalPaymentFailed`
 * (reason `PAYMENT_DECLINED` / `PAYMENT_UNAVAILABLE`) — payment refunds or voids on it.
 * @throws RentalError `INVALID_RENTAL_STATE` unless PENDING_PAYMENT.
 */
export function failPayment(rental: Rental, failure: PaymentFailure, now: Date): RentalDecision {
  if (rental.status !== 'PENDING_PAYMENT') throw RentalErrors.invalidState('fail the payment of', rental.status);
  return {
    rental: { ...rental, status: failure, activeKey: null },
    events: [
      {
        type: 'RentalPaymentFailed',
        data: {
          rentalId: rental.id,
          bookId: rental.bookId,
          customerId: rental.customerId,
          fee: rental.fee,
          reason: failure === 'PAYMENT_DECLINED' ? 'PAYMENT_DECLINED' : 'PAYMENT_UNAVAILABLE',
          failedAt: now.toISOString(),
        },
      },
    ],
  };
}

/**
 * Oldest last-change time (`updatedAt`) a PENDING_PAYMENT rental may have before
 * {@link expirePending} ends it: `now - staleAfterMs` (ms).
 */
export function pendingStaleBefore(now: Date, staleAfterMs: number): Date {
  return new Date(now.getTime() - staleAfterMs);
}

/**
 * A rental left PENDING_PAYMENT by a saga that died (its last change older than
 * {@link pendingStaleBefore}) is failed: PAYMENT_FAILED, copy released, `RentalPaymentFailed`
 * (reason `PAYMENT_UNAVAILABLE`) — payment then refunds an approval that did happen, or voids it.
 * @throws RentalError `INVALID_RENTAL_STATE` unless PENDING_PAYMENT.
 */
export function expirePending(rental: Rental, now: Date): RentalDecision {
  return failPayment(rental, 'PAYMENT_FAILED', now);
}

/** Command of a customer about one of their rentals (cancel, return). */
export interface CustomerCommand {
  /** The verified caller. */
  customerId: string;
}

/** Ownership before state, so another customer learns nothing about the rental's status. */
function assertOwnRentedRental(rental: Rental, cmd: CustomerCommand, action: 'cancel' | 'return'): void {
  if (rental.customerId !== cmd.customerId) throw RentalErrors.notYourRental();
  if (rental.status !== 'RENTED') throw RentalErrors.invalidState(action, rental.status);
}

/**
 * The customer cancels their RENTED rental: CANCELED at `now`, copy released; event
 * `RentalCanceled` (payment refunds the fee on it).
 * @throws RentalError `FORBIDDEN` (another customer's rental), `INVALID_RENTAL_STATE` (not RENTED; `extensions.status`).
 */
export function cancel(rental: Rental, cmd: CustomerCommand, now: Date): RentalDecision {
  assertOwnRentedRental(rental, cmd, 'cancel');
  return {
    rental: { ...rental, status: 'CANCELED', canceledAt: now, activeKey: null },
    events: [
      {
        type: 'RentalCanceled',
        data: { rentalId: rental.id, bookId: rental.bookId, customerId: rental.customerId, paymentId: rental.paymentId, canceledAt: now.toISOString() },
      },
    ],
  };
}

/**
 * The customer returns the book of their RENTED rental: RETURNED at `now`, copy released;
 * event `BookReturned`.
 * @throws RentalError `FORBIDDEN` (another customer's rental), `INVALID_RENTAL_STATE` (not RENTED; `extensions.status`).
 */
export function returnBook(rental: Rental, cmd: CustomerCommand, now: Date): RentalDecision {
  assertOwnRentedRental(rental, cmd, 'return');
  return {
    rental: { ...rental, status: 'RETURNED', returnedAt: now, activeKey: null },
    events: [{ type: 'BookReturned', data: { rentalId: rental.id, bookId: rental.bookId, customerId: rental.customerId, returnedAt: now.toISOString() } }],
  };
}

/** The end of a rental a customer may ask for. */
export type RentalEnding = 'cancel' | 'return';

/** The decision of a customer's {@link RentalEnding}: {@link cancel} or {@link returnBook}. */
export const endingDecision: Record<RentalEnding, (rental: Rental, cmd: CustomerCommand, now: Date) => RentalDecision> = {
  cancel,
  return: returnBook,
};
