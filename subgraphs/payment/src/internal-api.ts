import express from 'express';
import { correlationIdOf, type Logger, type TokenVerifier } from '@ebook/subgraph-kit';
import { approvePaymentContract as contract, type ApprovePaymentErrorBody, type ApprovePaymentResponseBody } from './api/approve-payment-contract';
import { approvePayment, type ApprovePaymentDeps } from './application/approve-payment';
import { PaymentError } from './domain/errors';

/** Sends an error body of the contract (typed by its schema). */
function fail(res: express.Response, status: number, body: ApprovePaymentErrorBody): void {
  res.status(status).json(body);
}

/**
 * The internal, non-GraphQL route rental's saga calls, as {@link contract} (the approve
 * contract in `api/approve-payment-contract.ts`) defines it: `POST /internal/payments/approve`
 * with `{ rentalId, customerId, amount }` (amount: integer KRW) → 200
 * `{ paymentId, status: APPROVED|DECLINED|REFUNDED, declineReason }`. Not in the supergraph.
 * Authorization: a service client's token (client credentials) holding the contract's scope
 * (`payment:approve`) — rental's saga, which vouches for `customerId` (the customer it verified).
 * 401 without a valid token, 403 for any other caller — customers and managers included, even
 * for their own id —, 400 for a body that does not parse with the contract's request schema.
 */
export function internalPaymentRoutes(app: express.Express, deps: ApprovePaymentDeps & { verifier: TokenVerifier; logger: Logger }): void {
  app.post(contract.path, express.json({ limit: '4kb' }), async (req, res) => {
    const correlationId = correlationIdOf(req.headers);
    const log = deps.logger.child({ correlationId });
    let caller;
    try {
      caller = await deps.verifier.fromAuthorizationHeader(req.headers.authorization);
    } catch {
      caller = null;
    }
    if (!caller) return fail(res, 401, { code: 'UNAUTHENTICATED' });
    if (caller.role !== 'SERVICE' || !caller.scopes.includes(contract.scope)) return fail(res, 403, { code: 'FORBIDDEN' });
    const body = contract.request.safeParse(req.body);
    if (!body.success) return fail(res, 400, { code: 'BAD_USER_INPUT', message: body.error.message });
    try {
      const p = await approvePayment(deps, body.data, { correlationId });
      log.info({ rentalId: p.rentalId, status: p.status }, 'payment decided');
      const reply: ApprovePaymentResponseBody = { paymentId: p.id, status: p.status, declineReason: p.declineReason };
      res.json(reply);
    } catch (err) {
      if (err instanceof PaymentError) return fail(res, 409, { code: err.code, message: err.message });
      log.error({ err }, 'approve failed');
      fail(res, 500, { code: 'INTERNAL_SERVER_ERROR' });
    }
  });
}
