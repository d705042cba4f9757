import type { EventHandlers } from '@ebook/events';
import type { PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { onRentalCanceled } from './on-rental-canceled';
import { onRentalPaymentFailed } from './on-rental-payment-failed';

/**
 * The handlers of consumer group `payment.refunds`: a refund on `RentalCanceled`, compensation
 * on `RentalPaymentFailed`. Deliberately nothing else: `RentalExpired` (a loan that ran its
 * full term) is never refunded, and other events on `rental.events` are skipped.
 */
export function refundHandlers(processor: PaymentProcessor): EventHandlers<PaymentTx> {
  return { RentalCanceled: onRentalCanceled(processor), RentalPaymentFailed: onRentalPaymentFailed(processor) };
}
