import { describe, expect, it } from 'vitest';
import type { PaymentProcessor } from '../domain/payment-processor';
import { refundHandlers } from './refund-handlers';

describe('payment refunds consumer', () => {
  it('refunds on RentalCanceled and compensates on RentalPaymentFailed, and never acts on RentalExpired or RentalDueSoon', () => {
    const handlers = refundHandlers({} as PaymentProcessor);
    expect(Object.keys(handlers).sort()).toEqual(['RentalCanceled', 'RentalPaymentFailed']);
    expect(handlers).not.toHaveProperty('RentalExpired');
    expect(handlers).not.toHaveProperty('RentalDueSoon');
  });
});
