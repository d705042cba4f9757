import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The rental context's Prisma client (`RENTAL_DATABASE_URL`). */
export type RentalDb = PrismaClient;
/** Its interactive-transaction client. */
export type RentalTx = Parameters<Parameters<RentalDb['$transaction']>[0]>[0];

/** Connects the rental context's Prisma client. */
export function createRentalDb(url: string, poolSize?: number): RentalDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
