import { appendToOutbox, causedBy, PaymentDeclined, PaymentRefunded, type EventOf } from '@ebook/events';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';

/**
 * Payment's reactions to rental events (consumer group `payment.refunds`), each inside the
 * inbox transaction:
 * - `RentalCanceled` → refund the APPROVED payment (`PaymentRefunded`).
 * - `RentalPaymentFailed` (compensation of the rent saga) → refund a payment approved too
 *   late; when none exists yet, record a voided DECLINED row so a late approval can never
 *   charge the failed rental. "No charge stays without a rental."
 */
export function refundHandlers(processor: PaymentProcessor) {
  const refund = async (tx: PaymentTx, rentalId: string, event: EventOf<'RentalCanceled'> | EventOf<'RentalPaymentFailed'>) => {
    const payment = await tx.payment.findUnique({ where: { rentalId } });
    if (!payment || payment.status !== 'APPROVED') return payment;
    await processor.refund({ paymentId: payment.id, rentalId, customerId: payment.customerId, amount: payment.amount });
    const refundedAt = new Date();
    await tx.payment.update({ where: { id: payment.id }, data: { status: 'REFUNDED', refundedAt } });
    await appendToOutbox(tx, [
      PaymentRefunded.create(
        rentalId,
        { paymentId: payment.id, rentalId, customerId: payment.customerId, amount: payment.amount, refundedAt: refundedAt.toISOString() },
        causedBy(event),
      ),
    ]);
    return payment;
  };

  return {
    RentalCanceled: async (event: EventOf<'RentalCanceled'>, tx: PaymentTx) => {
      await refund(tx, event.data.rentalId, event);
    },
    RentalPaymentFailed: async (event: EventOf<'RentalPaymentFailed'>, tx: PaymentTx) => {
      const existing = await refund(tx, event.data.rentalId, event);
      if (!existing) {
        const reason = 'voided: the rental could not be completed';
        const voided = await tx.payment.create({
          data: {
            rentalId: event.data.rentalId,
            customerId: event.data.customerId,
            amount: event.data.fee,
            status: 'DECLINED',
            declineReason: reason,
            correlationId: event.correlationId,
          },
        });
        await appendToOutbox(tx, [
          PaymentDeclined.create(
            voided.rentalId,
            { paymentId: voided.id, rentalId: voided.rentalId, customerId: voided.customerId, amount: voided.amount, reason },
            causedBy(event),
          ),
        ]);
      }
    },
  };
}
