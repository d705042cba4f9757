import type { EventHandlers, Envelope } from '@ebook/events';
import type { ViewTx } from '../db';
import { PAYMENT_STATUS_RANK, RENTAL_STATUS_RANK } from '../domain/projection-rules';

/** Fields an event may set on a row. */
interface RowPatch {
  status?: string;
  paymentStatus?: string;
  bookId?: string;
  customerId?: string;
  fee?: number;
  rentedAt?: Date;
  dueAt?: Date;
  returnedAt?: Date;
  canceledAt?: Date;
  renewals?: number;
}

/** `CASE` of a status column's rank (unknown statuses rank -1, as in `forward` of the projection rules); built from the constant rank tables only. */
function rankSql(column: string, ranks: Record<string, number>): string {
  return `(CASE ${column} ${Object.entries(ranks)
    .map(([status, rank]) => `WHEN '${status}' THEN ${rank}`)
    .join(' ')} ELSE -1 END)`;
}

/**
 * The projection's one statement per event: creates the rental's row on first sight or updates
 * it in place (`INSERT ... ON CONFLICT DO UPDATE`, which locks the row, so replicas consuming
 * rental and payment topics cannot lose each other's update). In
 * SQL (the rules of `forward` in `../domain/projection-rules`): `status` and `paymentStatus` only move forward by rank; the facts an event carries
 * replace the row's, absent ones keep it; `renewals` only grows; the book's title and the
 * customer's name come from the view's own tables while the row has none.
 */
const UPSERT_RENTAL = `INSERT INTO rental_status AS r
    ("rentalId", status, "paymentStatus", "bookId", "customerId", fee, "rentedAt", "dueAt", "returnedAt", "canceledAt", renewals, "bookTitle", "customerName", "correlationId", "updatedAt")
  VALUES ($1::uuid, $2, $3, $4::uuid, $5::uuid, $6::int,
    $7::timestamptz AT TIME ZONE 'UTC', $8::timestamptz AT TIME ZONE 'UTC', $9::timestamptz AT TIME ZONE 'UTC', $10::timestamptz AT TIME ZONE 'UTC', COALESCE($11::int, 0),
    (SELECT title FROM view_book WHERE id = $4::uuid), (SELECT name FROM view_customer WHERE id = $5::uuid), $12, clock_timestamp() AT TIME ZONE 'UTC')
  ON CONFLICT ("rentalId") DO UPDATE SET
    status = CASE WHEN ${rankSql('EXCLUDED.status', RENTAL_STATUS_RANK)} > ${rankSql('r.status', RENTAL_STATUS_RANK)} THEN EXCLUDED.status ELSE r.status END,
    "paymentStatus" = CASE
      WHEN EXCLUDED."paymentStatus" IS NULL THEN r."paymentStatus"
      WHEN r."paymentStatus" IS NULL THEN EXCLUDED."paymentStatus"
      WHEN ${rankSql('EXCLUDED."paymentStatus"', PAYMENT_STATUS_RANK)} > ${rankSql('r."paymentStatus"', PAYMENT_STATUS_RANK)} THEN EXCLUDED."paymentStatus"
      ELSE r."paymentStatus" END,
    "bookId" = COALESCE(EXCLUDED."bookId", r."bookId"),
    "customerId" = COALESCE(EXCLUDED."customerId", r."customerId"),
    fee = COALESCE(EXCLUDED.fee, r.fee),
    "rentedAt" = COALESCE(EXCLUDED."rentedAt", r."rentedAt"),
    "dueAt" = COALESCE(EXCLUDED."dueAt", r."dueAt"),
    "returnedAt" = COALESCE(EXCLUDED."returnedAt", r."returnedAt"),
    "canceledAt" = COALESCE(EXCLUDED."canceledAt", r."canceledAt"),
    renewals = GREATEST(r.renewals, EXCLUDED.renewals),
    "bookTitle" = COALESCE(r."bookTitle", EXCLUDED."bookTitle"),
    "customerName" = COALESCE(r."customerName", EXCLUDED."customerName"),
    "correlationId" = EXCLUDED."correlationId",
    "updatedAt" = EXCLUDED."updatedAt"`;

