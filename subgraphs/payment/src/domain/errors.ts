import { DomainError } from '@ebook/subgraph-kit/domain-error';

/** Every error code the payment context raises (a public contract: each is in the kit's `ErrorCode`). */
export const PAYMENT_ERROR_CODES = ['BAD_USER_INPUT'] as const;

/** One of {@link PAYMENT_ERROR_CODES}. */
export type PaymentErrorCode = (typeof PAYMENT_ERROR_CODES)[number];

/** A refusal of the payment context (the internal approve route answers it as HTTP 409 `{ code, message }`). */
export class PaymentError extends DomainError<PaymentErrorCode> {}

/** The payment context's refusals, with their messages. Each returns the error; the caller throws it. */
export const PaymentErrors = {
  /** `BAD_USER_INPUT`: a payment exists for the rental with another customer or amount. */
  differentPayment: () => new PaymentError('BAD_USER_INPUT', 'A different payment already exists for this rental'),
} as const;
