import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The reading context's Prisma client (`READING_DATABASE_URL`). */
export type ReadingDb = PrismaClient;
/** Its interactive-transaction client. */
export type ReadingTx = Parameters<Parameters<ReadingDb['$transaction']>[0]>[0];

/** Connects the reading context's Prisma client. */
export function createReadingDb(url: string, poolSize?: number): ReadingDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
