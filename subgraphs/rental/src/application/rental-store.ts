import { noteOutboxWrite, outboxInsert, toEnvelope, type Causation, type Envelope, type SqlExecutor } from '@ebook/events';
import type { BookReplica, Hold as HoldRow, Prisma, Rental as RentalRow } from '../generated/prisma/client';
import { holdsCopy, type Rental, type RentalDecision } from '../domain/rental';
import type { RentalTx } from '../db';
import { BOOK_COLUMNS, HOLD_COLUMNS, fulfillHoldOf, lockBook, releaseCopy, type CopyMoveContext } from './copies';

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

/** `rental`'s columns as the Prisma model reads them (a `Rental` row). */
const RENTAL_COLUMNS =
  `id::text AS id, "bookId"::text AS "bookId", "customerId"::text AS "customerId", status::text AS status, fee, "activeKey", "paymentId"::text AS "paymentId", "rentedAt", "dueAt", ` +
  `"returnedAt", "canceledAt", "expiredAt", "dueSoonNotifiedAt", "correlationId", renewals, "pendingRenewalId"::text AS "pendingRenewalId", "updatedAt"`;

/** The `INSERT INTO rental … RETURNING` of a new rental (parameters `$1`–`$17`). */
const INSERT_RENTAL = `INSERT INTO rental (id, "bookId", "customerId", "correlationId", renewals, "pendingRenewalId", status, fee, "activeKey", "paymentId", "rentedAt", "dueAt",
    "returnedAt", "canceledAt", "expiredAt", "dueSoonNotifiedAt", "updatedAt")
  VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::uuid, $7::"RentalState", $8, $9, $10::uuid, $11::timestamp(3), $12::timestamp(3),
    $13::timestamp(3), $14::timestamp(3), $15::timestamp(3), $16::timestamp(3), $17::timestamp(3))
  RETURNING ${RENTAL_COLUMNS}`;

const insertValues = (r: Rental) => [
  r.id,
  r.bookId,
  r.customerId,
  r.correlationId,
  r.renewals,
  r.pendingRenewalId,
  r.status,
  r.fee,
  r.activeKey,
  r.paymentId,
  r.rentedAt,
  r.dueAt,
  r.returnedAt,
  r.canceledAt,
  r.expiredAt,
  r.dueSoonNotifiedAt,
  new Date(),
];

/** Inserts a new rental (one statement). @throws a unique violation (`isUniqueViolation`) when the customer already holds an active rental of the book (`activeKey`). */
export async function insertRental(tx: SqlExecutor, rental: Rental): Promise<RentalRow> {
  const [row] = await tx.$queryRawUnsafe<RentalRow[]>(INSERT_RENTAL, ...insertValues(rental));
  return row!;
}

/**
 * Inserts a new rental and takes a free copy for it (`activeRentals` + 1), in one statement;
 * the caller holds the book's lock and has decided whether a copy is free (`copyFree`). The
 * insert runs either way, so an active rental of the same book is refused first (as a unique
 * violation), as when the two were separate statements.
 * @returns the stored rental, or null when no copy was free (the caller rolls back).
 * @throws a unique violation (`isUniqueViolation`) when the customer already holds an active rental of the book.
 */
export async function insertRentalTakingFreeCopy(tx: SqlExecutor, rental: Rental, copyFree: boolean): Promise<RentalRow | null> {
  const [row] = await tx.$queryRawUnsafe<(RentalRow & { took: number })[]>(
    `WITH taken AS (
       UPDATE book_replica SET "activeRentals" = "activeRentals" + 1, "updatedAt" = $17::timestamp(3) WHERE "bookId" = $2::uuid AND $18::boolean RETURNING 1
     ), inserted AS (${INSERT_RENTAL})
     SELECT inserted.*, (SELECT count(*)::int FROM taken) AS took FROM inserted`,
    ...insertValues(rental),
    copyFree,
  );
  if (!row || row.took === 0) return null;
  const { took: _took, ...stored } = row;
  return stored;
}

/** Lock namespace (first key of `pg_advisory_xact_lock(int, int)`) of the per-customer loan lock. */
const CUSTOMER_LOANS_LOCK = 0x4c4f414e; // "LOAN"

/** What a reservation decides on, read under its locks: the book, the customer's active loans, their active hold on the book. */
export interface ReservationFacts {
  book: BookReplica;
  /** Rentals of the customer holding a copy (PENDING_PAYMENT or RENTED). */
  activeLoans: number;
  /** The customer's active hold on the book, or null. */
  hold: HoldRow | null;
}

/**
 * Takes a reservation's locks and reads what it decides on, in two statements: the book's row
 * lock (`lockBook`) then the customer's loan lock ({@link CUSTOMER_LOANS_LOCK}, held to commit:
 * two reservations of one customer run one after the other) in one; then — in a statement of
 * its own, so that its snapshot is taken after both locks (READ COMMITTED) and sees the rental a
 * reservation that held the lock committed — the customer's active loans and their active hold
 * on the book.
 * @returns the facts, or null for a book not in the replica (no customer lock taken).
 */
