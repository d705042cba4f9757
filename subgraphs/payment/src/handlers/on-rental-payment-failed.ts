import { causedBy, joinTransaction, type EventOf } from '@ebook/events';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { compensateFailedRental } from '../application/refund-payment';

/**
 * `RentalPaymentFailed` (consumer group `payment.refunds`; compensation of the rent saga) →
 * refund a payment approved too late, or void the rental, inside the inbox transaction. The
 * rule is the payment aggregate's; this only maps the event to the command.
 */
export function onRentalPaymentFailed(processor: PaymentProcessor) {
  return async (event: EventOf<'RentalPaymentFailed'>, tx: PaymentTx): Promise<void> => {
    const { rentalId, customerId, fee } = event.data;
    await compensateFailedRental({ uow: joinTransaction(tx), processor }, { rentalId, customerId, fee }, causedBy(event));
  };
}
