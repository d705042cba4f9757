import { toEnvelope, type Causation, type Envelope, type SqlExecutor } from '@ebook/events';
import type { BookReplica, Hold as HoldRow } from '../generated/prisma/client';
import { claimOffer, fulfill, offerCopy, releaseClaim, type HoldDecision } from '../domain/hold';
import { availableCopies } from '../domain/rental';
import type { RentalTx } from '../db';

/**
 * The copies of a book and its hold queue, kept in step in one place. A book's replica row
 * (`book_replica`) is the lock of its copies, its loans and its queue: every transaction that
 * moves a copy, ends or pays a rental, or changes a hold of the book locks that row first
 * ({@link lockBook}), and only then writes the rental and hold rows — so a freed copy is
 * offered to exactly one hold, a reserved copy is taken at most once and never lost, whatever
 * returns, rents, cancels and expiries race, and no two transactions wait for each other in a
 * cycle (one book per transaction, always the book first).
 *
 * Copy accounting on the replica: `activeRentals` copies held by loans (PENDING_PAYMENT or
 * RENTED), `reservedCopies` copies reserved for READY holds; free for anyone =
 * `licensedCopies − activeRentals − reservedCopies`.
 */

/** How the copy moves of one decision are recorded: its time, its cause, and the offer period (ms). */
export interface CopyMoveContext {
  now: Date;
  cause: Causation;
  /** `HOLD_OFFER_PERIOD`, ms: how long a copy offered to a hold stays reserved. */
  holdOfferPeriodMs: number;
}

/** Copies a newcomer can rent (the domain's `availableCopies` of the replica row). */
export function freeCopies(book: Pick<BookReplica, 'licensedCopies' | 'activeRentals' | 'reservedCopies'>): number {
  return availableCopies(book.licensedCopies, book.activeRentals, book.reservedCopies);
}

/** `book_replica`'s columns as the Prisma model reads them (a `BookReplica`). */
export const BOOK_COLUMNS = `"bookId"::text AS "bookId", title, "rentalFee", "licensedCopies", "activeRentals", "reservedCopies", "updatedAt"`;

/** `hold`'s columns as the Prisma model reads them (a `Hold` row), of the table or alias `h`. */
export const HOLD_COLUMNS = (h = 'hold') =>
  `${h}.id::text AS id, ${h}.seq, ${h}."bookId"::text AS "bookId", ${h}."customerId"::text AS "customerId", ${h}.status::text AS status, ${h}."autoRent", ${h}."placedAt", ` +
  `${h}."readyAt", ${h}."readyUntil", ${h}."endedAt", ${h}."rentalId"::text AS "rentalId", ${h}."autoRentTriedAt", ${h}."activeKey", ${h}."correlationId", ${h}."updatedAt"`;

/**
 * Locks the book's replica row until `tx` ends and reads it, in one statement
 * (`SELECT … FOR UPDATE`; locking it again in the same transaction is free). Plain SQL: runs on
 * a Prisma transaction and on a `PlainSql` one.
 * @returns the row, or null for a book not in the replica.
 */
export async function lockBook(tx: SqlExecutor, bookId: string): Promise<BookReplica | null> {
  const [book] = await tx.$queryRawUnsafe<BookReplica[]>(`SELECT ${BOOK_COLUMNS} FROM book_replica WHERE "bookId" = $1::uuid FOR UPDATE`, bookId);
  return book ?? null;
}

/** The active hold (WAITING, SUSPENDED, READY) of `activeKey` (customer:book), or null. One statement. */
export async function findActiveHold(tx: SqlExecutor, activeKey: string): Promise<HoldRow | null> {
  const [hold] = await tx.$queryRawUnsafe<HoldRow[]>(`SELECT ${HOLD_COLUMNS()} FROM hold WHERE "activeKey" = $1`, activeKey);
  return hold ?? null;
}

/** A hold decision's events as envelopes of the hold (aggregate id = hold id). */
export function holdEnvelopes(decision: HoldDecision, cause: Causation, now: Date): Envelope[] {
  return decision.events.map((e) => toEnvelope(decision.hold.id, e, cause, now));
}

/** The cause of a decision the system takes on a hold (offer, expiry): the request that placed it. */
export function holdCause(hold: Pick<HoldRow, 'id' | 'correlationId'>): Causation {
  return { correlationId: hold.correlationId ?? `hold-${hold.id}` };
}

/**
 * Writes a hold decision conditionally on the hold being as it was read (`status`, `rentalId`).
 * @returns true when written, false when the hold had changed meanwhile (nothing written).
 */
export async function applyHoldDecision(tx: SqlExecutor, before: Pick<HoldRow, 'id' | 'status' | 'rentalId'>, decision: HoldDecision): Promise<boolean> {
  const h = decision.hold;
  const written = await tx.$executeRawUnsafe(
    `UPDATE hold SET status = $4::"HoldState", "readyAt" = $5::timestamp(3), "readyUntil" = $6::timestamp(3), "endedAt" = $7::timestamp(3), "rentalId" = $8::uuid,
       "activeKey" = $9, "updatedAt" = $10::timestamp(3)
     WHERE id = $1::uuid AND status = $2::"HoldState" AND "rentalId" IS NOT DISTINCT FROM $3::uuid`,
    before.id,
    before.status,
    before.rentalId,
    h.status,
    h.readyAt,
    h.readyUntil,
    h.endedAt,
    h.rentalId,
    h.activeKey,
    new Date(),
  );
  return written === 1;
}

