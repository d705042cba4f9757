/**
 * The rental aggregate: its state as plain data and one pure decision function per command.
 * A decision takes the current state, the command and the time (`now`, passed in — never read
 * from the clock here) and returns the new state plus the domain events it caused, or throws a
 * {@link RentalError}. Loading, the conditional write that applies a decision atomically, the
 * outbox and the copy counter live in `application/`.
 *
 * Life cycle:
 * ```
 * startRental ─▶ PENDING_PAYMENT ─┬─ confirmPayment ─▶ RENTED ─┬─ cancel ─────▶ CANCELED   (within the cancel window)
 *                                 │                            ├─ returnBook ─▶ RETURNED
 *                                 │                            ├─ expire ─────▶ EXPIRED    (dueAt passed; no refund)
 *                                 │                            ├─ noticeDueSoon (stays RENTED; once per loan)
 *                                 │                            └─ startRenewal ─▶ (RENTED, renewal pending) ─┬─ completeRenewal (dueAt + loan period, renewals + 1)
 *                                 │                                                                          └─ abandonRenewal (unchanged; charge refunded/voided)
 *                                 ├─ failPayment ─▶ PAYMENT_DECLINED | PAYMENT_FAILED
 *                                 └─ expirePending ─▶ PAYMENT_FAILED
 * ```
 *
 * Durations are milliseconds; a day is 24 h (86 400 000 ms), whatever the calendar or time
 * zone (see `config.ts` for how ISO-8601 durations become milliseconds).
 */
import type { DomainEvent } from '@ebook/events';
import { RentalErrors } from './errors';

const HOUR_MS = 60 * 60 * 1000;
/** One day, ms: always 24 h. */
export const DAY_MS = 24 * HOUR_MS;

/**
 * The lending rules' parameters (all durations in ms, days of 24 h). Configured from the
 * environment by `config.ts` (`LOAN_PERIOD`, `CANCEL_WINDOW`, `DUE_SOON_NOTICE`,
 * `MAX_ACTIVE_RENTALS`, `MAX_RENEWALS`, `HOLD_OFFER_PERIOD`, `MAX_HOLDS`).
 */
export interface LendingPolicy {
  /** Loan period: `dueAt` = payment time + this (> 0). */
  loanPeriodMs: number;
  /** A RENTED loan may be canceled (and refunded) until `rentedAt` + this (≥ 0). */
  cancelWindowMs: number;
  /** `RentalDueSoon` is announced this long before `dueAt` (≥ 0; 0 = never). */
  dueSoonNoticeMs: number;
  /** Most active loans (PENDING_PAYMENT or RENTED) one customer may hold at once (≥ 1). */
  maxActiveRentals: number;
  /** Most renewals of one loan (≥ 0; 0 = loans are never renewed). */
  maxRenewals: number;
  /** How long a copy freed for a hold stays reserved for its customer (READY until now + this; > 0). */
  holdOfferPeriodMs: number;
  /** Most active holds (WAITING, SUSPENDED, READY) one customer may have at once (≥ 1). */
  maxHolds: number;
}

/** Defaults: 14 days' loan, 24 h to cancel, notice 1 day before due, 5 active loans, 1 renewal, offers held 3 days, 10 holds. */
export const DEFAULT_LENDING_POLICY: Readonly<LendingPolicy> = Object.freeze({
  loanPeriodMs: 14 * DAY_MS,
  cancelWindowMs: 24 * HOUR_MS,
  dueSoonNoticeMs: DAY_MS,
  maxActiveRentals: 5,
  maxRenewals: 1,
  holdOfferPeriodMs: 3 * DAY_MS,
  maxHolds: 10,
});

