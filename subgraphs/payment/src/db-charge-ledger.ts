import type { PaymentDb } from './db';
import type { ChargeLedger, ChargeRecord } from './domain/payment-processor';

/**
 * The simulated processor's books in table `processor_charge` of the payment database (one row
 * per idempotency key). Each call is its own statement, outside payment's transactions — as an
 * acquirer's records are — so a charge stays on the books when payment crashes before recording it.
 */
export class DbChargeLedger implements ChargeLedger {
  constructor(private readonly db: PaymentDb) {}

  async repeat(idempotencyKey: string): Promise<ChargeRecord | null> {
    // One statement, no exception for the usual case of a new key (no row: nothing returned).
    const [record] = await this.db.processorCharge.updateManyAndReturn({ where: { idempotencyKey }, data: { attempts: { increment: 1 } } });
    return record ?? null;
  }

  async recordFirst(record: Omit<ChargeRecord, 'attempts' | 'refundedAt'>): Promise<ChargeRecord> {
    // One statement: the first insert wins; a concurrent loser counts its call on the winner's row.
    return this.db.processorCharge.upsert({
      where: { idempotencyKey: record.idempotencyKey },
      create: { ...record, attempts: 1 },
      update: { attempts: { increment: 1 } },
    });
  }

  async markRefunded(idempotencyKey: string, at: Date): Promise<boolean> {
    const { count } = await this.db.processorCharge.updateMany({ where: { idempotencyKey, approved: true, refundedAt: null }, data: { refundedAt: at } });
    return count === 1;
  }

  async find(idempotencyKey: string): Promise<ChargeRecord | null> {
    return this.db.processorCharge.findUnique({ where: { idempotencyKey } });
  }
}
