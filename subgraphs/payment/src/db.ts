import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The payment context's Prisma client (`PAYMENT_DATABASE_URL`). */
export type PaymentDb = PrismaClient;
/** Its interactive-transaction client. */
export type PaymentTx = Parameters<Parameters<PaymentDb['$transaction']>[0]>[0];

/** Connects the payment context's Prisma client. */
export function createPaymentDb(url: string, poolSize?: number): PaymentDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
