import { causedBy, joinTransaction, type EventOf } from '@ebook/events';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { refundRentalPayment } from '../application/refund-payment';

/**
 * `RentalCanceled` (consumer group `payment.refunds`) → refund the rental's payment, inside the
 * inbox transaction. The rule is the payment aggregate's; this only maps the event to the command.
 */
export function onRentalCanceled(processor: PaymentProcessor) {
  return async (event: EventOf<'RentalCanceled'>, tx: PaymentTx): Promise<void> => {
    await refundRentalPayment({ uow: joinTransaction(tx), processor }, event.data.rentalId, causedBy(event));
  };
}
