import { describe, expect, it } from 'vitest';
import type { PaymentProcessor } from '../domain/payment-processor';
import { refundHandlers } from './refund-handlers';

describe('payment refunds consumer', () => {
  it('refunds on RentalCanceled, compensates on RentalPaymentFailed and RentalRenewalFailed, and never acts on RentalExpired, RentalDueSoon or RentalRenewed', () => {
    const handlers = refundHandlers({} as PaymentProcessor);
    expect(Object.keys(handlers).sort()).toEqual(['RentalCanceled', 'RentalPaymentFailed', 'RentalRenewalFailed']);
    expect(handlers).not.toHaveProperty('RentalRenewed');
    expect(handlers).not.toHaveProperty('RentalExpired');
    expect(handlers).not.toHaveProperty('RentalDueSoon');
  });
});
