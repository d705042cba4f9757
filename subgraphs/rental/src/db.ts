import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The rental context's Prisma client (`RENTAL_DATABASE_URL`). */
export type RentalDb = PrismaClient;
/** Its interactive-transaction client. */
export type RentalTx = Parameters<Parameters<RentalDb['$transaction']>[0]>[0];

/** Connects the rental context's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createRentalDb(url: string, poolSize?: number): RentalDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
