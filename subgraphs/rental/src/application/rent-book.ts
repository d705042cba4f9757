import { randomUUID } from 'node:crypto';
import type { Causation, SqlExecutor, UnitOfWork } from '@ebook/events';
import { isUniqueViolation, type Logger, isUuid } from '@ebook/subgraph-kit';
import type { Rental as RentalRow } from '../generated/prisma/client';
import { activeKeyOf, confirmPayment, failPayment, startRental, type LendingPolicy, type Rental, type RentalDecision } from '../domain/rental';
import { RentalErrors } from '../domain/errors';
import type { RentalTx } from '../db';
import { SagaRejected, type PaymentProxy } from '../sagaparticipants/payment-proxy';
import { applyConfirmation, applyDecision, envelopesOf, insertRental, insertRentalTakingFreeCopy, lockForReservation } from './rental-store';
import { freeCopies, takeReservedCopy } from './copies';
import { systemClock, type Clock } from './clock';

/** What the rent saga needs. */
export interface RentBookDeps {
  /** The rental context's unit of work: each saga step's writes and events commit together; the relay is woken after. */
  uow: UnitOfWork<RentalTx>;
  /**
   * The unit of work of the saga's hot steps — the reservation and the confirmation, plain SQL
   * only (`rental-store.ts`) —: the service gives one on plain `pg` (`PlainSql`, the Prisma
   * client's pool), about 8× cheaper than a Prisma transaction; default `uow`.
   */
  sqlUow?: UnitOfWork<SqlExecutor>;
  payments: PaymentProxy;
  /** The lending rules (loan period, cancel window, limit; `config.ts`). */
  policy: LendingPolicy;
  /** The time of each decision (default: the system clock); tests pass a controllable one. */
  clock?: Clock;
  /** Request-scoped logger (carries the correlation id); omitted in tests that don't read logs. */
  logger?: Logger;
}

/** The caller of `rentBook` (the verified customer). */
export interface RentingCustomer {
  id: string;
}

/**
 * The rent saga, as named steps with their compensations (the rules are the rental aggregate's,
 * `domain/rental.ts`; each step is one unit of work):
 * 1. `reserveCopy` — in one transaction: the customer's active loans counted under a
 *    per-customer advisory lock (so concurrent rents of one customer cannot pass
 *    `MAX_ACTIVE_RENTALS` together), `startRental` → a PENDING_PAYMENT rental (its
 *    `activeKey` enforces one active rental per customer per book) and `activeRentals + 1` on
 *    the replica, guarded by `activeRentals < licensedCopies` in the UPDATE itself, so two
 *    customers can never take the last copy together. Availability is decided here only
 *    (book-management may be down).
 * 2. `approvePayment` — synchronous call through the cockatiel policy (idempotent on rental id).
 * 3. `confirmPayment` (approved) → RENTED with due date, `BookRented` in the outbox; or
 *    `failPayment` (declined / unavailable) → PAYMENT_DECLINED / PAYMENT_FAILED, copy freed,
 *    `RentalPaymentFailed` in the outbox — payment refunds a late approval on it. Both are
 *    applied only while the rental is still PENDING_PAYMENT (the sweeper may have ended it).
 * When the circuit is open the saga fails fast before step 1 and writes nothing.
 * @throws RentalError NOT_FOUND, LOAN_LIMIT_REACHED (`limit`), BOOK_NOT_AVAILABLE, ALREADY_RENTED,
 *   PAYMENT_DECLINED, PAYMENT_UNAVAILABLE (`retryAfter`, seconds).
 */
export async function rentBook(deps: RentBookDeps, customer: RentingCustomer, bookId: string, cause: Causation): Promise<RentalRow> {
  if (!isUuid(bookId)) throw RentalErrors.bookNotFound();
  return admitPaidSaga(deps.payments, () => rentSaga(deps, customer, bookId, cause));
}

/**
 * Runs a saga that charges (rent, renewal) in the payment participant's bulkhead: fails fast
 * while payment's circuit is open, before and after waiting for a slot (nothing written), and
 * turns a refused admission (queue full, or no slot within the queue deadline) into
 * `PAYMENT_UNAVAILABLE`.
 * @throws RentalError PAYMENT_UNAVAILABLE (`retryAfter`, s); whatever `saga` throws.
 */
export async function admitPaidSaga<T>(payments: PaymentProxy, saga: () => Promise<T>): Promise<T> {
  failFastWhileOpen(payments);
  try {
    return await payments.admit(() => {
      failFastWhileOpen(payments); // the circuit may have opened while this saga waited in the bulkhead
      return saga();
    });
  } catch (err) {
    if (err instanceof SagaRejected) throw RentalErrors.tooManyPayments();
    throw err;
  }
}

/** @throws RentalError PAYMENT_UNAVAILABLE with `retryAfter` while payment's circuit is open (nothing written). */
function failFastWhileOpen(payments: PaymentProxy): void {
  const openFor = payments.openForSeconds();
  if (openFor !== null) throw RentalErrors.paymentUnavailable(openFor);
}

