import type { EventHandlers, Envelope } from '@ebook/events';
import type { ViewTx } from '../db';
import { forward, PAYMENT_STATUS_RANK, RENTAL_STATUS_RANK } from '../domain/projection-rules';

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

/**
 * Applies one event's facts to a rental's row under a row lock (`SELECT ... FOR UPDATE`, so
 * replicas consuming rental and payment topics cannot lose each other's update), creating
 * the row on first sight; statuses only move forward; names come from the view's own tables.
 */
async function applyToRental(tx: ViewTx, event: Envelope, rentalId: string, patch: RowPatch): Promise<void> {
  await tx.$executeRawUnsafe(`INSERT INTO rental_status ("rentalId", status, "updatedAt") VALUES ($1::uuid, 'PENDING_PAYMENT', now()) ON CONFLICT DO NOTHING`, rentalId);
  const [row] = await tx.$queryRawUnsafe<{ status: string; paymentStatus: string | null; bookTitle: string | null; customerName: string | null }[]>(
    `SELECT status, "paymentStatus", "bookTitle", "customerName" FROM rental_status WHERE "rentalId" = $1::uuid FOR UPDATE`,
    rentalId,
  );
  const { status, paymentStatus, ...facts } = patch;
  const bookTitle = row?.bookTitle ?? (patch.bookId ? (await tx.viewBook.findUnique({ where: { id: patch.bookId } }))?.title : undefined);
  const customerName = row?.customerName ?? (patch.customerId ? (await tx.viewCustomer.findUnique({ where: { id: patch.customerId } }))?.name : undefined);
  await tx.rentalStatus.update({
    where: { rentalId },
    data: {
      ...facts,
      status: forward(RENTAL_STATUS_RANK, row?.status, status) ?? 'PENDING_PAYMENT',
      paymentStatus: forward(PAYMENT_STATUS_RANK, row?.paymentStatus, paymentStatus),
      ...(bookTitle ? { bookTitle } : {}),
      ...(customerName ? { customerName } : {}),
      correlationId: event.correlationId,
    },
  });
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