export async function lockForReservation(tx: SqlExecutor, bookId: string, customerId: string, activeKey: string): Promise<ReservationFacts | null> {
  // The CTE is materialized: the book row is locked before the outer row takes the customer's lock (the lock order of copies.ts: the book first).
  const [locked] = await tx.$queryRawUnsafe<(BookReplica & { customerLock: string })[]>(
    `WITH book AS MATERIALIZED (SELECT ${BOOK_COLUMNS} FROM book_replica WHERE "bookId" = $1::uuid FOR UPDATE)
     SELECT book.*, pg_advisory_xact_lock($2::int, hashtext($3))::text AS "customerLock" FROM book`,
    bookId,
    CUSTOMER_LOANS_LOCK,
    customerId,
  );
  if (!locked) return null;
  const { customerLock: _lock, ...book } = locked;
  const [facts] = await tx.$queryRawUnsafe<(HoldRow & { activeLoans: number })[]>(
    `SELECT (SELECT count(*)::int FROM rental WHERE "customerId" = $1::uuid AND status IN ('PENDING_PAYMENT', 'RENTED')) AS "activeLoans", ${HOLD_COLUMNS('h')}
     FROM (SELECT 1) AS one LEFT JOIN hold h ON h."activeKey" = $2`,
    customerId,
    activeKey,
  );
  const { activeLoans, ...hold } = facts!;
  return { book, activeLoans, hold: hold.id ? hold : null };
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

/** SQL type of each column a decision writes (see `columnsOf`). */
const COLUMN_TYPES: Record<keyof ReturnType<typeof columnsOf>, string> = {
  status: '"RentalState"',
  fee: 'int',
  activeKey: 'text',
  paymentId: 'uuid',
  rentedAt: 'timestamp(3)',
  dueAt: 'timestamp(3)',
  returnedAt: 'timestamp(3)',
  canceledAt: 'timestamp(3)',
  expiredAt: 'timestamp(3)',
  dueSoonNotifiedAt: 'timestamp(3)',
};

/**
 * {@link applyDecision} for the rent saga's last step when payment approved (PENDING_PAYMENT →
 * RENTED, `confirmPayment`), in two statements instead of five: the book's lock; then, in one,
 * the rental's conditional update (only the changed columns, only while it is still
 * `before.status`), its events' outbox insert (only when the update applied) and a look for the
 * customer's active hold on the book. A hold found (rare) is fulfilled as `applyDecision` does,
 * its events returned for the caller to append. Plain SQL: runs on a Prisma transaction and on
 * a `PlainSql` one.
 * @returns the stored row with the hold events it caused (the decision's own are written), or null when the rental had changed meanwhile (nothing written).
 */
export async function applyConfirmation(tx: SqlExecutor, before: Rental, decision: RentalDecision, at: CopyMoveContext): Promise<AppliedDecision | null> {
  await lockBook(tx, before.bookId); // the lock order of copies.ts: the book, then its rentals and holds
  const changed = Object.entries(changedColumns(before, decision.rental)) as [keyof typeof COLUMN_TYPES, unknown][];
  const values: unknown[] = [before.id, before.status, before.activeKey, new Date(), ...changed.map(([, v]) => v)];
  const sets = changed.map(([column], i) => `"${column}" = $${i + 5}::${COLUMN_TYPES[column]}`).join(', ');
  const events = envelopesOf(decision, at.cause, at.now);
  const append = events.length > 0 ? outboxInsert(events, values.length + 1, 'EXISTS (SELECT 1 FROM updated)') : undefined;
  const [row] = await tx.$queryRawUnsafe<(RentalRow & { heldBy: string | null })[]>(
    `WITH updated AS (UPDATE rental SET ${sets}, "updatedAt" = $4::timestamp(3) WHERE id = $1::uuid AND status = $2::"RentalState" RETURNING *)
     ${append ? `, appended AS (${append.sql})` : ''}
     SELECT ${RENTAL_COLUMNS}, (SELECT h.id::text FROM hold h WHERE h."activeKey" = $3) AS "heldBy" FROM updated`,
    ...values,
    ...(append?.values ?? []),
  );
  if (!row) return null;
  if (append) noteOutboxWrite(tx);
  const { heldBy, ...stored } = row;
  const holdEvents = heldBy && before.activeKey && decision.rental.status === 'RENTED' ? await fulfillHoldOf(tx, before.activeKey, before.id, at) : [];
  return { row: stored, events: holdEvents };
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

/** The decision's events as envelopes of the rental (aggregate id = rental id), occurred at `now`. */
export function envelopesOf(decision: RentalDecision, cause: Causation, now: Date): Envelope[] {
  return decision.events.map((e) => toEnvelope(decision.rental.id, e, cause, now));
}
