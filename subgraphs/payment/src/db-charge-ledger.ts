import type { SqlExecutor } from '@ebook/events';
import type { ChargeLedger, ChargeRecord } from './domain/payment-processor';

/** `processor_charge`'s columns as a {@link ChargeRecord}. */
const CHARGE_COLUMNS = `"idempotencyKey", "customerId"::text AS "customerId", amount, approved, "declineReason", attempts, "chargedAt", "refundedAt"`;

/**
 * The simulated processor's books in table `processor_charge` of the payment database (one row
 * per idempotency key). Each call is its own statement, outside payment's transactions — as an
 * acquirer's records are — so a charge stays on the books when payment crashes before recording it.
 * Plain SQL on `db`: the payment service gives its plain-`pg` side (`PlainSql`); a Prisma client works too.
 */
export class DbChargeLedger implements ChargeLedger {
  constructor(private readonly db: SqlExecutor) {}

  async repeat(idempotencyKey: string): Promise<ChargeRecord | null> {
    // One statement, no exception for the usual case of a new key (no row: nothing returned).
    const [record] = await this.db.$queryRawUnsafe<ChargeRecord[]>(
      `UPDATE processor_charge SET attempts = attempts + 1 WHERE "idempotencyKey" = $1 RETURNING ${CHARGE_COLUMNS}`,
      idempotencyKey,
    );
    return record ?? null;
  }

  async recordFirst(record: Omit<ChargeRecord, 'attempts' | 'refundedAt'>): Promise<ChargeRecord> {
    // One statement: the first insert wins; a concurrent loser counts its call on the winner's row.
    const [stored] = await this.db.$queryRawUnsafe<ChargeRecord[]>(
      `INSERT INTO processor_charge ("idempotencyKey", "customerId", amount, approved, "declineReason", attempts, "chargedAt")
       VALUES ($1, $2::uuid, $3, $4, $5, 1, $6::timestamp(3))
       ON CONFLICT ("idempotencyKey") DO UPDATE SET attempts = processor_charge.attempts + 1
       RETURNING ${CHARGE_COLUMNS}`,
      record.idempotencyKey,
      record.customerId,
      record.amount,
      record.approved,
      record.declineReason,
      record.chargedAt,
    );
    return stored!;
  }

  async markRefunded(idempotencyKey: string, at: Date): Promise<boolean> {
    const count = await this.db.$executeRawUnsafe(
      `UPDATE processor_charge SET "refundedAt" = $2::timestamp(3) WHERE "idempotencyKey" = $1 AND approved AND "refundedAt" IS NULL`,
      idempotencyKey,
      at,
    );
    return count === 1;
  }

  async find(idempotencyKey: string): Promise<ChargeRecord | null> {
    const [record] = await this.db.$queryRawUnsafe<ChargeRecord[]>(`SELECT ${CHARGE_COLUMNS} FROM processor_charge WHERE "idempotencyKey" = $1`, idempotencyKey);
    return record ?? null;
  }
}
