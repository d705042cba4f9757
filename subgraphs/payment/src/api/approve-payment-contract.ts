/**
 * The contract of payment's approve call, owned by payment (the called side owns its request
 * and reply types). rental's saga imports it from `@ebook/payment/api`; payment's route serves
 * it. Nothing here touches payment's database or domain, so the caller loads no payment internals.
 *
 * Wire format (JSON, unchanged from before the contract existed):
 * ```
 * POST /internal/payments/approve
 * authorization: Bearer <client-credentials token holding scope payment:approve>
 * x-correlation-id: <[\w-]{1,100}>            (optional; payment makes one up when absent or malformed)
 * { "rentalId": uuid, "customerId": uuid, "amount": integer KRW 0..1000000 }
 *
 * 200 { "paymentId": uuid, "status": "APPROVED" | "DECLINED" | "REFUNDED", "declineReason": string | null }
 * 400 { "code": "BAD_USER_INPUT", "message": "<zod's explanation>" }   the body does not parse
 * 401 { "code": "UNAUTHENTICATED" }                                    no valid token
 * 403 { "code": "FORBIDDEN" }                                          not a service client with the scope
 * 409 { "code": "BAD_USER_INPUT", "message": "..." }                   another payment exists for the rental
 * 500 { "code": "INTERNAL_SERVER_ERROR" }
 * ```
 * The error body stays flat (`{ code, message? }`), as payment has always answered it, so
 * callers and tests written against the old route keep working.
 *
 * Semantics: approving is idempotent on `rentalId`. A repeated call — a retry after a timeout,
 * a lost reply, a payment that crashed mid-call — never charges twice: payment answers with the
 * payment it recorded, and the processor is asked with `rentalId` as its idempotency key, so even
 * a charge made before a crash (and not yet recorded) is found again rather than repeated. The
 * reply may be DECLINED for a rental that was voided (its saga already failed) and REFUNDED for
 * one refunded since; only APPROVED means the fee is held.
 */
import { z } from 'zod';
import { CORRELATION_HEADER, PAYMENT_APPROVE_SCOPE } from '@ebook/subgraph-kit';

/** Highest amount payment accepts, integer KRW (the catalog's highest rental fee). */
export const MAX_APPROVE_AMOUNT_KRW = 1_000_000;

/**
 * Request body. `amount` is the rental's fee in integer KRW, 0..{@link MAX_APPROVE_AMOUNT_KRW}:
 * 0 is allowed because the catalog allows free books (their rentals still go through payment,
 * which records a zero charge).
 */
export const ApprovePaymentRequestSchema = z.object({
  rentalId: z.uuid(),
  customerId: z.uuid(),
  amount: z.number().int().min(0).max(MAX_APPROVE_AMOUNT_KRW),
  /**
   * Set for the charge of a renewal (one id per renewal attempt); absent for the rent's own
   * charge. Charges are idempotent on (rentalId, renewalId).
   */
  renewalId: z.uuid().optional(),
});

/** A request body that parsed. */
export type ApprovePaymentRequestBody = z.output<typeof ApprovePaymentRequestSchema>;

/** Status of the payment recorded for the rental (payment's `PaymentState`). */
export const PaymentStatusSchema = z.enum(['APPROVED', 'DECLINED', 'REFUNDED']);

/**
 * 200 reply. `declineReason` is null when APPROVED; payment always sends the field, and a reply
 * without it parses as null.
 */
export const ApprovePaymentResponseSchema = z.object({
  paymentId: z.uuid(),
  status: PaymentStatusSchema,
  declineReason: z
    .string()
    .nullish()
    .transform((r) => r ?? null),
});

/** A reply that parsed. */
export type ApprovePaymentResponseBody = z.output<typeof ApprovePaymentResponseSchema>;

/** Codes of the error bodies (HTTP status in {@link ApprovePaymentErrorSchema}). */
export const ApprovePaymentErrorCodeSchema = z.enum(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'INTERNAL_SERVER_ERROR']);

/**
 * Body of every non-200 reply: 400 `BAD_USER_INPUT` (the request does not parse), 401
 * `UNAUTHENTICATED`, 403 `FORBIDDEN`, 409 `BAD_USER_INPUT` (another payment exists for the
 * rental: other customer or amount), 500 `INTERNAL_SERVER_ERROR`. `message` is for logs only.
 */
export const ApprovePaymentErrorSchema = z.object({
  code: ApprovePaymentErrorCodeSchema,
  message: z.string().optional(),
});

/** An error body. */
export type ApprovePaymentErrorBody = z.output<typeof ApprovePaymentErrorSchema>;

/**
 * Everything both sides need to agree on: the route (`method`, `path`), the scope the caller's
 * client-credentials token must hold, the header carrying the correlation id, and the three
 * schemas. The scope and header names are the kit's constants (the authorization server and the
 * GraphQL servers use them too); the contract is where the approve call names them.
 */
export const approvePaymentContract = {
  method: 'POST',
  path: '/internal/payments/approve',
  scope: PAYMENT_APPROVE_SCOPE,
  correlationHeader: CORRELATION_HEADER,
  request: ApprovePaymentRequestSchema,
  response: ApprovePaymentResponseSchema,
  error: ApprovePaymentErrorSchema,
} as const;
