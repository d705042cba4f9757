import express from 'express';
import { correlationIdOf, DomainError, PAYMENT_APPROVE_SCOPE, type Logger, type TokenVerifier } from '@ebook/subgraph-kit';
import { approvePayment, ApprovePaymentSchema, type ApprovePaymentDeps } from './application/approve-payment';

/**
 * The internal, non-GraphQL route rental's saga calls: `POST /internal/payments/approve`
 * with `{ rentalId, customerId, amount }` (amount: integer KRW) → 200
 * `{ paymentId, status: APPROVED|DECLINED|REFUNDED, declineReason }`. Not in the supergraph.
 * Authorization: a service client's token (client credentials) holding scope
 * `payment:approve` — rental's saga, which vouches for `customerId` (the customer it verified).
 * 401 without a valid token, 403 for any other caller — customers and managers included, even
 * for their own id —, 400 for a bad body.
 */
export function internalPaymentRoutes(app: express.Express, deps: ApprovePaymentDeps & { verifier: TokenVerifier; logger: Logger }): void {
  app.post('/internal/payments/approve', express.json({ limit: '4kb' }), async (req, res) => {
    const correlationId = correlationIdOf(req.headers);
    const log = deps.logger.child({ correlationId });
    let caller;
    try {
      caller = await deps.verifier.fromAuthorizationHeader(req.headers.authorization);
    } catch {
      caller = null;
    }
    if (!caller) return void res.status(401).json({ code: 'UNAUTHENTICATED' });
    if (caller.role !== 'SERVICE' || !caller.scopes.includes(PAYMENT_APPROVE_SCOPE)) return void res.status(403).json({ code: 'FORBIDDEN' });
    const body = ApprovePaymentSchema.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ code: 'BAD_USER_INPUT', message: body.error.message });
    try {
      const p = await approvePayment(deps, body.data, { correlationId });
      log.info({ rentalId: p.rentalId, status: p.status }, 'payment decided');
      res.json({ paymentId: p.id, status: p.status, declineReason: p.declineReason });
    } catch (err) {
      if (err instanceof DomainError) return void res.status(409).json({ code: err.code, message: err.message });
      log.error({ err }, 'approve failed');
      res.status(500).json({ code: 'INTERNAL_SERVER_ERROR' });
    }
  });
}
