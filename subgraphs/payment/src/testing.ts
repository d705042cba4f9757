/**
 * The payment context's in-process approval path and compensation, for other contexts'
 * integration tests (through `@ebook/payment/testing`; `*.spec.ts` files only, never production
 * code: in production another context reaches payment over HTTP through `@ebook/payment/api` and
 * through events). Not compiled (source only, like `@ebook/subgraph-kit/testing`).
 */
export { createPaymentDb } from './db';
export { approvePayment } from './application/approve-payment';
export { SimulatedPaymentProcessor } from './domain/payment-processor';
export { onRentalRenewalFailed } from './handlers/on-rental-renewal-failed';
export { RENT_CHARGE } from './domain/payment';
