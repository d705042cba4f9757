import { toEnvelope, type Causation, type Envelope } from '@ebook/events';
import type { Prisma, Rental as RentalRow } from '../generated/prisma/client';
import { holdsCopy, type Rental, type RentalDecision } from '../domain/rental';
import type { RentalTx } from '../db';

/**
 * Persistence of the rental aggregate: applies a decision of `domain/rental.ts` to table
 * `rental` atomically, and keeps the replica's held-copy counter in step with it.
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
  return Object.fromEntries(
    Object.entries(columnsOf(after)).filter(([column, value]) => column === 'status' || !sameValue(value, old[column as keyof typeof old])),
  ) as Partial<ReturnType<typeof columnsOf>>;
}

/**
 * Applies `decision` to the rental that was `before` — conditionally: only while the stored
 * status is still `before.status`, so of two concurrent commands on one rental only one
 * applies — writing only the columns the decision changed. When the rental stops holding a copy,
 * the copy is freed in the same transaction.
 * `alsoWhere` adds conditions (e.g. `dueSoonNotifiedAt: null` for a once-only notice that keeps
 * the status).
 * @returns the stored row, or null when the rental had changed meanwhile (nothing written).
 */
export async function applyDecision(tx: RentalTx, before: Rental, decision: RentalDecision, alsoWhere: Prisma.RentalWhereInput = {}): Promise<RentalRow | null> {
  const [row] = await tx.rental.updateManyAndReturn({
    where: { ...alsoWhere, id: before.id, status: before.status },
    data: changedColumns(before, decision.rental),
  });
  if (!row) return null;
  if (holdsCopy(before.status) && !holdsCopy(decision.rental.status)) await freeCopy(tx, before.bookId);
  return row;
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