/** States of the rental aggregate (mirrors `RentalState` in prisma/rental/schema.prisma). */
export type RentalStatus = 'PENDING_PAYMENT' | 'RENTED' | 'CANCELED' | 'RETURNED' | 'EXPIRED' | 'PAYMENT_DECLINED' | 'PAYMENT_FAILED';

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
  /** When the loan expired (its due date passed while RENTED); null otherwise. */
  expiredAt: Date | null;
  /** When `RentalDueSoon` was announced; null until then (it is announced once per loan). */
  dueSoonNotifiedAt: Date | null;
  /** The request that started the rental (carried by the sweeper's events). */
  correlationId: string | null;
  /** Renewals applied so far (0 for a new loan); each extended `dueAt` by one loan period. */
  renewals: number;
  /**
   * The renewal being paid for right now (uuid, also payment's idempotency key of its charge),
   * or null: at most one renewal of a loan is in flight.
   */
  pendingRenewalId: string | null;
}

/** The domain events of the rental aggregate (payload types: `events/src/contracts/`). */
export type RentalEvent = DomainEvent<
  'BookRented' | 'RentalCanceled' | 'BookReturned' | 'RentalPaymentFailed' | 'RentalExpired' | 'RentalDueSoon' | 'RentalRenewed' | 'RentalRenewalFailed'
>;

/** What a decision returns: the rental's new state and the events to record with it (in order). */
export interface RentalDecision {
  rental: Rental;
  events: RentalEvent[];
}

/** Due date: rent time + `loanPeriodMs` (ms, UTC, millisecond exact). @throws RangeError unless `loanPeriodMs` is a positive integer. */
export function dueAtFor(rentedAt: Date, loanPeriodMs: number): Date {
  if (!Number.isInteger(loanPeriodMs) || loanPeriodMs < 1) throw new RangeError('loanPeriodMs must be a positive integer (ms)');
  return new Date(rentedAt.getTime() + loanPeriodMs);
}

/**
 * Key that makes "one active rental per customer per book" a unique constraint
 * (`rental.activeKey`, NULL once the rental ends).
 */
export function activeKeyOf(customerId: string, bookId: string): string {
  return `${customerId}:${bookId}`;
}

/**
 * Copies of a book a customer can rent right now: licensed − held by loans (pending or rented)
 * − reserved for READY holds, never negative.
 */
export function availableCopies(licensedCopies: number, activeRentals: number, reservedCopies = 0): number {
  return Math.max(0, licensedCopies - activeRentals - reservedCopies);
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
  /**
   * The customer's active loans (PENDING_PAYMENT or RENTED) right now, counted by the store
   * under a per-customer lock, so concurrent rents of one customer see each other.
   */
  activeLoans: number;
  /** {@link LendingPolicy.maxActiveRentals}. */
  maxActiveRentals: number;
}

/**
 * Starts a rental: PENDING_PAYMENT at the book's current fee, holding a copy (`activeKey` set).
 * No event yet — the rental is announced once its payment is decided. A customer holding
 * `maxActiveRentals` active loans already is refused (the limit rule). Whether a copy is free
 * and whether the customer already rents the book are decided atomically by the store (the
 * reservation's conditional update, the unique `activeKey`): {@link RentalErrors.bookNotAvailable},
 * {@link RentalErrors.alreadyRented}.
 * @throws RentalError `LOAN_LIMIT_REACHED` (`extensions.limit`) when `activeLoans ≥ maxActiveRentals`.
 */
export function startRental(cmd: StartRental, now: Date): RentalDecision {
  if (cmd.activeLoans >= cmd.maxActiveRentals) throw RentalErrors.loanLimitReached(cmd.maxActiveRentals);
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
      expiredAt: null,
      dueSoonNotifiedAt: null,
      correlationId: cmd.correlationId,
      renewals: 0,
      pendingRenewalId: null,
    },
    events: [],
  };
}

/** Command: payment approved the rental's fee. */
export interface ConfirmPayment {
  /** The approved payment (uuid). */
  paymentId: string;
  /** {@link LendingPolicy.loanPeriodMs}: loan period, ms (> 0). */
  loanPeriodMs: number;
}

/**
 * Payment approved: the PENDING_PAYMENT rental becomes RENTED at `now`, due `loanPeriodMs`
 * later; event `BookRented`.
 * @throws RentalError `INVALID_RENTAL_STATE` unless PENDING_PAYMENT. @throws RangeError for a bad `loanPeriodMs`.
 */
