import { causedBy, joinTransaction, type EventOf } from '@ebook/events';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { compensateFailedRental } from '../application/refund-payment';

/**
 * `RentalRenewalFailed` (consumer group `payment.refunds`; compensation of the renewal saga) →
 * refund the renewal's charge when it was approved, or void it (a DECLINED row under
 * (rentalId, renewalId)) so a late approval can never charge it, inside the inbox transaction.
 * The rent's own charge is untouched. No rule here: the payment aggregate's.
 */
export function onRentalRenewalFailed(processor: PaymentProcessor) {
  return async (event: EventOf<'RentalRenewalFailed'>, tx: PaymentTx): Promise<void> => {
    const { rentalId, renewalId, customerId, fee } = event.data;
    await compensateFailedRental({ uow: joinTransaction(tx), processor }, { rentalId, renewalId, customerId, fee }, causedBy(event));
  };
}
