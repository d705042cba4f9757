import { noteOutboxWrite, outboxInsert, toEnvelope, type Causation, type Envelope, type SqlExecutor } from '@ebook/events';
import type { Payment as PaymentRow } from '../generated/prisma/client';
import type { Payment, PaymentDecision } from '../domain/payment';
import type { PaymentTx } from '../db';

/** Persistence of the payment aggregate: decisions of `domain/payment.ts` written to table `payment`. */

/** `payment`'s columns as the Prisma model reads them (a `Payment` row). */
const PAYMENT_COLUMNS =
  `id::text AS id, "rentalId"::text AS "rentalId", "renewalId"::text AS "renewalId", "customerId"::text AS "customerId", amount, status::text AS status, "declineReason", ` +
  `"approvedAt", "refundedAt", "correlationId", "createdAt"`;

/** The payment of a charge key (rental id, renewal id or `RENT_CHARGE`), or null. One statement; plain SQL (a Prisma client or `PlainSql`). */
export async function findPayment(db: SqlExecutor, key: { rentalId: string; renewalId: string }): Promise<PaymentRow | null> {
  const [row] = await db.$queryRawUnsafe<PaymentRow[]>(
    `SELECT ${PAYMENT_COLUMNS} FROM payment WHERE "rentalId" = $1::uuid AND "renewalId" = $2::uuid`,
    key.rentalId,
    key.renewalId,
  );
  return row ?? null;
}

/**
 * Inserts a new payment and appends its events to the outbox, in one statement (a
 * data-modifying CTE: both or neither). Plain SQL: runs on a Prisma transaction and on a
 * `PlainSql` one.
 * @throws a unique violation (`isUniqueViolation`) when the charge key already has a payment ((`rentalId`, `renewalId`) is unique; nothing written).
 */
export async function insertPayment(tx: SqlExecutor, payment: Payment, events: Envelope[]): Promise<PaymentRow> {
  const values: unknown[] = [
    payment.id,
    payment.rentalId,
    payment.renewalId,
    payment.customerId,
    payment.amount,
    payment.status,
    payment.declineReason,
    payment.approvedAt,
    payment.refundedAt,
    payment.correlationId,
    new Date(),
  ];
  const append = events.length > 0 ? outboxInsert(events, values.length + 1) : undefined;
  const [row] = await tx.$queryRawUnsafe<PaymentRow[]>(
    `WITH inserted AS (
       INSERT INTO payment (id, "rentalId", "renewalId", "customerId", amount, status, "declineReason", "approvedAt", "refundedAt", "correlationId", "createdAt")
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6::"PaymentState", $7, $8::timestamp(3), $9::timestamp(3), $10, $11::timestamp(3))
       RETURNING *
     )${append ? `, appended AS (${append.sql})` : ''}
     SELECT ${PAYMENT_COLUMNS} FROM inserted`,
    ...values,
    ...(append?.values ?? []),
  );
  if (append) noteOutboxWrite(tx);
  return row!;
}

/** Writes the state-changing columns of a decided payment (by id). */
export function updatePayment(tx: PaymentTx, payment: Payment): Promise<PaymentRow> {
  return tx.payment.update({ where: { id: payment.id }, data: { status: payment.status, refundedAt: payment.refundedAt } });
}

/** The decision's events as envelopes; the aggregate id (Kafka key) is the rental id, like rental's events. */
export function envelopesOf(decision: PaymentDecision, cause: Causation, now?: Date): Envelope[] {
  return decision.events.map((e) => toEnvelope(decision.payment.rentalId, e, cause, now));
}
