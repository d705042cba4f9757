import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Causation, UnitOfWork } from '@ebook/events';
import { isUniqueViolation } from '@ebook/subgraph-kit';
import type { Payment } from '../generated/prisma/client';
import type { PaymentDb, PaymentTx } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';
import { recordCharge, RENT_CHARGE, repeatApproval } from '../domain/payment';
import { envelopesOf, insertPayment } from './payment-store';

/** Body of `POST /internal/payments/approve` (amount: integer KRW). */
export const ApprovePaymentSchema = z.object({
  rentalId: z.uuid(),
  customerId: z.uuid(),
  amount: z.number().int().min(0).max(1_000_000),
  /** A renewal's charge: rental's renewal id (the key together with rentalId); absent for the rent's own charge. */
  renewalId: z.uuid().optional(),
});

/** A validated approval request. */
export type ApprovePaymentCommand = z.output<typeof ApprovePaymentSchema>;

/** What approving needs. */
export interface ApprovePaymentDeps {
  db: PaymentDb;
  /** The payment context's unit of work (writes, outbox, relay wake-up). */
  uow: UnitOfWork<PaymentTx>;
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
 * it). Otherwise the processor is asked and its answer recorded (`recordCharge`) with
 * `PaymentApproved` or `PaymentDeclined` in the outbox, in one transaction.
 * @throws PaymentError `BAD_USER_INPUT` when a payment exists for the rental with another customer or amount.
 */
export async function approvePayment(deps: ApprovePaymentDeps, cmd: ApprovePaymentCommand, cause: Causation): Promise<Payment> {
  const existing = await deps.db.payment.findUnique({ where: chargeKey(cmd) });
  if (existing) return repeatApproval(existing, cmd);

  const result = await deps.processor.charge(cmd);
  try {
    return await deps.uow.run(async (tx) => {
      const now = new Date();
      const decision = recordCharge({ ...cmd, paymentId: randomUUID(), correlationId: cause.correlationId }, result, now);
      const payment = await insertPayment(tx, decision.payment);
      return { result: payment, events: envelopesOf(decision, cause, now) };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A concurrent call (retry) or a void won the race: answer with what was recorded, and
    // give back the charge this call made at the processor — it is not the recorded one.
    const winner = await deps.db.payment.findUniqueOrThrow({ where: chargeKey(cmd) });
    if (result.approved) await deps.processor.refund({ ...cmd, paymentId: winner.id });
    return repeatApproval(winner, cmd);
  }
}