/** Applies one event's facts to a rental's row in one statement ({@link UPSERT_RENTAL}). */
async function applyToRental(tx: ViewTx, event: Envelope, rentalId: string, patch: RowPatch): Promise<void> {
  const iso = (d: Date | undefined) => d?.toISOString() ?? null;
  await tx.$executeRawUnsafe(
    UPSERT_RENTAL,
    rentalId,
    patch.status ?? 'PENDING_PAYMENT',
    patch.paymentStatus ?? null,
    patch.bookId ?? null,
    patch.customerId ?? null,
    patch.fee ?? null,
    iso(patch.rentedAt),
    iso(patch.dueAt),
    iso(patch.returnedAt),
    iso(patch.canceledAt),
    patch.renewals ?? null,
    event.correlationId,
  );
}

/** The projection's handlers (consumer group `rental-view.projection`). */
export const projectionHandlers: EventHandlers<ViewTx> = {
  UserRegistered: async (e, tx) => {
    const { userId, name } = e.data;
    await tx.viewCustomer.upsert({ where: { id: userId }, create: { id: userId, name }, update: { name } });
    await tx.rentalStatus.updateMany({ where: { customerId: userId }, data: { customerName: name } });
  },
  BookRegistered: async (e, tx) => {
    const { bookId, title } = e.data;
    await tx.viewBook.upsert({ where: { id: bookId }, create: { id: bookId, title }, update: { title } });
    await tx.rentalStatus.updateMany({ where: { bookId }, data: { bookTitle: title } });
  },
  BookRented: async (e, tx) => {
    const d = e.data;
    await applyToRental(tx, e, d.rentalId, {
      status: 'RENTED',
      paymentStatus: 'APPROVED',
      bookId: d.bookId,
      customerId: d.customerId,
      fee: d.fee,
      rentedAt: new Date(d.rentedAt),
      dueAt: new Date(d.dueAt),
    });
  },
  RentalCanceled: async (e, tx) => {
    const d = e.data;
    await applyToRental(tx, e, d.rentalId, { status: 'CANCELED', bookId: d.bookId, customerId: d.customerId, canceledAt: new Date(d.canceledAt) });
  },
  BookReturned: async (e, tx) => {
    const d = e.data;
    await applyToRental(tx, e, d.rentalId, { status: 'RETURNED', bookId: d.bookId, customerId: d.customerId, returnedAt: new Date(d.returnedAt) });
  },
  // Only RentalExpired makes a row EXPIRED (never inferred from dueAt): the rental context decides expiry.
  RentalExpired: async (e, tx) => {
    const d = e.data;
    await applyToRental(tx, e, d.rentalId, { status: 'EXPIRED', bookId: d.bookId, customerId: d.customerId, dueAt: new Date(d.dueAt) });
  },
  RentalPaymentFailed: async (e, tx) => {
    const d = e.data;
    await applyToRental(tx, e, d.rentalId, {
      status: d.reason === 'PAYMENT_DECLINED' ? 'PAYMENT_DECLINED' : 'PAYMENT_FAILED',
      bookId: d.bookId,
      customerId: d.customerId,
      fee: d.fee,
    });
  },
  // A renewal moves the due date; `renewals` only grows (a renewal is applied once per number).
  RentalRenewed: async (e, tx) => {
    const d = e.data;
    await applyToRental(tx, e, d.rentalId, { bookId: d.bookId, customerId: d.customerId, dueAt: new Date(d.dueAt), renewals: d.renewals });
  },
  // The row's paymentStatus is the rent's own payment: charges of renewals (renewalId set) are not projected.
  PaymentApproved: async (e, tx) => {
    if (e.data.renewalId) return;
    await applyToRental(tx, e, e.data.rentalId, { paymentStatus: 'APPROVED', customerId: e.data.customerId, fee: e.data.amount });
  },
  PaymentDeclined: async (e, tx) => {
    if (e.data.renewalId) return;
    await applyToRental(tx, e, e.data.rentalId, { paymentStatus: 'DECLINED', customerId: e.data.customerId, fee: e.data.amount });
  },
  PaymentRefunded: async (e, tx) => {
    if (e.data.renewalId) return;
    await applyToRental(tx, e, e.data.rentalId, { paymentStatus: 'REFUNDED', customerId: e.data.customerId });
  },
};