/**
 * Offers the book's free copies to its first WAITING holds in queue order (suspended holds are
 * skipped): each becomes READY until now + the offer period and its copy is reserved
 * (`reservedCopies` + 1). The caller holds the book's lock ({@link lockBook}).
 * @returns the `HoldReady` envelopes (none when no copy is free or nobody waits).
 */
export async function offerFreeCopies(tx: RentalTx, book: BookReplica, at: CopyMoveContext): Promise<Envelope[]> {
  const free = freeCopies(book);
  if (free === 0) return [];
  const next = await tx.hold.findMany({ where: { bookId: book.bookId, status: 'WAITING' }, orderBy: { seq: 'asc' }, take: free });
  const events: Envelope[] = [];
  for (const hold of next) {
    const decision = offerCopy(hold, at.now, at.holdOfferPeriodMs);
    if (!(await applyHoldDecision(tx, hold, decision))) continue;
    await tx.bookReplica.update({ where: { bookId: book.bookId }, data: { reservedCopies: { increment: 1 } } });
    events.push(...holdEnvelopes(decision, holdCause(hold), at.now));
  }
  return events;
}

/**
 * A copy held by rental `rentalId` is given back (the loan ended: canceled, returned, expired,
 * never paid). Under the book's lock (`book` as {@link lockBook} read it): when the rental was taking a READY hold's reserved copy
 * and was not paid, the copy goes back to that hold (READY again, same deadline); otherwise it
 * is freed and offered to the first WAITING hold ({@link offerFreeCopies}).
 * @returns the hold events this caused (`HoldReady`), as envelopes.
 */
export async function releaseCopy(tx: RentalTx, book: BookReplica, rentalId: string, at: CopyMoveContext): Promise<Envelope[]> {
  const claimed = await tx.hold.findFirst({ where: { rentalId, status: 'READY' } });
  if (claimed) {
    await applyHoldDecision(tx, claimed, releaseClaim(claimed, rentalId));
    const back = await tx.bookReplica.update({
      where: { bookId: book.bookId },
      data: { activeRentals: { decrement: book.activeRentals > 0 ? 1 : 0 }, reservedCopies: { increment: 1 } },
    });
    return offerFreeCopies(tx, back, at); // nothing, unless the counters had drifted
  }
  const freed = await tx.bookReplica.update({ where: { bookId: book.bookId }, data: { activeRentals: { decrement: book.activeRentals > 0 ? 1 : 0 } } });
  return offerFreeCopies(tx, freed, at);
}

/**
 * A copy reserved for a READY hold is given up (the hold was canceled or its offer expired):
 * `reservedCopies` − 1 and the copy is offered to the next WAITING hold. The caller holds the
 * book's lock and has written the hold's decision.
 * @returns the book as it is now and the `HoldReady` envelopes of the next in line.
 */
export async function giveUpReservedCopy(tx: RentalTx, book: BookReplica, at: CopyMoveContext): Promise<{ book: BookReplica; events: Envelope[] }> {
  const freed = await tx.bookReplica.update({
    where: { bookId: book.bookId },
    data: { reservedCopies: { decrement: book.reservedCopies > 0 ? 1 : 0 } },
  });
  const events = await offerFreeCopies(tx, freed, at);
  return { book: events.length > 0 ? await tx.bookReplica.findUniqueOrThrow({ where: { bookId: book.bookId } }) : freed, events };
}

/**
 * Takes the copy reserved for the customer's READY hold on the book (`hold`, as
 * {@link findActiveHold} read it under the book's lock) for a new PENDING_PAYMENT rental: the
 * hold records the rental ({@link claimOffer}), `reservedCopies` − 1, `activeRentals` + 1.
 * A free copy is taken with the rental's insert (`insertRentalTakingFreeCopy`, one statement).
 * @returns false when `hold` is not the customer's READY hold (nothing written).
 */
export async function takeReservedCopy(tx: SqlExecutor, book: BookReplica, customerId: string, rentalId: string, hold: HoldRow | null): Promise<boolean> {
  if (hold?.status !== 'READY' || hold.customerId !== customerId) return false;
  await applyHoldDecision(tx, hold, claimOffer(hold, rentalId));
  await tx.$executeRawUnsafe(
    `UPDATE book_replica SET "activeRentals" = "activeRentals" + 1, "reservedCopies" = "reservedCopies" - $2, "updatedAt" = $3::timestamp(3) WHERE "bookId" = $1::uuid`,
    book.bookId,
    book.reservedCopies > 0 ? 1 : 0,
    new Date(),
  );
  return true;
}

/**
 * The rental `rentalId` of `activeKey` (customer:book) was paid: the customer's active hold on
 * the book, if any, is FULFILLED — the READY one whose reserved copy it took, or a WAITING /
 * SUSPENDED one made moot by renting a free copy. The caller holds the book's lock.
 * @returns the `HoldFulfilled` envelopes.
 */
export async function fulfillHoldOf(tx: SqlExecutor, activeKey: string, rentalId: string, at: Pick<CopyMoveContext, 'now' | 'cause'>): Promise<Envelope[]> {
  const hold = await findActiveHold(tx, activeKey);
  if (!hold || (hold.status === 'READY' && hold.rentalId !== rentalId)) return [];
  const decision = fulfill(hold, rentalId, at.now);
  if (!(await applyHoldDecision(tx, hold, decision))) return [];
  return holdEnvelopes(decision, at.cause, at.now);
}
