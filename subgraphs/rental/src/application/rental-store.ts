import { toEnvelope, type Causation, type Envelope } from '@ebook/events';
import type { Prisma, Rental as RentalRow } from '../generated/prisma/client';
import { holdsCopy, type Rental, type RentalDecision } from '../domain/rental';
import type { RentalTx } from '../db';
import { fulfillHoldOf, lockBook, releaseCopy, type CopyMoveContext } from './copies';

/**
 * Persistence of the rental aggregate: applies a decision of `domain/rental.ts` to table
 * `rental` atomically, and keeps the book's copies and holds in step with it (`copies.ts`).
 */

/**
 * The columns a decision writes. `renewals` and `pendingRenewalId` are left out: only the
 * renewal steps write them ({@link applyRenewalStep}), under their own guard, so a concurrent
 * cancel / return / schedule decision taken on an older read can never undo a renewal.
 */
function columnsOf(rental: Rental) {
  return {
    status: rental.status,
    fee: rental.fee,
    activeKey: rental.activeKey,
    paymentId: rental.paymentId,
    rentedAt: rental.rentedAt,
    dueAt: rental.dueAt,
    returnedAt: rental.returnedAt,
    canceledAt: rental.canceledAt,
    expiredAt: rental.expiredAt,
    dueSoonNotifiedAt: rental.dueSoonNotifiedAt,
  };
}

/** Inserts a new rental. @throws Prisma P2002 when the customer already holds an active rental of the book (`activeKey`). */
export async function insertRental(tx: RentalTx, rental: Rental): Promise<RentalRow> {
  return tx.rental.create({
    data: {
      id: rental.id,
      bookId: rental.bookId,
      customerId: rental.customerId,
      correlationId: rental.correlationId,
      renewals: rental.renewals,
      pendingRenewalId: rental.pendingRenewalId,
      ...columnsOf(rental),
    },
  });
}

/** Equal column values (dates by instant). */
const sameValue = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

/**
 * The columns a decision changed (`status` always, as the guarded one), so a decision taken on
 * an older read writes only what it decided — never back a column another command changed since
 * (e.g. the `dueAt` of a renewal that committed between a cancel's read and its write).
 */
function changedColumns(before: Rental, after: Rental) {
  const old = columnsOf(before);
  return Object.fromEntries(Object.entries(columnsOf(after)).filter(([column, value]) => column === 'status' || !sameValue(value, old[column as keyof typeof old]))) as Partial<
    ReturnType<typeof columnsOf>
  >;
}

/** A decision as written: the stored row, and every event to record with it (the rental's, then the holds' it caused). */
export interface AppliedDecision {
  row: RentalRow;
  events: Envelope[];
}

/**
 * Applies `decision` to the rental that was `before` — under the book's lock (taken first, the
 * lock order of `copies.ts`), conditionally: only while the stored status is still
 * `before.status`, so of two concurrent commands on one rental only one applies — writing only
 * the columns the decision changed, and keeps the book's copies and
 * holds in step in the same transaction (`copies.ts`): when the rental stops holding a copy the
 * copy is released (back to the READY hold it was taken from, or offered to the next WAITING
 * hold, or freed); when it is paid (PENDING_PAYMENT → RENTED) the customer's hold on the book is
 * fulfilled.
 * `alsoWhere` adds conditions (e.g. `dueSoonNotifiedAt: null` for a once-only notice that keeps
 * the status).
 * @returns the stored row with the decision's events then the hold events it caused (envelopes
 *   at `at.now`, cause `at.cause`), or null when the rental had changed meanwhile (nothing written).
 */
export async function applyDecision(
  tx: RentalTx,
  before: Rental,
  decision: RentalDecision,
  at: CopyMoveContext,
  alsoWhere: Prisma.RentalWhereInput = {},
): Promise<AppliedDecision | null> {
  const book = await lockBook(tx, before.bookId); // the lock order of copies.ts: the book, then its rentals and holds
  const [row] = await tx.rental.updateManyAndReturn({
    where: { ...alsoWhere, id: before.id, status: before.status },
    data: changedColumns(before, decision.rental),
  });
  if (!row) return null;
  const events = envelopesOf(decision, at.cause, at.now);
  if (book && holdsCopy(before.status) && !holdsCopy(decision.rental.status)) events.push(...(await releaseCopy(tx, book, before.id, at)));
  if (book && before.status === 'PENDING_PAYMENT' && decision.rental.status === 'RENTED' && before.activeKey) {
    events.push(...(await fulfillHoldOf(tx, before.activeKey, before.id, at)));
  }
  return { row, events };
}

/**
 * Applies a renewal step (`startRenewal`, `completeRenewal`, `abandonRenewal`) to the rental
 * that was `before` — conditionally: only while the stored `status`, `dueAt`, `renewals` and
 * `pendingRenewalId` are still those of `before` (for `abandonRenewal` on a loan that ended
 * meanwhile, only `pendingRenewalId`: see `guard`), so two renewals never both start and a
 * renewal never applies over a change it did not see. Writes `dueAt`, `dueSoonNotifiedAt`,
 * `renewals`, `pendingRenewalId` (guard `'pending'`: `pendingRenewalId` only).
 * @param guard `'whole'` (default): status, dueAt, renewals and pendingRenewalId must be
 *   unchanged; `'pending'`: only pendingRenewalId.
 * @returns the stored row, or null when the rental had changed meanwhile (nothing written).
 */
export async function applyRenewalStep(tx: RentalTx, before: Rental, decision: RentalDecision, guard: 'whole' | 'pending' = 'whole'): Promise<RentalRow | null> {
  const where: Prisma.RentalWhereInput =
    guard === 'whole'
      ? { id: before.id, status: before.status, dueAt: before.dueAt, renewals: before.renewals, pendingRenewalId: before.pendingRenewalId }
      : { id: before.id, pendingRenewalId: before.pendingRenewalId };
  const after = decision.rental;
  const [row] = await tx.rental.updateManyAndReturn({
    where,
    data:
      guard === 'whole'
        ? { dueAt: after.dueAt, dueSoonNotifiedAt: after.dueSoonNotifiedAt, renewals: after.renewals, pendingRenewalId: after.pendingRenewalId }
        : { pendingRenewalId: after.pendingRenewalId },
  });
  return row ?? null;
}

/** Lock namespace (first key of `pg_advisory_xact_lock(int, int)`) of the per-customer loan lock. */
const CUSTOMER_LOANS_LOCK = 0x4c4f414e; // "LOAN"

/**
 * Counts the customer's active loans (PENDING_PAYMENT or RENTED) under a per-customer
 * transaction-scoped advisory lock, held until `tx` commits or rolls back: two reservations of
 * one customer run one after the other, so the second counts the first's rental (READ
 * COMMITTED: each statement sees what committed before it). Other customers are not blocked
 * (a hash collision only makes two customers wait for each other).
 * @returns the number of active loans.
 */
export async function lockAndCountActiveLoans(tx: RentalTx, customerId: string): Promise<number> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CUSTOMER_LOANS_LOCK}::int, hashtext(${customerId}))`;
  return tx.rental.count({ where: { customerId, status: { in: ['PENDING_PAYMENT', 'RENTED'] } } });
}

/** The decision's events as envelopes of the rental (aggregate id = rental id), occurred at `now`. */
export function envelopesOf(decision: RentalDecision, cause: Causation, now: Date): Envelope[] {
  return decision.events.map((e) => toEnvelope(decision.rental.id, e, cause, now));
}
