import { randomUUID } from 'node:crypto';
import type { Causation, UnitOfWork } from '@ebook/events';
import type { Payment } from '../generated/prisma/client';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { chargeOf, isRefundable, refund, RENT_CHARGE, voidRental } from '../domain/payment';
import { chargeKey } from './approve-payment';
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
  await processor.refund(chargeOf(payment));
  return recordRefund(tx, payment, cause);
}

/** Records a refund the processor made: REFUNDED + `PaymentRefunded`. */
async function recordRefund(tx: PaymentTx, payment: Payment, cause: Causation) {
  const now = new Date();
  const decision = refund(payment, now);
  return { result: await updatePayment(tx, decision.payment), events: envelopesOf(decision, cause, now) };
}

/**
 * A rental was canceled: refund its payments — the rent's charge and any renewal's. Idempotent —
 * a payment that is not APPROVED (already refunded, declined) is left alone.
 * @returns the rent's payment (as stored afterwards), or null when the rental has none.
 */
export async function refundRentalPayment(deps: RefundDeps, rentalId: string, cause: Causation): Promise<Payment | null> {
  return deps.uow.run(async (tx) => {
    const payments = await tx.payment.findMany({ where: { rentalId }, orderBy: { createdAt: 'asc' } });
    let rentCharge: Payment | null = null;
    const events = [];
    for (const payment of payments) {
      const done = await refundIfApproved(tx, deps.processor, payment, cause);
      events.push(...done.events);
      if (payment.renewalId === RENT_CHARGE) rentCharge = done.result;
    }
    return { result: rentCharge, events };
  });
}

/** The rental whose payment failed, as its `RentalPaymentFailed` event tells it. */
export interface FailedRental {
  rentalId: string;
  /** Set when a renewal of the rental failed (its `RentalRenewalFailed`): that renewal's charge is compensated, not the rent's. */
  renewalId?: string;
  customerId: string;
  /** The rental's fee, integer KRW. */
  fee: number;
}

/**
 * Compensation of a failed rent saga (or, with `renewalId`, of a failed renewal saga) — "no
 * charge stays without a rental / its renewal": a payment approved too late is refunded; when
 * none exists yet, the charge is voided (`voidRental`: a DECLINED row under the same key) so a
 * late approval can never charge it, and the processor is asked to refund that key — a charge
 * made before payment crashed, never recorded, is given back (the processor's refund is
 * idempotent on its key and does nothing when there was no charge).
 * @returns the payment as stored afterwards.
 * @throws whatever the processor throws (the event is retried; repeating is safe).
 */
export async function compensateFailedRental(deps: RefundDeps, rental: FailedRental, cause: Causation): Promise<Payment> {
  return deps.uow.run(async (tx) => {
    const existing = await tx.payment.findUnique({ where: chargeKey(rental) });
    if (existing) return refundIfApproved(tx, deps.processor, existing, cause);
    const now = new Date();
    const decision = voidRental(
      {
        paymentId: randomUUID(),
        rentalId: rental.rentalId,
        renewalId: rental.renewalId,
        customerId: rental.customerId,
        amount: rental.fee,
        correlationId: cause.correlationId,
      },
      now,
    );
    await deps.processor.refund(chargeOf(decision.payment));
    return { result: await insertPayment(tx, decision.payment, envelopesOf(decision, cause, now)), events: [] };
  });
}
