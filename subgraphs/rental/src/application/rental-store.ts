import { toEnvelope, type Causation, type Envelope } from '@ebook/events';
import type { Prisma, Rental as RentalRow } from '../generated/prisma/client';
import { holdsCopy, type Rental, type RentalDecision } from '../domain/rental';
import type { RentalTx } from '../db';

/**
 * Persistence of the rental aggregate: applies a decision of `domain/rental.ts` to table
 * `rental` atomically, and keeps the replica's held-copy counter in step with it.
 */

/** The columns a decision writes. */
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
    data: { id: rental.id, bookId: rental.bookId, customerId: rental.customerId, correlationId: rental.correlationId, ...columnsOf(rental) },
  });
}

/**
 * Applies `decision` to the rental that was `before` — conditionally: only while the stored
 * status is still `before.status`, so of two concurrent commands on one rental only one
 * applies. When the rental stops holding a copy, the copy is freed in the same transaction.
 * `alsoWhere` adds conditions (e.g. `dueSoonNotifiedAt: null` for a once-only notice that keeps
 * the status).
 * @returns the stored row, or null when the rental had changed meanwhile (nothing written).
 */
export async function applyDecision(tx: RentalTx, before: Rental, decision: RentalDecision, alsoWhere: Prisma.RentalWhereInput = {}): Promise<RentalRow | null> {
  const [row] = await tx.rental.updateManyAndReturn({
    where: { ...alsoWhere, id: before.id, status: before.status },
    data: columnsOf(decision.rental),
  });
  if (!row) return null;
  if (holdsCopy(before.status) && !holdsCopy(decision.rental.status)) await freeCopy(tx, before.bookId);
  return row;
}

/** Frees the copy held by a rental that ends (payment failure, cancel, return): held count − 1, never below 0. */
export async function freeCopy(tx: RentalTx, bookId: string): Promise<void> {
  await tx.bookReplica.updateMany({ where: { bookId, activeRentals: { gt: 0 } }, data: { activeRentals: { decrement: 1 } } });
}

/**
 * Takes one copy of a book: held count + 1, guarded by `activeRentals < licensedCopies` in the
 * UPDATE itself, so two customers can never take the last copy together.
 * @returns false when every licensed copy is held (nothing written).
 */
export async function takeCopy(tx: RentalTx, bookId: string): Promise<boolean> {
  const taken = await tx.bookReplica.updateMany({
    where: { bookId, activeRentals: { lt: tx.bookReplica.fields.licensedCopies } },
    data: { activeRentals: { increment: 1 } },
  });
  return taken.count > 0;
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