export function confirmPayment(rental: Rental, cmd: ConfirmPayment, now: Date): RentalDecision {
  if (rental.status !== 'PENDING_PAYMENT') throw RentalErrors.invalidState('confirm the payment of', rental.status);
  const dueAt = dueAtFor(now, cmd.loanPeriodMs);
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

/** Command: the customer cancels their rental (and is refunded). */
export interface CancelCommand extends CustomerCommand {
  /** {@link LendingPolicy.cancelWindowMs}, ms. */
  cancelWindowMs: number;
}

/** End of the cancel window of a loan rented at `rentedAt`: `rentedAt + cancelWindowMs` (inclusive). */
export function cancelWindowEnd(rentedAt: Date, cancelWindowMs: number): Date {
  return new Date(rentedAt.getTime() + cancelWindowMs);
}

/**
 * The customer cancels their RENTED rental within the cancel window (`now` ≤ `rentedAt` +
 * `cancelWindowMs`): CANCELED at `now`, copy released; event `RentalCanceled` (payment
 * refunds the fee on it). After the window the loan can only be returned (no refund).
 * @throws RentalError `NOT_FOUND` (another customer's rental: the answer to an unknown id), `INVALID_RENTAL_STATE` (not RENTED;
 *   `extensions.status`), `CANCEL_WINDOW_PASSED` (`extensions.cancelableUntil`, ISO-8601) — checked in that order.
 */
export function cancel(rental: Rental, cmd: CancelCommand, now: Date): RentalDecision {
  assertOwnRentedRental(rental, cmd, 'cancel');
  const until = cancelWindowEnd(rental.rentedAt, cmd.cancelWindowMs);
  if (now.getTime() > until.getTime()) throw RentalErrors.cancelWindowPassed(until);
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
 * @throws RentalError `NOT_FOUND` (another customer's rental: the answer to an unknown id), `INVALID_RENTAL_STATE` (not RENTED; `extensions.status`).
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
export const endingDecision: Record<RentalEnding, (rental: Rental, cmd: CancelCommand, now: Date) => RentalDecision> = {
  cancel,
  return: returnBook,
};

/** True when a loan in `status` due at `dueAt` is overdue at `now` (RENTED, `dueAt` ≤ `now`). */
export function isOverdue(rental: Pick<Rental, 'status' | 'dueAt'>, now: Date): boolean {
  return rental.status === 'RENTED' && rental.dueAt !== null && rental.dueAt.getTime() <= now.getTime();
}

/**
 * A RENTED loan whose due date has come (`dueAt` ≤ `now`) expires by itself: EXPIRED at `now`,
 * copy released, no refund; event `RentalExpired`. Taken by the lending schedule, never by a
 * customer.
 * @throws RentalError `INVALID_RENTAL_STATE` unless RENTED, or when not yet due.
 */
export function expire(rental: Rental, now: Date): RentalDecision {
  if (rental.status !== 'RENTED') throw RentalErrors.invalidState('expire', rental.status);
  if (!isOverdue(rental, now)) throw RentalErrors.notDueYet('expire');
  return {
    rental: { ...rental, status: 'EXPIRED', expiredAt: now, activeKey: null },
    events: [
      {
        type: 'RentalExpired',
        data: {
          rentalId: rental.id,
          bookId: rental.bookId,
          customerId: rental.customerId,
          paymentId: rental.paymentId,
          dueAt: rental.dueAt!.toISOString(),
          expiredAt: now.toISOString(),
        },
      },
    ],
  };
}

/** Latest due date a loan may have to get its due-soon notice at `now`: `now + dueSoonNoticeMs`. */
export function dueSoonHorizon(now: Date, dueSoonNoticeMs: number): Date {
  return new Date(now.getTime() + dueSoonNoticeMs);
}

/**
 * True when the loan should get its due-soon notice at `now`: RENTED, not notified yet, and
 * `dueAt − dueSoonNoticeMs` ≤ `now` < `dueAt` (an overdue loan expires instead; a notice of 0
 * ms is never given).
 */
export function isDueSoon(rental: Pick<Rental, 'status' | 'dueAt' | 'dueSoonNotifiedAt'>, now: Date, dueSoonNoticeMs: number): boolean {
  if (rental.status !== 'RENTED' || rental.dueAt === null || rental.dueSoonNotifiedAt !== null) return false;
  const due = rental.dueAt.getTime();
  return due - dueSoonNoticeMs <= now.getTime() && now.getTime() < due;
}

/**
 * Announces once that a RENTED loan is due soon (within `dueSoonNoticeMs` of `dueAt`): stays
 * RENTED, `dueSoonNotifiedAt` = `now`; event `RentalDueSoon`. Taken by the lending schedule.
 * @throws RentalError `INVALID_RENTAL_STATE` unless RENTED, when already notified, or when not
 *   within the notice period (too early, or already overdue).
 */
export function noticeDueSoon(rental: Rental, now: Date, dueSoonNoticeMs: number): RentalDecision {
  if (rental.status !== 'RENTED') throw RentalErrors.invalidState('announce the due date of', rental.status);
  if (rental.dueSoonNotifiedAt !== null) throw RentalErrors.alreadyNotified();
  if (!isDueSoon(rental, now, dueSoonNoticeMs)) throw RentalErrors.notDueYet('announce the due date of');
  return {
    rental: { ...rental, dueSoonNotifiedAt: now },
    events: [
      {
        type: 'RentalDueSoon',
        data: { rentalId: rental.id, bookId: rental.bookId, customerId: rental.customerId, dueAt: rental.dueAt!.toISOString(), notifiedAt: now.toISOString() },
      },
    ],
  };
}

/** Command: the customer renews their loan (asks for one more loan period, paying the fee again). */
export interface RenewCommand extends CustomerCommand {
  /** {@link LendingPolicy.maxRenewals}: most renewals of one loan (≥ 0). */
  maxRenewals: number;
  /**
   * Holds in this book's queue (WAITING or SUSPENDED: a suspended hold keeps its place). A loan
   * is never renewed while someone holds its book.
   */
  holdsWaiting: number;
}

/**
 * The renewal rules, checked in this order (ownership first, so another customer learns nothing):
 * 1. another customer's rental → `NOT_FOUND` (the answer to an unknown id);
 * 2. not RENTED (pending, canceled, returned, expired, never paid) → `RENEWAL_NOT_ALLOWED`
 *    (`reason` NOT_RENTED, `status`) — RENEWAL_NOT_ALLOWED rather than INVALID_RENTAL_STATE,
 *    so a client branches on one code for "cannot renew";
 * 3. overdue (`dueAt` ≤ `now`, about to expire) → `RENEWAL_NOT_ALLOWED` (OVERDUE);
 * 4. a renewal already in flight → `RENEWAL_NOT_ALLOWED` (IN_PROGRESS);
 * 5. someone waiting for the book (`holdsWaiting` > 0) → `RENEWAL_NOT_ALLOWED` (HOLDS_WAITING);
 * 6. `renewals` ≥ `maxRenewals` → `RENEWAL_NOT_ALLOWED` (LIMIT_REACHED, `limit`).
 * @throws RentalError as above; returns nothing when the loan may be renewed.
 */
export function assertRenewable(rental: Rental, cmd: RenewCommand, now: Date): void {
  if (rental.customerId !== cmd.customerId) throw RentalErrors.rentalNotFound();
  if (rental.status !== 'RENTED')
    throw RentalErrors.renewalNotAllowed('NOT_RENTED', `Only a rented loan can be renewed; this rental is ${rental.status}`, { status: rental.status });
  if (isOverdue(rental, now)) throw RentalErrors.renewalNotAllowed('OVERDUE', 'This loan is past its due date and can no longer be renewed');
  if (rental.pendingRenewalId !== null) throw RentalErrors.renewalNotAllowed('IN_PROGRESS', 'A renewal of this loan is already being paid for');
  if (cmd.holdsWaiting > 0) throw RentalErrors.renewalNotAllowed('HOLDS_WAITING', 'Someone is waiting for this book, so the loan cannot be renewed');
  if (rental.renewals >= cmd.maxRenewals)
    throw RentalErrors.renewalNotAllowed('LIMIT_REACHED', `The renewal limit of this loan was reached (${cmd.maxRenewals} allowed)`, { limit: cmd.maxRenewals });
}

/**
 * First step of a renewal: when {@link assertRenewable} allows it, the loan records
 * `pendingRenewalId` = `renewalId` (uuid chosen by the caller; payment's idempotency key of the
 * renewal's charge), so no second renewal starts while this one is paid for. Stays RENTED,
 * `dueAt` unchanged, no event.
 * @throws RentalError as {@link assertRenewable}.
 */
export function startRenewal(rental: Rental, cmd: RenewCommand & { renewalId: string }, now: Date): RentalDecision {
  assertRenewable(rental, cmd, now);
  return { rental: { ...rental, pendingRenewalId: cmd.renewalId }, events: [] };
}

/** Command: payment approved the fee of renewal `renewalId`. */
export interface CompleteRenewal {
  renewalId: string;
  /** The approved payment (uuid). */
  paymentId: string;
  /** {@link LendingPolicy.loanPeriodMs}: loan period, ms (> 0). */
  loanPeriodMs: number;
}

/**
 * Payment approved the renewal's fee: the RENTED loan whose pending renewal is `renewalId` is
 * extended — `dueAt` + `loanPeriodMs`, `renewals` + 1, `dueSoonNotifiedAt` cleared (the due-soon
 * notice comes again before the new due date), pending renewal cleared; event `RentalRenewed`
 * (fee = the loan's fee, integer KRW).
 * @throws RentalError `RENEWAL_NOT_ALLOWED` (NOT_RENTED) when the loan ended meanwhile (canceled,
 *   returned, expired), `INVALID_RENTAL_STATE` when `renewalId` is not its pending renewal.
 *   @throws RangeError for a bad `loanPeriodMs`.
 */
export function completeRenewal(rental: Rental, cmd: CompleteRenewal, now: Date): RentalDecision {
  if (rental.status !== 'RENTED')
    throw RentalErrors.renewalNotAllowed('NOT_RENTED', `Only a rented loan can be renewed; this rental is ${rental.status}`, { status: rental.status });
  if (rental.pendingRenewalId !== cmd.renewalId || rental.dueAt === null) throw RentalErrors.changedMeanwhile();
  const dueAt = dueAtFor(rental.dueAt, cmd.loanPeriodMs);
  const renewals = rental.renewals + 1;
  return {
    rental: { ...rental, dueAt, renewals, dueSoonNotifiedAt: null, pendingRenewalId: null },
    events: [
      {
        type: 'RentalRenewed',
        data: {
          rentalId: rental.id,
          customerId: rental.customerId,
          bookId: rental.bookId,
          renewalId: cmd.renewalId,
          renewals,
          dueAt: dueAt.toISOString(),
          fee: rental.fee,
          paymentId: cmd.paymentId,
          renewedAt: now.toISOString(),
        },
      },
    ],
  };
}

/** Why a renewal was abandoned after its charge was asked for. */
export type RenewalFailure = 'PAYMENT_DECLINED' | 'PAYMENT_UNAVAILABLE' | 'NOT_APPLIED';

/**
 * A renewal that will not be applied (payment declined or unreachable, or the loan changed
 * before the renewal could be applied): the loan is left as it was — only its pending renewal
 * is cleared when it is `renewalId` —; event `RentalRenewalFailed`, on which payment refunds an
 * approved charge of `renewalId` or voids it, so no charge stays without its renewal.
 * Allowed in any status (the loan may have ended meanwhile).
 */
export function abandonRenewal(rental: Rental, renewalId: string, reason: RenewalFailure, now: Date): RentalDecision {
  return {
    rental: rental.pendingRenewalId === renewalId ? { ...rental, pendingRenewalId: null } : rental,
    events: [
      {
        type: 'RentalRenewalFailed',
        data: { rentalId: rental.id, customerId: rental.customerId, bookId: rental.bookId, renewalId, fee: rental.fee, reason, failedAt: now.toISOString() },
      },
    ],
  };
}