async function rentSaga(deps: RentBookDeps, customer: RentingCustomer, bookId: string, cause: Causation): Promise<RentalRow> {
  const clock = deps.clock ?? systemClock;
  const pending = await reserveCopy(deps.sqlUow ?? deps.uow, customer.id, bookId, deps.policy.maxActiveRentals, cause, clock);

  const outcome = await deps.payments.approve({
    rentalId: pending.id,
    customerId: customer.id,
    amount: pending.fee,
    correlationId: cause.correlationId,
  });

  if (outcome.kind === 'approved') {
    const confirm = (rental: Rental, now: Date) => confirmPayment(rental, { paymentId: outcome.paymentId, loanPeriodMs: deps.policy.loanPeriodMs }, now);
    const rented = await settleOrLeaveToSweeper(() => confirmPending(deps, pending, confirm, cause), deps.logger, pending.id);
    if (rented) return rented;
    // The sweeper gave up on this rental while payment was slow (its compensation refunds),
    // or the confirmation could not be written (the sweeper will fail it and refund).
    throw RentalErrors.paymentNotCompleted();
  }
  const failure = outcome.kind === 'declined' ? 'PAYMENT_DECLINED' : 'PAYMENT_FAILED';
  await settleOrLeaveToSweeper(() => endPending(deps, pending, (rental, now) => failPayment(rental, failure, now), cause), deps.logger, pending.id);
  if (outcome.kind === 'declined') throw RentalErrors.paymentDeclined(outcome.reason);
  throw RentalErrors.paymentUnavailable(outcome.retryAfterSeconds);
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

/**
 * Step 1: under the book's lock (`copies.ts`), the aggregate's `startRental` at the replica's
 * fee, stored with one copy taken — the copy reserved for the customer's READY hold on the book
 * when there is one, else a free copy; the customer's active loans are counted under their lock
 * (held to commit) for the limit rule. Five statements with `BEGIN` and `COMMIT` when a free
 * copy is taken.
 * @throws RentalError NOT_FOUND (book not in the replica), LOAN_LIMIT_REACHED, BOOK_NOT_AVAILABLE, ALREADY_RENTED.
 */
async function reserveCopy(uow: UnitOfWork<SqlExecutor>, customerId: string, bookId: string, maxActiveRentals: number, cause: Causation, clock: Clock): Promise<RentalRow> {
  try {
    return await uow.run(async (tx) => {
      const facts = await lockForReservation(tx, bookId, customerId, activeKeyOf(customerId, bookId));
      if (!facts) throw RentalErrors.bookNotFound();
      const { book, activeLoans, hold } = facts;
      const now = clock();
      const decision = startRental({ rentalId: randomUUID(), customerId, book, correlationId: cause.correlationId, activeLoans, maxActiveRentals }, now);
      const claimsHold = hold?.status === 'READY' && hold.customerId === customerId;
      const rental = claimsHold ? await insertRental(tx, decision.rental) : await insertRentalTakingFreeCopy(tx, decision.rental, freeCopies(book) > 0);
      if (!rental || (claimsHold && !(await takeReservedCopy(tx, book, customerId, rental.id, hold)))) throw RentalErrors.bookNotAvailable();
      return { result: rental, events: envelopesOf(decision, cause, now) };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw RentalErrors.alreadyRented();
    throw err;
  }
}

/** A decision about a PENDING_PAYMENT rental (confirm, fail, expire), taken at `now`. */
export type PendingDecision = (pending: Rental, now: Date) => RentalDecision;

/** What settling a pending rental needs: the unit of work, the offer period (a released copy may go to a hold), the clock. */
export type SettleDeps = Pick<RentBookDeps, 'uow' | 'clock'> & { policy: Pick<LendingPolicy, 'holdOfferPeriodMs'> };

/**
 * Applies `decide` to a PENDING_PAYMENT rental, with its events, in one unit of work —
 * conditional on the rental still being pending, so the saga and the sweeper never both end it.
 * @returns the stored rental, or null when it was no longer pending (nothing written).
 */
async function settlePending(deps: SettleDeps, pending: Rental, decide: PendingDecision, cause: Causation): Promise<RentalRow | null> {
  return deps.uow.run(async (tx) => {
    const now = (deps.clock ?? systemClock)();
    const applied = await applyDecision(tx, pending, decide(pending, now), { now, cause, holdOfferPeriodMs: deps.policy.holdOfferPeriodMs });
    return applied ? { result: applied.row, events: applied.events } : { result: null, events: [] };
  });
}

/**
 * {@link settlePending} for an approved payment (`confirmPayment`), on the saga's plain-SQL unit
 * of work (`applyConfirmation`: the update and its `BookRented` in one statement).
 * @returns the stored rental, or null when it was no longer pending (nothing written).
 */
async function confirmPending(deps: RentBookDeps, pending: Rental, decide: PendingDecision, cause: Causation): Promise<RentalRow | null> {
  return (deps.sqlUow ?? deps.uow).run(async (tx) => {
    const now = (deps.clock ?? systemClock)();
    const applied = await applyConfirmation(tx, pending, decide(pending, now), { now, cause, holdOfferPeriodMs: deps.policy.holdOfferPeriodMs });
    return applied ? { result: applied.row, events: applied.events } : { result: null, events: [] };
  });
}

/**
 * Ends a PENDING_PAYMENT rental that could not be paid (`failPayment`, or the sweeper's
 * `expirePending`): PAYMENT_DECLINED / PAYMENT_FAILED, its copy released (back to the READY
 * hold it was taken from, or to the next in line), `RentalPaymentFailed` in the outbox
 * (payment refunds or voids on it). Conditional on the rental still being pending.
 * @returns false when the rental was no longer pending (nothing written).
 */
export async function endPending(deps: SettleDeps, pending: Rental, decide: PendingDecision, cause: Causation): Promise<boolean> {
  return (await settlePending(deps, pending, decide, cause)) !== null;
}
