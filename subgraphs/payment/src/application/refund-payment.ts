import { randomUUID } from 'node:crypto';
import type { Causation, UnitOfWork } from '@ebook/events';
import type { Payment } from '../generated/prisma/client';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { isRefundable, refund, voidRental } from '../domain/payment';
import { envelopesOf, insertPayment, updatePayment } from './payment-store';

/** What refunds and compensations need. */
export interface RefundDeps {
  /** A unit of work; event handlers pass `joinTransaction(tx)` (the inbox's transaction). */
  uow: UnitOfWork<PaymentTx>;
  processor: PaymentProcessor;
}

/** Refunds `payment` when the aggregate allows it (APPROVED): processor first, then REFUNDED + `PaymentRefunded`. */
async function refundIfApproved(tx: PaymentTx, processor: PaymentProcessor, payment: Payment, cause: Causation) {
  if (!isRefundable(payment)) return { result: payment, events: [] };
  await processor.refund({ paymentId: payment.id, rentalId: payment.rentalId, customerId: payment.customerId, amount: payment.amount });
  const now = new Date();
  const decision = refund(payment, now);
  return { result: await updatePayment(tx, decision.payment), events: envelopesOf(decision, cause, now) };
}

/**
 * A rental was canceled: refund its payment. Idempotent — a payment that is not APPROVED
 * (already refunded, declined) or missing is left alone.
 * @returns the payment (as stored afterwards), or null when the rental has none.
 */
export async function refundRentalPayment(deps: RefundDeps, rentalId: string, cause: Causation): Promise<Payment | null> {
  return deps.uow.run(async (tx) => {
    const payment = await tx.payment.findUnique({ where: { rentalId } });
    if (!payment) return { result: null, events: [] };
    return refundIfApproved(tx, deps.processor, payment, cause);
  });
}

/** The rental whose payment failed, as its `RentalPaymentFailed` event tells it. */
export interface FailedRental {
  rentalId: string;
  customerId: string;
  /** The rental's fee, integer KRW. */
  fee: number;
}

/**
 * Compensation of a failed rent saga — "no charge stays without a rental": a payment approved
 * too late is refunded; when none exists yet, the rental is voided (`voidRental`: a DECLINED
 * row) so a late approval can never charge it, and the processor is asked to refund the rental
 * id — a charge made before payment crashed, never recorded, is given back (the processor's
 * refund is idempotent on the rental id and does nothing when there was no charge).
 * @returns the payment as stored afterwards.
 * @throws whatever the processor throws (the event is retried; repeating is safe).
 */
export async function compensateFailedRental(deps: RefundDeps, rental: FailedRental, cause: Causation): Promise<Payment> {
  return deps.uow.run(async (tx) => {
    const existing = await tx.payment.findUnique({ where: { rentalId: rental.rentalId } });
    if (existing) return refundIfApproved(tx, deps.processor, existing, cause);
    const decision = voidRental({
      paymentId: randomUUID(),
      rentalId: rental.rentalId,
      customerId: rental.customerId,
      amount: rental.fee,
      correlationId: cause.correlationId,
    });
    await deps.processor.refund({ paymentId: decision.payment.id, rentalId: rental.rentalId, customerId: rental.customerId, amount: rental.fee });
    return { result: await insertPayment(tx, decision.payment), events: envelopesOf(decision, cause) };
  });
}
