import { z } from 'zod';
import { appendToOutbox, PaymentApproved, PaymentDeclined, type Causation } from '@ebook/events';
import { DomainError, isUniqueViolation } from '@ebook/subgraph-kit';
import type { Payment } from '../generated/prisma/client';
import type { PaymentDb } from '../db';
import type { PaymentProcessor } from '../domain/payment-processor';

/** Body of `POST /internal/payments/approve` (amount: integer KRW). */
export const ApprovePaymentSchema = z.object({
  rentalId: z.uuid(),
  customerId: z.uuid(),
  amount: z.number().int().min(0).max(1_000_000),
});

/** A validated approval request. */
export type ApprovePaymentCommand = z.output<typeof ApprovePaymentSchema>;

/**
 * Approves (charges) the fee of a rental — idempotent on `rentalId`: a repeated call returns
 * the payment already made, whatever its status (a rental whose saga already failed has a
 * voided DECLINED row, so a late call can never charge it). The charge is recorded with
 * `PaymentApproved` or `PaymentDeclined` in the outbox, in one transaction.
 * @throws DomainError `BAD_USER_INPUT` when a payment exists for the rental with another customer or amount.
 */
export async function approvePayment(db: PaymentDb, processor: PaymentProcessor, cmd: ApprovePaymentCommand, cause: Causation): Promise<Payment> {
  const existing = await db.payment.findUnique({ where: { rentalId: cmd.rentalId } });
  if (existing) return sameRequestOrThrow(existing, cmd);

  const result = await processor.charge(cmd);
  try {
    return await db.$transaction(async (tx) => {
      const now = new Date();
      const payment = await tx.payment.create({
        data: {
          rentalId: cmd.rentalId,
          customerId: cmd.customerId,
          amount: cmd.amount,
          status: result.approved ? 'APPROVED' : 'DECLINED',
          approvedAt: result.approved ? now : null,
          declineReason: result.approved ? null : result.reason,
          correlationId: cause.correlationId,
        },
      });
      const data = { paymentId: payment.id, rentalId: cmd.rentalId, customerId: cmd.customerId, amount: cmd.amount };
      await appendToOutbox(tx, [
        result.approved
          ? PaymentApproved.create(cmd.rentalId, { ...data, approvedAt: now.toISOString() }, cause)
          : PaymentDeclined.create(cmd.rentalId, { ...data, reason: result.reason }, cause),
      ]);
      return payment;
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A concurrent call (retry) or a void won the race: answer with what was recorded, and
    // give back the charge this call made at the processor — it is not the recorded one.
    const winner = await db.payment.findUniqueOrThrow({ where: { rentalId: cmd.rentalId } });
    if (result.approved) await processor.refund({ ...cmd, paymentId: winner.id });
    return sameRequestOrThrow(winner, cmd);
  }
}

function sameRequestOrThrow(p: Payment, cmd: ApprovePaymentCommand): Payment {
  if (p.customerId !== cmd.customerId || p.amount !== cmd.amount) {
    throw new DomainError('BAD_USER_INPUT', 'A different payment already exists for this rental');
  }
  return p;
}
