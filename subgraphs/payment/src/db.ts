import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The payment context's Prisma client (`PAYMENT_DATABASE_URL`). */
export type PaymentDb = PrismaClient;
/** Its interactive-transaction client. */
export type PaymentTx = Parameters<Parameters<PaymentDb['$transaction']>[0]>[0];

/** Connects the payment context's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createPaymentDb(url: string, poolSize?: number): PaymentDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
