import { toEnvelope, type Causation, type Envelope } from '@ebook/events';
import type { Payment as PaymentRow } from '../generated/prisma/client';
import type { Payment, PaymentDecision } from '../domain/payment';
import type { PaymentTx } from '../db';

/** Persistence of the payment aggregate: decisions of `domain/payment.ts` written to table `payment`. */

/** Inserts a new payment. @throws Prisma P2002 when the rental already has one (`rentalId` is unique). */
export function insertPayment(tx: PaymentTx, payment: Payment): Promise<PaymentRow> {
  return tx.payment.create({ data: payment });
}

/** Writes the state-changing columns of a decided payment (by id). */
export function updatePayment(tx: PaymentTx, payment: Payment): Promise<PaymentRow> {
  return tx.payment.update({ where: { id: payment.id }, data: { status: payment.status, refundedAt: payment.refundedAt } });
}

/** The decision's events as envelopes; the aggregate id (Kafka key) is the rental id, like rental's events. */
export function envelopesOf(decision: PaymentDecision, cause: Causation, now?: Date): Envelope[] {
  return decision.events.map((e) => toEnvelope(decision.payment.rentalId, e, cause, now));
}
