import type { EventHandlers } from '@ebook/events';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { onRentalCanceled } from './on-rental-canceled';
import { onRentalPaymentFailed } from './on-rental-payment-failed';
import { onRentalRenewalFailed } from './on-rental-renewal-failed';

/**
 * The handlers of consumer group `payment.refunds`: a refund on `RentalCanceled` (the rent's
 * charge and any renewal's), compensation on `RentalPaymentFailed` (the rent's charge) and on
 * `RentalRenewalFailed` (that renewal's charge). Deliberately nothing else: `RentalExpired` (a
 * loan that ran its full term) is never refunded, `RentalRenewed` is a paid renewal (nothing to
 * give back), and other events on `rental.events` are skipped.
 */
export function refundHandlers(processor: PaymentProcessor): EventHandlers<PaymentTx> {
  return {
    RentalCanceled: onRentalCanceled(processor),
    RentalPaymentFailed: onRentalPaymentFailed(processor),
    RentalRenewalFailed: onRentalRenewalFailed(processor),
  };
}
