import { randomUUID } from 'node:crypto';
import type { Causation, SqlExecutor, UnitOfWork } from '@ebook/events';
import { isUniqueViolation } from '@ebook/subgraph-kit';
import type { Payment } from '../generated/prisma/client';
import type { PaymentProcessor } from '../domain/payment-processor';
import { recordCharge, RENT_CHARGE, repeatApproval } from '../domain/payment';
import type { ApprovePaymentRequestBody } from '../api/approve-payment-contract';
import { envelopesOf, findPayment, insertPayment } from './payment-store';

/** A validated approval request: the approve contract's request body (amount: integer KRW; `renewalId` for a renewal's charge). */
export type ApprovePaymentCommand = ApprovePaymentRequestBody;

/** What approving needs. */
export interface ApprovePaymentDeps {
  /** The payment database: the service gives its plain-`pg` side (`PlainSql`); a Prisma client works too. */
  db: SqlExecutor;
  /** The payment context's unit of work (writes, outbox, relay wake-up), on `db`. */
  uow: UnitOfWork<SqlExecutor>;
  processor: PaymentProcessor;
}

/** The unique key of the charge a command asks for: (rentalId, renewalId or {@link RENT_CHARGE}). */
export function chargeKey(cmd: { rentalId: string; renewalId?: string | undefined }) {
  return { rentalId_renewalId: { rentalId: cmd.rentalId, renewalId: cmd.renewalId ?? RENT_CHARGE } };
}

/**
 * Approves (charges) the fee of a rental or of one renewal of it — idempotent on
 * (`rentalId`, `renewalId`) (the aggregate's
 * `repeatApproval`): a repeated call returns the payment already made, whatever its status (a
 * rental whose saga already failed has a voided DECLINED row, so a late call can never charge
 * it). Otherwise the processor is asked — with the rental id (and renewal id) as its idempotency key, so a charge
 * made by an earlier call that crashed before recording it is returned, not repeated — and its
 * answer recorded (`recordCharge`) with `PaymentApproved` or `PaymentDeclined` in the outbox, in
 * one statement (`insertPayment`) of one transaction.
 * @throws PaymentError `BAD_USER_INPUT` when a payment exists for the rental with another customer or amount.
 */
export async function approvePayment(deps: ApprovePaymentDeps, cmd: ApprovePaymentCommand, cause: Causation): Promise<Payment> {
  const existing = await findPayment(deps.db, chargeKey(cmd).rentalId_renewalId);
  if (existing) return repeatApproval(existing, cmd);

  const result = await deps.processor.charge(cmd);
  try {
    return await deps.uow.run(async (tx) => {
      const now = new Date();
      const decision = recordCharge({ ...cmd, paymentId: randomUUID(), correlationId: cause.correlationId }, result, now);
      const payment = await insertPayment(tx, decision.payment, envelopesOf(decision, cause, now));
      return { result: payment, events: [] };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A concurrent call (retry) or a void won the race: answer with what was recorded. The
    // processor charged once per idempotency key, so a recorded APPROVED payment is this very
    // charge; any other winner (a void) means the charge stands without a rental: give it back.
    const winner = await findPayment(deps.db, chargeKey(cmd).rentalId_renewalId);
    if (!winner) throw err;
    if (result.approved && winner.status !== 'APPROVED') await deps.processor.refund({ ...cmd, paymentId: winner.id });
    return repeatApproval(winner, cmd);
  }
}
