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
    try {
      return await this.db.processorCharge.update({ where: { idempotencyKey }, data: { attempts: { increment: 1 } } });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2025') return null; // no row for the key
      throw err;
    }
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
